namespace PowerWatch.Agent.Status;

/// <summary>
/// The last hour of a few numeric series per device, in memory, for the status page's trend charts.
/// <para>
/// Bound: a series (device × metric) keeps at most one sample per <see cref="Resolution"/> (10 s; a later value in the
/// same 10-second slot replaces the earlier one) and at most <see cref="SamplesPerSeries"/> (360) samples, a ring that
/// overwrites its oldest; at most <see cref="MaxSeries"/> (256) series exist (further series are refused and counted
/// in <see cref="Refused"/>). Worst case 256 × 360 samples of 16 bytes ≈ 1.5 MB. <see cref="Snapshot"/> returns only
/// samples of the last <see cref="Window"/> (60 min), so a series whose device went silent ages out instead of showing
/// old data as recent. A sample's value may be null: a gap (e.g. no failover margin because the generator cannot take
/// the load), drawn as a break in the line.
/// </para>
/// </summary>
internal sealed class TrendBuffer
{
    public static readonly TimeSpan Resolution = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(60);

    public const int SamplesPerSeries = 360;

    public const int MaxSeries = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Device, string Metric), Series> _series = [];
    private long _refused;

    /// <summary>Series kept (at most <see cref="MaxSeries"/>).</summary>
    public int SeriesCount
    {
        get
        {
            lock (_gate)
            {
                return _series.Count;
            }
        }
    }

    /// <summary>Samples refused because <see cref="MaxSeries"/> series already exist.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Records one value of a series at a time; the latest value of a 10-second slot wins.</summary>
    public void Record(string device, string metric, string unit, double? value, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(metric);
        if (value is { } v)
        {
            value = double.IsFinite(v) ? Core.MetricResolution.Round(unit, v) : null;
        }

        lock (_gate)
        {
            if (!_series.TryGetValue((device, metric), out var series))
            {
                if (_series.Count >= MaxSeries)
                {
                    Interlocked.Increment(ref _refused);
                    return;
                }

                _series[(device, metric)] = series = new Series(unit);
            }

            series.Add(Slot(at), value);
        }
    }

    /// <summary>Every series with its samples of the last hour before <paramref name="now"/>, oldest first; empty series are left out.</summary>
    public IReadOnlyList<TrendSeriesDto> Snapshot(DateTimeOffset now)
    {
        var from = Slot(now - Window);
        var result = new List<TrendSeriesDto>();
        lock (_gate)
        {
            foreach (var ((device, metric), series) in _series.OrderBy(s => s.Key.Device, StringComparer.Ordinal).ThenBy(s => s.Key.Metric, StringComparer.Ordinal))
            {
                var (times, values) = series.Since(from);
                if (times.Count > 0)
                {
                    result.Add(new TrendSeriesDto(device, metric, series.Unit, times, values));
                }
            }
        }

        return result;
    }

    /// <summary>The slot of a time: Unix milliseconds rounded down to the resolution.</summary>
    private static long Slot(DateTimeOffset at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        var step = (long)Resolution.TotalMilliseconds;
        return ms - (((ms % step) + step) % step);
    }

    private sealed class Series(string unit)
    {
        private readonly long[] _times = new long[SamplesPerSeries];
        private readonly double?[] _values = new double?[SamplesPerSeries];
        private int _start;
        private int _count;

        public string Unit { get; } = unit;

        public void Add(long slot, double? value)
        {
            if (_count > 0)
            {
                var last = (_start + _count - 1) % SamplesPerSeries;
                if (_times[last] == slot)
                {
                    _values[last] = value;
                    return;
                }

                if (slot < _times[last])
                {
                    // Out of order (a late poll result): the chart is a time line; drop it rather than reorder.
                    return;
                }
            }

            if (_count < SamplesPerSeries)
            {
                var at = (_start + _count) % SamplesPerSeries;
                _times[at] = slot;
                _values[at] = value;
                _count++;
            }
            else
            {
                _times[_start] = slot;
                _values[_start] = value;
                _start = (_start + 1) % SamplesPerSeries;
            }
        }

        public (List<long> Times, List<double?> Values) Since(long from)
        {
            var times = new List<long>(_count);
            var values = new List<double?>(_count);
            for (var i = 0; i < _count; i++)
            {
                var at = (_start + i) % SamplesPerSeries;
                if (_times[at] > from)
                {
                    times.Add(_times[at]);
                    values.Add(_values[at]);
                }
            }

            return (times, values);
        }
    }
}

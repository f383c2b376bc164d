using PowerWatch.Agent.Outputs.Mqtt;

namespace PowerWatch.Agent.Ingest;

/// <summary>A run of a device's <c>seq</c> that was never stored within the grace period.</summary>
internal sealed record TelemetryGap(string Site, string Device, string Run, long From, long To, TimeSpan Waited)
{
    public long Count => To - From + 1;
}

/// <summary>
/// Ingest's loss detector (docs/ingest.md "Gaps"): per (site, device, agent run) it follows which <c>seq</c> were
/// stored (by this instance, and by every instance through the stored confirmations all of them receive), and reports
/// the missing seqs below the highest stored one once they have stayed missing for the grace period, which must be
/// longer than the agents' replay timeout: duplicates and late, out-of-order replays fill gaps silently within it.
/// A stream first seen in this instance's first grace period is followed from the first seq seen (what came before
/// this instance started cannot be judged); a stream that appears later must start at seq 1. A reported gap is
/// reported once; seqs of it that arrive later are counted as <see cref="LateFills"/>. Pure logic on explicit times.
/// Everything it keeps is bounded, because streams, seqs and ranges come from MQTT messages anyone on the broker can
/// publish: at most <see cref="MaxStreams"/> streams (the least recently active is forgotten first), at most
/// <see cref="MaxAhead"/> seqs followed above a stream's contiguous point (a seq further ahead, when nothing is
/// waiting, reports the seqs it skipped at once as one gap and the stream continues from it; while a gap is still
/// waiting it is not followed), and a range longer than <see cref="MaxAhead"/> is refused (<see cref="Refused"/>).
/// </summary>
internal sealed class GapTracker
{
    /// <summary>Most streams followed at once.</summary>
    public const int MaxStreams = 100_000;

    /// <summary>Most seqs a stream follows above its contiguous point, and the longest range accepted.</summary>
    public const long MaxAhead = 100_000;

    private const int MaxReportedPerStream = 32;
    private const int MaxPendingGaps = 1024;
    private readonly TimeSpan _grace;
    private readonly DateTimeOffset _started;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Site, string Device, string Run), Stream> _streams = [];
    private readonly List<TelemetryGap> _pending = [];
    private long _lateFills;
    private long _refused;
    private long _forgotten;

    public GapTracker(TimeSpan grace, DateTimeOffset started)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(grace, TimeSpan.Zero);
        _grace = grace;
        _started = started;
    }

    /// <summary>Seqs that arrived after the gap holding them had been reported (the report was early: raise the grace).</summary>
    public long LateFills => Interlocked.Read(ref _lateFills);

    /// <summary>Ranges refused: longer than <see cref="MaxAhead"/>, or seqs too far ahead while a gap was waiting.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Streams forgotten to stay within <see cref="MaxStreams"/> (not counting idle streams retired normally).</summary>
    public long Forgotten => Interlocked.Read(ref _forgotten);

    /// <summary>Streams followed.</summary>
    public int Streams
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>Records that seqs <paramref name="range"/> of a stream are stored.</summary>
    public void Stored(string site, string device, string run, SeqRange range, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (range.From < 0 || range.To < range.From || range.To - range.From >= MaxAhead)
            {
                _refused++;
                return;
            }

            if (range.To < 1)
            {
                return;
            }

            var key = (site, device, run);
            if (!_streams.TryGetValue(key, out var stream))
            {
                if (_streams.Count >= MaxStreams)
                {
                    ForgetLeastRecentlyActive();
                }

                var baseline = now - _started < _grace ? range.From - 1 : 0;
                _streams[key] = stream = new Stream(baseline);
            }

            stream.LastActivity = now;
            var from = Math.Max(range.From, 1);
            for (var s = from; s <= Math.Min(range.To, stream.Through); s++)
            {
                if (stream.Filled.Count < MaxAhead && stream.Reported.Any(g => s >= g.From && s <= g.To) && stream.Filled.Add(s))
                {
                    _lateFills++;
                }
            }

            if (range.To > stream.Through + MaxAhead && !Rebase(site, device, run, stream, range.From, now))
            {
                _refused++;
                return;
            }

            for (var s = Math.Max(from, stream.Through + 1); s <= range.To; s++)
            {
                if (stream.Above.Count == 0)
                {
                    stream.GapSince = now;
                }

                stream.Above.Add(s);
            }

            stream.Advance(now);
        }
    }

    /// <summary>
    /// A seq more than <see cref="MaxAhead"/> above the stream's contiguous point: when nothing is waiting, the seqs it
    /// skipped are one gap reported at once and the stream continues just below <paramref name="from"/>; false while
    /// a gap is still waiting (the range is then not followed).
    /// </summary>
    private bool Rebase(string site, string device, string run, Stream stream, long from, DateTimeOffset now)
    {
        if (stream.Above.Count > 0)
        {
            return false;
        }

        if (from > stream.Through + 1)
        {
            var gap = new TelemetryGap(site, device, run, stream.Through + 1, from - 1, TimeSpan.Zero);
            stream.Reported.Add(gap);
            if (stream.Reported.Count > MaxReportedPerStream)
            {
                stream.Reported.RemoveAt(0);
            }

            if (_pending.Count < MaxPendingGaps)
            {
                _pending.Add(gap);
            }
        }

        stream.Through = from - 1;
        stream.Filled.Clear();
        return true;
    }

    private void ForgetLeastRecentlyActive()
    {
        var oldest = _streams.MinBy(kv => kv.Value.LastActivity).Key;
        _streams.Remove(oldest);
        _forgotten++;
    }

    /// <summary>The gaps that have now been open for the grace period (each reported once), and forgets idle streams.</summary>
    public List<TelemetryGap> Collect(DateTimeOffset now)
    {
        var gaps = new List<TelemetryGap>();
        lock (_gate)
        {
            gaps.AddRange(_pending);
            _pending.Clear();
            foreach (var ((site, device, run), stream) in _streams.ToList())
            {
                while (stream.Above.Count > 0 && now - stream.GapSince >= _grace)
                {
                    var gap = new TelemetryGap(site, device, run, stream.Through + 1, stream.Above.Min - 1, now - stream.GapSince);
                    gaps.Add(gap);
                    stream.Reported.Add(gap);
                    if (stream.Reported.Count > MaxReportedPerStream)
                    {
                        stream.Reported.RemoveAt(0);
                    }

                    stream.Through = gap.To;
                    stream.Advance(now);
                }

                if (stream.Above.Count == 0 && now - stream.LastActivity >= _grace * 4 && now - stream.LastActivity >= TimeSpan.FromHours(1))
                {
                    _streams.Remove((site, device, run));
                }
            }
        }

        return gaps;
    }

    private sealed class Stream(long through)
    {
        public long Through { get; set; } = through;

        public SortedSet<long> Above { get; } = [];

        public DateTimeOffset GapSince { get; set; }

        public DateTimeOffset LastActivity { get; set; }

        public List<TelemetryGap> Reported { get; } = [];

        public HashSet<long> Filled { get; } = [];

        /// <summary>Absorbs the seqs contiguous with <see cref="Through"/>; a gap still open keeps its start time.</summary>
        public void Advance(DateTimeOffset now)
        {
            var moved = false;
            while (Above.Count > 0 && Above.Min == Through + 1)
            {
                Through++;
                Above.Remove(Through);
                moved = true;
            }

            if (moved && Above.Count > 0)
            {
                // The gap that was open is closed; the next one started no later than now.
                GapSince = now;
            }
        }
    }
}

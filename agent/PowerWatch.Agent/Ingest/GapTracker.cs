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
/// </summary>
internal sealed class GapTracker
{
    private const int MaxReportedPerStream = 32;
    private readonly TimeSpan _grace;
    private readonly DateTimeOffset _started;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Site, string Device, string Run), Stream> _streams = [];
    private long _lateFills;

    public GapTracker(TimeSpan grace, DateTimeOffset started)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(grace, TimeSpan.Zero);
        _grace = grace;
        _started = started;
    }

    /// <summary>Seqs that arrived after the gap holding them had been reported (the report was early: raise the grace).</summary>
    public long LateFills => Interlocked.Read(ref _lateFills);

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
            var key = (site, device, run);
            if (!_streams.TryGetValue(key, out var stream))
            {
                var baseline = now - _started < _grace ? range.From - 1 : 0;
                _streams[key] = stream = new Stream(baseline);
            }

            stream.LastActivity = now;
            for (var s = Math.Max(range.From, 1); s <= range.To; s++)
            {
                if (s <= stream.Through)
                {
                    if (stream.Reported.Any(g => s >= g.From && s <= g.To) && stream.Filled.Add(s))
                    {
                        _lateFills++;
                    }

                    continue;
                }

                if (stream.Above.Count == 0)
                {
                    stream.GapSince = now;
                }

                stream.Above.Add(s);
            }

            stream.Advance(now);
        }
    }

    /// <summary>The gaps that have now been open for the grace period (each reported once), and forgets idle streams.</summary>
    public List<TelemetryGap> Collect(DateTimeOffset now)
    {
        var gaps = new List<TelemetryGap>();
        lock (_gate)
        {
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

using PowerWatch.Core;

namespace PowerWatch.Agent.Polling;

/// <summary>What the agent knows about one device right now: its last readings and how fresh they are.</summary>
internal sealed class DeviceState
{
    /// <summary>Missed polls after which values are stale and the device unavailable.</summary>
    public const int StaleAfterMissedPolls = 3;

    private readonly Lock _gate = new();
    private readonly LatestReadings _latest = new();

    public DeviceState(string id, string kind, string model, string endpoint, TimeSpan pollInterval)
    {
        Id = id;
        Kind = kind;
        Model = model;
        Endpoint = endpoint;
        PollInterval = pollInterval;
    }

    public string Id { get; }

    public string Kind { get; }

    public string Model { get; }

    public string Endpoint { get; }

    public TimeSpan PollInterval { get; }

    public long Sequence { get; private set; }

    public DateTimeOffset? LastPoll { get; private set; }

    public DateTimeOffset? LastSuccess
    {
        get
        {
            lock (_gate)
            {
                return _latest.LastHeard;
            }
        }
    }

    public int ConsecutiveFailures { get; private set; }

    public string? LastError { get; private set; }

    public long Polls { get; private set; }

    public long Failures { get; private set; }

    /// <summary>Whether the circuit is open (the device is probed slowly instead of polled).</summary>
    public bool CircuitOpen { get; internal set; }

    /// <summary>Available unless the last <see cref="StaleAfterMissedPolls"/> polls all failed (or it never answered).</summary>
    public bool Available
    {
        get
        {
            lock (_gate)
            {
                return _latest.LastHeard is not null && ConsecutiveFailures < StaleAfterMissedPolls;
            }
        }
    }

    internal long NextSequence()
    {
        lock (_gate)
        {
            return ++Sequence;
        }
    }

    internal void RecordSuccess(DateTimeOffset at, IReadOnlyList<Reading> readings)
    {
        lock (_gate)
        {
            _latest.Record(at, readings);
            LastPoll = at;
            ConsecutiveFailures = 0;
            LastError = null;
            Polls++;
        }
    }

    internal void RecordFailure(DateTimeOffset at, string error)
    {
        lock (_gate)
        {
            LastPoll = at;
            ConsecutiveFailures++;
            LastError = error;
            Polls++;
            Failures++;
        }
    }

    /// <summary>
    /// The latest readings with quality as of <paramref name="now"/>: a value not refreshed within
    /// <see cref="StaleAfterMissedPolls"/> poll periods is stale, never presented as current.
    /// </summary>
    public IReadOnlyList<Reading> Snapshot(DateTimeOffset now)
    {
        List<Reading> latest;
        lock (_gate)
        {
            latest = _latest.ToList();
        }

        var staleAfter = PollInterval * StaleAfterMissedPolls;
        return latest
            .Select(r => r.Quality == Quality.Good && now - r.Timestamp > staleAfter ? r with { Quality = Quality.Stale } : r)
            .OrderBy(r => r.Metric, StringComparer.Ordinal)
            .ToList();
    }
}

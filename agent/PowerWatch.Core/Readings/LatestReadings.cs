namespace PowerWatch.Core;

/// <summary>
/// The latest reading of each metric of one device, and when the device last answered. A new reading of a metric
/// replaces the previous one; metrics a poll did not return keep their last reading. Not thread-safe: the owner locks.
/// </summary>
public sealed class LatestReadings
{
    private readonly Dictionary<string, Reading> _byMetric = new(StringComparer.Ordinal);

    /// <param name="lastHeard">Counts as heard at this instant before the first <see cref="Record"/> (null: never heard).</param>
    public LatestReadings(DateTimeOffset? lastHeard = null)
    {
        LastHeard = lastHeard;
    }

    /// <summary>When <see cref="Record"/> was last called.</summary>
    public DateTimeOffset? LastHeard { get; private set; }

    /// <summary>Takes one answer of the device at <paramref name="at"/>.</summary>
    public void Record(DateTimeOffset at, IEnumerable<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        LastHeard = at;
        foreach (var reading in readings)
        {
            _byMetric[reading.Metric] = reading;
        }
    }

    /// <summary>The latest reading of <paramref name="metric"/>, whatever its quality.</summary>
    public bool TryGet(string metric, out Reading reading) => _byMetric.TryGetValue(metric, out reading);

    /// <summary>The latest value of <paramref name="metric"/> when it is a good number, else null.</summary>
    public double? Number(string metric) =>
        _byMetric.TryGetValue(metric, out var r) && r.Quality == Quality.Good && r.Value.TryGetNumber(out var v) ? v : null;

    /// <summary>The latest value of <paramref name="metric"/> when it is a good boolean, else null.</summary>
    public bool? Boolean(string metric) =>
        _byMetric.TryGetValue(metric, out var r) && r.Quality == Quality.Good && r.Value.TryGetBoolean(out var v) ? v : null;

    /// <summary>The latest value of <paramref name="metric"/> when it is good text, else null.</summary>
    public string? Text(string metric) =>
        _byMetric.TryGetValue(metric, out var r) && r.Quality == Quality.Good && r.Value.TryGetText(out var v) ? v : null;

    /// <summary>A copy of every metric's latest reading, in no particular order.</summary>
    public List<Reading> ToList() => [.. _byMetric.Values];
}

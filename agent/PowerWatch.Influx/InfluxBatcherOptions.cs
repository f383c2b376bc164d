namespace PowerWatch.Influx;

/// <summary>Options of <see cref="InfluxBatcher"/>; validated by <see cref="Validate"/> with messages naming the key.</summary>
public sealed class InfluxBatcherOptions
{
    /// <summary>A batch is sent as soon as this many lines are pending.</summary>
    public int MaxBatchLines { get; set; } = 5_000;

    /// <summary>A batch is sent as soon as this many bytes are pending.</summary>
    public int MaxBatchBytes { get; set; } = 1 << 20;

    /// <summary>Pending lines are sent at the latest this long after the oldest of them was enqueued.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Lines held (pending or in flight) before <see cref="InfluxBatcher.EnqueueAsync(IEnumerable{Point}, CancellationToken)"/> waits for room.</summary>
    public int MaxHeldLines { get; set; } = 100_000;

    /// <summary>First retry delay; doubles per consecutive failure of the same batch.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound of the back-off (a server's Retry-After is honoured as given, up to the writer's MaxRetryAfter).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Random part of each back-off delay: the delay is uniformly drawn from [d·(1−j), d].</summary>
    public double JitterFraction { get; set; } = 0.2;

    public void Validate()
    {
        if (MaxBatchLines < 1)
        {
            throw new ArgumentException("Influx:Batch:MaxBatchLines must be at least 1.", nameof(MaxBatchLines));
        }

        if (MaxBatchBytes < 1)
        {
            throw new ArgumentException("Influx:Batch:MaxBatchBytes must be at least 1.", nameof(MaxBatchBytes));
        }

        if (FlushInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("Influx:Batch:FlushInterval must be positive.", nameof(FlushInterval));
        }

        if (MaxHeldLines < MaxBatchLines)
        {
            throw new ArgumentException("Influx:Batch:MaxHeldLines must be at least MaxBatchLines.", nameof(MaxHeldLines));
        }

        if (InitialRetryDelay <= TimeSpan.Zero || MaxRetryDelay < InitialRetryDelay)
        {
            throw new ArgumentException("Influx:Batch:InitialRetryDelay must be positive and not above MaxRetryDelay.", nameof(InitialRetryDelay));
        }

        if (JitterFraction is < 0 or > 1 || double.IsNaN(JitterFraction))
        {
            throw new ArgumentException("Influx:Batch:JitterFraction must be between 0 and 1.", nameof(JitterFraction));
        }
    }
}

/// <summary>How the lines of one enqueued group ended: each line was either accepted by the server or dead-lettered.</summary>
public sealed record DeliveryReport(int Lines, int Accepted, int DeadLettered)
{
    public bool AllAccepted => Accepted == Lines;
}

/// <summary>Counters of an <see cref="InfluxBatcher"/> (a snapshot).</summary>
public sealed record InfluxBatcherStatistics(
    long LinesEnqueued,
    long LinesAccepted,
    long LinesDeadLettered,
    long Requests,
    long RetryableFailures,
    long Rejections,
    int LinesHeld);

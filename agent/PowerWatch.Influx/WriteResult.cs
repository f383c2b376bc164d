namespace PowerWatch.Influx;

/// <summary>What happened to one HTTP write.</summary>
public enum WriteOutcome
{
    /// <summary>2xx: every line was accepted.</summary>
    Accepted,

    /// <summary>5xx, 408, 429, timeout or connection failure: nothing (reliably) stored; send the same batch again later.</summary>
    Retryable,

    /// <summary>Other 4xx: the server refused the batch, or some lines of it (see <see cref="WriteResult.IsPartialWrite"/>).</summary>
    Rejected,
}

/// <summary>A line the server named as refused, with its 0-based index in the batch and the server's reason.</summary>
public sealed record RejectedLine(int Index, string Line, string Reason);

/// <summary>The result of one <see cref="InfluxWriter.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
public sealed record WriteResult
{
    public required WriteOutcome Outcome { get; init; }

    /// <summary>HTTP status, or null when no response arrived (timeout, connection refused).</summary>
    public int? StatusCode { get; init; }

    /// <summary>The server's message (<c>{"error":"..."}</c>, the <c>X-Influxdb-Error</c> header or the body text), or a description of the local failure.</summary>
    public string? Error { get; init; }

    /// <summary>For <see cref="WriteOutcome.Retryable"/>: the server's Retry-After (seconds or HTTP date, clamped to 0..MaxRetryAfter), null when it sent none.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>For <see cref="WriteOutcome.Retryable"/>: <see cref="RetryAfter"/>, else the writer's configured default delay.</summary>
    public TimeSpan? SuggestedDelay { get; init; }

    /// <summary>True when the server says "partial write": lines not refused were stored.</summary>
    public bool IsPartialWrite { get; init; }

    /// <summary>The <c>dropped=N</c> count of an InfluxDB 1.x partial write, when present.</summary>
    public int? DroppedCount { get; init; }

    /// <summary>Lines the server's message names ("unable to parse '...': reason"); may be fewer than were refused.</summary>
    public IReadOnlyList<RejectedLine> RejectedLines { get; init; } = [];

    /// <summary>The exception behind a failure without a response.</summary>
    public Exception? Exception { get; init; }

    public static WriteResult Accepted(int statusCode) => new() { Outcome = WriteOutcome.Accepted, StatusCode = statusCode };
}

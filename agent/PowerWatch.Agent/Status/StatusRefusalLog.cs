using Microsoft.Extensions.Logging;

namespace PowerWatch.Agent.Status;

/// <summary>
/// Logs the requests the status gate refused (who tried to acknowledge or shelve, or read without a token, from where
/// and why) without letting a caller flood the log: one line at once, then at most one a minute carrying the count of
/// refusals in between. The reason never contains a token.
/// </summary>
internal sealed partial class StatusRefusalLog(ILogger logger, TimeProvider time)
{
    /// <summary>Least time between two lines.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private DateTimeOffset? _lastLine;
    private long _suppressed;
    private long _refused;

    /// <summary>Every refusal, logged or not.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public void Refusal(string method, string path, string? from, int status, string reason)
    {
        Interlocked.Increment(ref _refused);
        long suppressed;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_lastLine is { } last && now - last < Interval)
            {
                _suppressed++;
                return;
            }

            _lastLine = now;
            suppressed = _suppressed;
            _suppressed = 0;
        }

        LogRefused(logger, method, path, from ?? "unknown address", status, reason, suppressed);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Status API refused {Method} {Path} from {From} with {Status}: {Reason} ({Suppressed} more refused since the last such line)")]
    private static partial void LogRefused(ILogger logger, string method, string path, string from, int status, string reason, long suppressed);
}

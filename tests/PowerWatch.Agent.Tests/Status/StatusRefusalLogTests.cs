using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Status;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Status;

/// <summary>Refused status API requests are logged with who and why, at most one line a minute.</summary>
public sealed class StatusRefusalLogTests
{
    [Fact]
    public void A_refusal_is_logged_at_once_and_a_flood_becomes_one_line_a_minute_with_the_count()
    {
        var clock = new ManualTimeProvider();
        var logger = new LineLogger();
        var log = new StatusRefusalLog(logger, clock);

        log.Refusal("POST", "/api/alerts/generator-failed-to-start:generator/shelve", "10.0.0.5", 401, "an operator token is required");
        var first = Assert.Single(logger.Lines);
        Assert.Equal((LogLevel.Warning, 3001), (first.Level, first.Id));
        Assert.Contains("POST /api/alerts/generator-failed-to-start:generator/shelve from 10.0.0.5 with 401: an operator token is required", first.Text, StringComparison.Ordinal);

        for (var i = 0; i < 1000; i++)
        {
            log.Refusal("POST", "/api/alerts/x/ack", "10.0.0.5", 403, "cross-site request refused (Sec-Fetch-Site: cross-site)");
        }

        Assert.Single(logger.Lines);
        clock.Advance(StatusRefusalLog.Interval);
        log.Refusal("POST", "/api/alerts/x/ack", null, 403, "cross-site request refused (Sec-Fetch-Site: cross-site)");
        Assert.Equal(2, logger.Lines.Count);
        Assert.Contains("from unknown address", logger.Lines[1].Text, StringComparison.Ordinal);
        Assert.Contains("(1000 more refused since the last such line)", logger.Lines[1].Text, StringComparison.Ordinal);
        Assert.Equal(1002, log.Refused);
    }

    private sealed class LineLogger : ILogger
    {
        public List<(LogLevel Level, int Id, string Text)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, eventId.Id, formatter(state, exception)));
    }
}

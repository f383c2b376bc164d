using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using PowerWatch.Agent.Hosting;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Hosting;

/// <summary>Issue 15: the console lines an operator reads are time, level, a short source and the message; the full category is behind --verbose.</summary>
public sealed class OperatorConsoleFormatterTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 7, 14, 2, 7, TimeSpan.Zero);

    private static string Format(bool verbose, string category, LogLevel level, int eventId, string message, Exception? exception = null)
    {
        var options = new OperatorConsoleFormatterOptions { Verbose = verbose, UseUtcTimestamp = true, TimestampFormat = "HH:mm:ss" };
        using var formatter = new OperatorConsoleFormatter(new StaticMonitor(options), new ManualTimeProvider(T));
        using var writer = new StringWriter();
        var entry = new LogEntry<string>(level, category, new EventId(eventId, "X"), message, exception, (s, _) => s);
        formatter.Write(in entry, null, writer);
        return writer.ToString();
    }

    [Fact]
    public void Alert_line_shows_time_level_area_and_message_without_the_category_and_event_id()
    {
        var line = Format(false, "PowerWatch.Agent.Alerts.AlertService", LogLevel.Warning, 4001, "raised ups-on-battery:ups (warning): UPS ups is on battery");
        Assert.Equal("14:02:07 warn alerts: raised ups-on-battery:ups (warning): UPS ups is on battery" + Environment.NewLine, line);
        Assert.DoesNotContain("AlertService", line, StringComparison.Ordinal);
        Assert.DoesNotContain("[4001]", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Verbose_line_keeps_the_full_category_and_event_id_and_the_whole_exception()
    {
        var ex = new InvalidOperationException("boom");
        var line = Format(true, "PowerWatch.Agent.Alerts.AlertService", LogLevel.Error, 4001, "failed", ex);
        Assert.StartsWith("14:02:07 fail PowerWatch.Agent.Alerts.AlertService[4001]: failed" + Environment.NewLine + "System.InvalidOperationException: boom", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Concise_line_puts_an_exception_on_the_same_line_and_folds_multi_line_messages()
    {
        var line = Format(false, "PowerWatch.Agent.Outputs.Mqtt.MqttOutput", LogLevel.Warning, 1102, "MQTT connection problem:\nreset", new IOException("Connection reset by peer"));
        Assert.Equal("14:02:07 warn mqtt: MQTT connection problem: reset (IOException: Connection reset by peer)" + Environment.NewLine, line);
    }

    [Theory]
    [InlineData("PowerWatch.Agent.Polling.EndpointPoller", "polling")]
    [InlineData("PowerWatch.Agent.Outputs.Mqtt.MqttOutput", "mqtt")]
    [InlineData("PowerWatch.Agent.Ingest.IngestRunner", "ingest")]
    [InlineData("Microsoft.Hosting.Lifetime", "Lifetime")]
    [InlineData("Program", "Program")]
    public void Short_source_is_the_area_of_our_types_and_the_last_segment_of_others(string category, string expected) =>
        Assert.Equal(expected, OperatorConsoleFormatter.ShortSource(category));

    [Fact]
    public void Host_logging_uses_the_operator_format_unless_configured_otherwise_and_the_verbose_key_switches_it()
    {
        static (string? Formatter, bool Verbose) Resolve(Dictionary<string, string?> settings, bool verbose = false)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var services = new ServiceCollection();
            services.AddLogging(b =>
            {
                b.AddConfiguration(configuration.GetSection("Logging"));
                b.AddSimpleConsole(); // what WebApplication.CreateSlimBuilder registers before AgentHost adds its format
                b.AddOperatorConsole(verbose);
            });
            using var sp = services.BuildServiceProvider();
            Assert.Contains(sp.GetServices<ConsoleFormatter>(), f => f is OperatorConsoleFormatter);
            return (sp.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName,
                sp.GetRequiredService<IOptionsMonitor<OperatorConsoleFormatterOptions>>().CurrentValue.Verbose);
        }

        Assert.Equal(("operator", false), Resolve([]));
        Assert.Equal(("operator", true), Resolve(new() { [OperatorConsoleFormatter.VerboseKey] = "true" }));
        Assert.Equal(("operator", true), Resolve([], verbose: true));
        Assert.Equal(("json", false), Resolve(new() { ["Logging:Console:FormatterName"] = "json" }));
    }

    [Fact]
    public void Nothing_is_written_for_an_entry_without_message_or_exception()
    {
        using var formatter = new OperatorConsoleFormatter(new StaticMonitor(new OperatorConsoleFormatterOptions()), new ManualTimeProvider(T));
        using var writer = new StringWriter();
        var entry = new LogEntry<string>(LogLevel.Information, "c", default, "s", null, (_, _) => null!);
        formatter.Write(in entry, null, writer);
        Assert.Equal("", writer.ToString());
    }

    private sealed class StaticMonitor(OperatorConsoleFormatterOptions value) : IOptionsMonitor<OperatorConsoleFormatterOptions>
    {
        public OperatorConsoleFormatterOptions CurrentValue => value;

        public OperatorConsoleFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<OperatorConsoleFormatterOptions, string?> listener) => null;
    }
}

using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using PowerWatch.Agent.Polling;
using PowerWatch.Core;
using PowerWatch.Simulators;

namespace PowerWatch.Demo;

/// <summary>
/// The demo's console view: every few seconds of real time, one line per device with what the agent currently knows
/// (the headline values and quality), next to the simulated site's clock and the speed it really ran at.
/// </summary>
internal sealed class ConsoleReporter : BackgroundService
{
    // Names from the catalogue's constants, so a rename there renames here.
    private static readonly string[] Headline =
    [
        MetricNames.UpsStatus, MetricNames.BatteryCharge, MetricNames.BatteryRuntime, MetricNames.UpsLoad,
        MetricNames.GeneratorState, MetricNames.GeneratorMode, MetricNames.FuelLevel, MetricNames.GeneratorPower,
        MetricNames.InputSource, MetricNames.InputRealPower,
    ];

    private readonly AgentRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly Site _site;

    public ConsoleReporter(AgentRuntime runtime, TimeProvider time, Site site)
    {
        _runtime = runtime;
        _time = time;
        _site = site;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The agent's clock is the site's; the console is read by a person, so it reports on real time.
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5), TimeProvider.System);
        var previous = _site.Clock.Elapsed;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = _site.Clock.Elapsed;
                var effective = (now - previous).TotalSeconds / 5;
                previous = now;
                await Console.Out.WriteAsync(Render(_runtime, _time.GetUtcNow(), now, effective));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal static string Render(AgentRuntime runtime, DateTimeOffset now, TimeSpan simulated, double? speed = null)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"--- site time {simulated:hh\\:mm\\:ss} ---{(speed is { } x ? $" ({x:0.#}x real time)" : "")}\n");
        foreach (var d in runtime.Devices)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{d.Id,-12} ");
            if (!d.Available)
            {
                sb.Append(CultureInfo.InvariantCulture, $"UNAVAILABLE ({d.ConsecutiveFailures} failed polls{(d.LastError is null ? "" : ": " + d.LastError)})\n");
                continue;
            }

            var readings = d.Snapshot(now).ToDictionary(r => r.Metric, StringComparer.Ordinal);
            foreach (var metric in Headline)
            {
                if (readings.TryGetValue(metric, out var r) && !r.Value.IsNone)
                {
                    var value = r.Value.Kind == ReadingValueKind.Number ? r.Value.Number.ToString("0.#", CultureInfo.InvariantCulture) : r.Value.ToString();
                    sb.Append(CultureInfo.InvariantCulture, $"{metric}={value}{r.Unit}{(r.Quality == Quality.Good ? "" : "(" + r.Quality.ToWireName() + ")")} ");
                }
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}

using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Alerts;
using PowerWatch.Agent.Cli;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Outputs;
using PowerWatch.Agent.Tests.Dashboards;
using PowerWatch.Core.Alerts;
using PowerWatch.Demo;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces;
using PowerWatch.Simulators.Scenarios;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Acceptance;

/// <summary>At each site time of <paramref name="At"/>, hold the site clock and run <paramref name="Action"/> with that time and the agent's status page URL.</summary>
public sealed record AcceptancePause(IReadOnlyList<TimeSpan> At, Func<TimeSpan, Uri, Task> Action);

/// <summary>What one scenario run produced: the alert timeline and the figures of the alarm load.</summary>
public sealed record AcceptanceResult(string Scenario, double Speed, TimeSpan SiteTime, TimeSpan RealTime, IReadOnlyList<TimelineEntry> Timeline, string Devices = "")
{
    /// <summary>Alerts raised per 10 minutes of site time.</summary>
    public double AlarmRate => Timeline.Count(e => e.Kind == "raised") / SiteTime.TotalMinutes * 10;

    /// <summary>
    /// Most active critical alerts whose cause is null at any one time (in a build whose alerts carry no cause, every
    /// active critical alert counts: nothing is folded).
    /// </summary>
    public int PeakUnfoldedCritical
    {
        get
        {
            var active = new Dictionary<string, TimelineEntry>(StringComparer.Ordinal);
            var peak = 0;
            foreach (var e in Timeline.Where(e => e.Kind != "verdict" && e.Kind != "event"))
            {
                if (e.Kind == "cleared")
                {
                    active.Remove(e.Id);
                }
                else
                {
                    active[e.Id] = e;
                }

                peak = Math.Max(peak, active.Values.Count(a => a.Severity == "critical" && a.Cause is null or TimelineEntry.CauseUnknown));
            }

            return peak;
        }
    }

    /// <summary>The actual timeline in the <c>.alerts</c> syntax, ready to paste into the expectation file.</summary>
    public string Render() =>
        $"# {Scenario} at {Speed.ToString(CultureInfo.InvariantCulture)}x: {Durations.Format(SiteTime)} of site time in {RealTime.TotalSeconds:0.0} s; " +
        $"alarm rate {AlarmRate:0.0}/10 min, peak unfolded critical {PeakUnfoldedCritical}\n{Devices}" +
        string.Join('\n', Timeline.Select(e => e.ToLine())) + "\n";
}

/// <summary>
/// Runs a shipped scenario end to end: the simulated site (<see cref="SiteHost"/>, real Modbus TCP on loopback) with the
/// scenario's events, and the real agent host (<see cref="AgentHost"/>, the demo's generated configuration) on the
/// site's clock exactly as <c>powerwatch-demo</c> wires it (<see cref="DemoCommand.UseSiteClock"/>), run fast. Records
/// every alert transition the agent publishes, with its site time and cause.
/// </summary>
public static class AcceptanceRun
{
    public static string ScenarioDirectory => Path.Combine(GrafanaDashboards.RepositoryRoot(), "simulators", "scenarios");

    public static async Task<AcceptanceResult> RunAsync(string scenarioName, double speed, TimeSpan? pollInterval, CancellationToken cancellationToken, AcceptancePause? pause = null)
    {
        var scenario = await ScenarioParser.LoadAsync(Path.Combine(ScenarioDirectory, scenarioName + ".scn"), cancellationToken);
        using var dir = new TempDir("powerwatch-acceptance");
        var started = TimeProvider.System.GetTimestamp();

        // Site time stands still until the agent has polled every device, so the scenario's first seconds (or, at 1000×,
        // minutes) are not spent starting it.
        var clock = SimulationClock.CreateLive(TimeProvider.System, speed, out var startHold);
        await using var host = await SiteHost.StartAsync(new SiteHostOptions { Site = scenario.SiteFor(null), Clock = clock, Step = scenario.Step }, cancellationToken);
        var configPath = dir.File("site.json");
        await File.WriteAllTextAsync(configPath, host.ToAgentConfigurationJson(), cancellationToken);
        var overrides = new Dictionary<string, string?>
        {
            ["PowerWatch:Agent"] = "acceptance",
            ["PowerWatch:DataDirectory"] = dir.File("data"),
            ["PowerWatch:Status:Enabled"] = pause is null ? "false" : "true",
        };
        Uri? statusUrl = null;
        if (pause is not null)
        {
            statusUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Peers.FreeTcpPort()}/"));
            overrides["PowerWatch:Status:Url"] = statusUrl.ToString().TrimEnd('/');
        }

        if (pollInterval is { } poll)
        {
            // A long scenario read less often: the alert engine evaluates at the same pace and the analyzer waits three
            // polls before it calls a device unknown.
            var text = poll.ToString("c", CultureInfo.InvariantCulture);
            for (var i = 0; i < host.Devices.Count; i++)
            {
                overrides[$"PowerWatch:Devices:{i}:PollInterval"] = text;
            }

            overrides["PowerWatch:Alerts:EvaluationInterval"] = text;
            overrides["PowerWatch:Alerts:Failover:StaleAfter"] = (poll * 3).ToString("c", CultureInfo.InvariantCulture);
        }

        var configuration = new ConfigurationBuilder().AddJsonFile(configPath).AddInMemoryCollection(overrides).Build();
        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var (profiles, profileProblems, deviceProblems) = await AgentServices.LoadProfilesForAsync(options, cancellationToken);
        Assert.Empty(profileProblems);
        Assert.Empty(deviceProblems);

        var recorder = new TimelineRecorder(host.Site.Clock, pollInterval ?? TimeSpan.FromSeconds(1));
        await using var app = AgentHost.Build(configuration, options, profiles, services =>
        {
            DemoCommand.UseSiteClock(services, host, startHold);
            services.AddSingleton<IEventPublisher>(recorder);
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        });

        var play = ScenarioPlayer.PlayAsync(host.Site, scenario, null, cancellationToken);
        await app.StartAsync(cancellationToken);
        try
        {
            foreach (var at in pause?.At ?? [])
            {
                // Site time stands still while the pause looks at the agent (its status page, its API).
                var toPause = at - host.Site.Clock.Elapsed;
                if (toPause > TimeSpan.Zero)
                {
                    await Task.Delay(toPause, host.Site.Clock, cancellationToken);
                }

                using var still = host.Site.Clock.Hold();
                await pause!.Action(at, statusUrl!);
            }

            // Waits on the site's clock, not real time: the scenario's own duration.
            var left = scenario.Duration - host.Site.Clock.Elapsed;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, host.Site.Clock, cancellationToken);
            }
        }
        finally
        {
            using var hold = host.Site.Clock.Hold();
            await app.StopAsync(CancellationToken.None);
        }

        await play;
        var devices = string.Concat(app.Services.GetRequiredService<PowerWatch.Agent.Polling.AgentRuntime>().Devices.Select(d =>
            $"#   {d.Id}: {d.Polls} polls, {d.Failures} failed{(d.LastError is null ? "" : ", last error " + d.LastError)}\n"));
        return new AcceptanceResult(scenarioName, speed, scenario.Duration, TimeProvider.System.GetElapsedTime(started), recorder.Snapshot(), devices);
    }

    /// <summary>
    /// The agent's event publisher in the run: every alert transition, stamped with site time since the start, and the
    /// settled site verdicts (<see cref="VerdictSettle"/>).
    /// </summary>
    private sealed class TimelineRecorder(SimulationClock clock, TimeSpan poll) : IEventPublisher
    {
        private readonly Lock _gate = new();
        private readonly List<TimelineEntry> _entries = [];
        private readonly List<(TimeSpan At, string Verdict, string Message)> _verdicts = [];

        public IReadOnlyList<TimelineEntry> Snapshot()
        {
            lock (_gate)
            {
                return [.. _entries.Concat(SettledVerdicts(_verdicts, poll)).OrderBy(e => e.At)];
            }
        }

        public ValueTask PublishEventAsync(EventMessage message, CancellationToken cancellationToken)
        {
            if (message.Rule is null || message.Device is null || message.Type is "acknowledged" or "shelved" or "unshelved")
            {
                return ValueTask.CompletedTask;
            }

            var entry = new TimelineEntry(message.Ts - clock.Start, message.Type, message.Rule, message.Device, message.Severity ?? "", message.Cause, message.Message);
            lock (_gate)
            {
                _entries.Add(entry);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask PublishFailoverAsync(FailoverMessage message, CancellationToken cancellationToken)
        {
            if (message.Verdict is { } verdict)
            {
                lock (_gate)
                {
                    if (_verdicts.Count == 0 || _verdicts[^1].Verdict != verdict)
                    {
                        _verdicts.Add((message.Ts - clock.Start, verdict, message.Message ?? ""));
                    }
                }
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// How long a site verdict must hold to be recorded: 5 s, and more than two evaluations (polls). The verdict follows
    /// every evaluation and flickers for an evaluation or two at a transfer (the UPS briefly on battery) or while two
    /// devices' polls straddle a change, so only the verdicts an operator would actually see long enough to read are
    /// compared across runs and speeds.
    /// </summary>
    public static TimeSpan VerdictSettle(TimeSpan poll) => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, (2 * poll).Ticks + 1));

    /// <summary>The verdict changes whose verdict held at least <see cref="VerdictSettle"/> (the last one always counts), merged.</summary>
    internal static IEnumerable<TimelineEntry> SettledVerdicts(IReadOnlyList<(TimeSpan At, string Verdict, string Message)> changes, TimeSpan poll)
    {
        var settle = VerdictSettle(poll);
        string? last = null;
        for (var i = 0; i < changes.Count; i++)
        {
            var held = i + 1 < changes.Count ? changes[i + 1].At - changes[i].At : TimeSpan.MaxValue;
            if (held < settle || changes[i].Verdict == last)
            {
                continue;
            }

            last = changes[i].Verdict;
            yield return new TimelineEntry(changes[i].At, "verdict", changes[i].Verdict, "", "", null, changes[i].Message);
        }
    }
}

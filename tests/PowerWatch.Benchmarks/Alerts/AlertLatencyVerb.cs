using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Outputs;
using PowerWatch.Benchmarks.Agent;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Alerts;

/// <summary>
/// <c>alert-latency</c>: simulated utility failure to alert raised, in-process. A SiteHost at speed 1 serves the
/// simulated UPS, generator and ATS over Modbus TCP on loopback; a real agent host (AgentRuntime pollers at 1 s +
/// AlertService) polls them. For each of N failures (at a random phase of the poll cycle) the latency is the time from
/// <c>Utility.Fail()</c> to the <c>ups-on-battery</c> raised event reaching the event publisher (the point where the
/// event enters the durable outbox for MQTT).
/// <c>--event load-lost</c>: the simulated UPS turns its output off → <c>load-lost:ups</c> raised.
/// <c>--event generator-failed</c>: during an outage the simulated generator's controller latches fail-to-start (one
/// short crank, no start delay, so each round is short) → <c>generator-failed-to-start:generator</c> raised.
/// </summary>
internal sealed class AlertLatencyVerb : IBenchmarkVerb
{
    public string Name => "alert-latency";

    public string Description => "simulated site event -> alert raised, real agent at 1 s poll: p50/p99 (--failures 20, --event on-battery|load-lost|generator-failed)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var failures = int.Parse(AgentBench.Arg(args, "--failures", "20"), CultureInfo.InvariantCulture);
        // The built-in ups-on-battery rule debounces OB for 3 s; "--for 0" (default) replaces it with an undebounced
        // copy so the figure is the agent's own detection latency; "--for default" keeps the shipped rule.
        var debounce = AgentBench.Arg(args, "--for", "0");
        var kind = AgentBench.Arg(args, "--event", "on-battery");
        if (kind is not ("on-battery" or "load-lost" or "generator-failed"))
        {
            Console.Error.WriteLine($"--event {kind}: expected on-battery, load-lost or generator-failed");
            return 2;
        }

        if (kind != "on-battery")
        {
            return await RunEventAsync(kind, failures, cancellationToken);
        }

        var profiles = await AgentBench.ProfilesAsync(cancellationToken);
        using var temp = new TempDir("powerwatch-alert-latency");
        await using var host = await SiteHost.StartAsync(new SiteHostOptions { Speed = 1, Step = TimeSpan.FromMilliseconds(10) }, cancellationToken);

        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(host.ToAgentConfigurationJson())))
            .AddInMemoryCollection(Overrides(host, temp.Path, debounce))
            .Build();
        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                Console.Error.WriteLine(p);
            }

            return 2;
        }

        var recorder = new RaisedRecorder();
        await using var app = AgentHost.Build(configuration, options, profiles, s => s.AddSingleton<IEventPublisher>(recorder));
        await app.StartAsync(cancellationToken);
        var time = TimeProvider.System;
        var random = new Random(1234);
        var latencies = new List<double>();
        var modelLatencies = new List<double>();
        var agentLatencies = new List<double>();
        try
        {
            // Warm-up: wait until the UPS has been read and nothing is on battery.
            await Task.Delay(TimeSpan.FromSeconds(3), time, cancellationToken);
            for (var i = 0; i < failures; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 1000)), time, cancellationToken);
                var raised = recorder.Next("raised");
                var start = time.GetTimestamp();
                host.Site.Write(s => s.Utility.Fail());

                // When the simulated UPS model itself goes on battery (its own detection delay, not the agent's).
                while (!raised.IsCompleted && host.Site.Read(s => s.Ups.Mode) != PowerWatch.Simulators.UpsMode.OnBattery)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(2), time, cancellationToken);
                }

                var modelAt = time.GetTimestamp();
                var at = await raised.WaitAsync(TimeSpan.FromSeconds(30), time, cancellationToken);
                latencies.Add(time.GetElapsedTime(start, at).TotalMilliseconds);
                modelLatencies.Add(time.GetElapsedTime(start, modelAt).TotalMilliseconds);
                agentLatencies.Add(time.GetElapsedTime(modelAt, at).TotalMilliseconds);

                var cleared = recorder.Next("cleared");
                host.Site.Write(s => s.Utility.Restore());
                await cleared.WaitAsync(TimeSpan.FromSeconds(60), time, cancellationToken);
            }
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }

        Console.WriteLine($"alert-latency: {Environment.ProcessorCount} cores, poll interval 1 s, site speed 1 (step 10 ms), {failures} utility failures, ups-on-battery For = {debounce}");
        Report("utility fail -> ups-on-battery raised (end to end)", latencies);
        Report("utility fail -> simulated UPS model on battery", modelLatencies);
        Report("UPS model on battery -> alert raised (agent: poll + evaluate; target p99 <= 1050 ms)", agentLatencies);
        return 0;
    }

    /// <summary>
    /// load-lost / generator-failed: the site event is the simulated model's own change (output off; controller in
    /// failed state), timed by watching the model, so the figure is the agent's: poll phase + read + evaluate.
    /// </summary>
    private static async Task<int> RunEventAsync(string kind, int failures, CancellationToken cancellationToken)
    {
        var profiles = await AgentBench.ProfilesAsync(cancellationToken);
        using var temp = new TempDir("powerwatch-alert-latency");
        var site = new PowerWatch.Simulators.SiteDescription();
        site.Generator.StartDelay = TimeSpan.Zero;
        site.Generator.CrankTime = site.Generator.FiringTime + TimeSpan.FromSeconds(0.5); // a crank that would fire, had it not been faulted
        site.Generator.CrankAttempts = 1;

        // Short retransfer and cool-down so that the ATS releases the start contact soon after the utility returns.
        site.Ats.RetransferDelay = TimeSpan.FromSeconds(1);
        site.Ats.CoolDown = TimeSpan.FromSeconds(1);
        await using var host = await SiteHost.StartAsync(new SiteHostOptions { Site = site, Speed = 1, Step = TimeSpan.FromMilliseconds(10) }, cancellationToken);
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(host.ToAgentConfigurationJson())))
            .AddInMemoryCollection(Overrides(host, temp.Path, "default"))
            .Build();
        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        if (problems.Count > 0)
        {
            problems.ToList().ForEach(Console.Error.WriteLine);
            return 2;
        }

        var rule = kind == "load-lost" ? "load-lost" : "generator-failed-to-start";
        var recorder = new RaisedRecorder(rule);
        await using var app = AgentHost.Build(configuration, options, profiles, s => s.AddSingleton<IEventPublisher>(recorder));
        await app.StartAsync(cancellationToken);
        var time = TimeProvider.System;
        var random = new Random(1234);
        var latencies = new List<double>();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(3), time, cancellationToken);
            for (var i = 0; i < failures; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 1000)), time, cancellationToken);
                var raised = recorder.Next("raised");
                long start;
                if (kind == "load-lost")
                {
                    start = time.GetTimestamp();
                    host.Site.Write(s => s.Ups.TurnOutputOff());
                }
                else
                {
                    host.Site.Write(s => { s.Generator.SetFault(PowerWatch.Simulators.GeneratorFault.FailToStart); s.Utility.Fail(); });
                    var deadline = time.GetTimestamp();
                    while (host.Site.Read(s => s.Generator.State) != PowerWatch.Simulators.GeneratorState.Failed)
                    {
                        if (time.GetElapsedTime(deadline) > TimeSpan.FromSeconds(60))
                        {
                            Console.Error.WriteLine($"round {i}: the simulated generator did not fail within 60 s: {host.Site.Read(s => $"generator {s.Generator.State}, ATS {s.Ats.Position}, start contact {s.Ats.EngineStartContactClosed}")}");
                            return 1;
                        }

                        await Task.Delay(TimeSpan.FromMilliseconds(2), time, cancellationToken);
                    }

                    start = time.GetTimestamp();
                }

                var at = await raised.WaitAsync(TimeSpan.FromSeconds(60), time, cancellationToken);
                latencies.Add(Math.Max(0, time.GetElapsedTime(start, at).TotalMilliseconds));

                var cleared = recorder.Next("cleared");
                if (kind == "load-lost")
                {
                    host.Site.Write(s => s.Ups.TurnOutputOn());
                    await cleared.WaitAsync(TimeSpan.FromSeconds(60), time, cancellationToken);
                    continue;
                }

                // Utility back; once the ATS has opened the start contact, reset the controller (still in auto, it
                // must not restart) and wait for it to stand still before the next round.
                host.Site.Write(s => s.Utility.Restore());
                await cleared.WaitAsync(TimeSpan.FromSeconds(60), time, cancellationToken);
                while (host.Site.Read(s => s.Ats.EngineStartContactClosed))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
                }

                host.Site.Write(s => { s.Generator.SetFault(PowerWatch.Simulators.GeneratorFault.None); s.Generator.ResetAlarms(); });
                while (host.Site.Read(s => s.Generator.State) != PowerWatch.Simulators.GeneratorState.Stopped)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
                }

                await Task.Delay(TimeSpan.FromSeconds(2), time, cancellationToken);
            }
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }

        Console.WriteLine($"alert-latency: {Environment.ProcessorCount} cores, poll interval 1 s, site speed 1 (step 10 ms), {failures} events, --event {kind}");
        Report($"model event -> {rule} raised (agent: poll + evaluate; target p99 <= 1050 ms)", latencies);
        return 0;
    }

    private static Dictionary<string, string?> Overrides(SiteHost host, string dataDirectory, string debounce)
    {
        var o = new Dictionary<string, string?>
        {
            ["PowerWatch:DataDirectory"] = dataDirectory,
            ["PowerWatch:Status:Enabled"] = "false",
            ["PowerWatch:Mqtt:Enabled"] = "false",
            ["PowerWatch:Alerts:Engine:ClearAfter"] = "00:00:01",
            ["PowerWatch:Alerts:Engine:FlapTransitions"] = "1000",
            ["PowerWatch:Alerts:Engine:MaxNotificationsPerMinute"] = "1000",
        };
        if (debounce != "default")
        {
            o["PowerWatch:Alerts:Rules:0:Id"] = "ups-on-battery";
            o["PowerWatch:Alerts:Rules:0:Kind"] = "State";
            o["PowerWatch:Alerts:Rules:0:DeviceKind"] = "ups";
            o["PowerWatch:Alerts:Rules:0:Metric"] = "ups.status";
            o["PowerWatch:Alerts:Rules:0:Token"] = "OB";
            o["PowerWatch:Alerts:Rules:0:For"] = TimeSpan.FromSeconds(double.Parse(debounce, CultureInfo.InvariantCulture)).ToString("c", CultureInfo.InvariantCulture);
            o["PowerWatch:Alerts:Rules:0:Description"] = "UPS on battery";
        }

        for (var i = 0; i < host.Devices.Count; i++)
        {
            o[$"PowerWatch:Devices:{i}:PollInterval"] = "00:00:01";
        }

        return o;
    }

    private static void Report(string what, List<double> values)
    {
        values.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: min {values[0]:0} ms, p50 {Percentile(values, 0.50):0} ms, p99 {Percentile(values, 0.99):0} ms, max {values[^1]:0} ms"));
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    private sealed class RaisedRecorder(string rule = "ups-on-battery") : IEventPublisher
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _waiting = new();

        public Task<long> Next(string type)
        {
            var tcs = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[type] = tcs;
            return tcs.Task;
        }

        public ValueTask PublishEventAsync(EventMessage message, CancellationToken cancellationToken)
        {
            if (message.Rule == rule && _waiting.TryRemove(message.Type, out var tcs))
            {
                tcs.TrySetResult(TimeProvider.System.GetTimestamp());
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask PublishFailoverAsync(FailoverMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Polling;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces;
using PowerWatch.Simulators.Scenarios;

namespace PowerWatch.Demo;

/// <summary>
/// <c>powerwatch-demo</c>: a simulated site (utility, ATS, generator, UPS, PDUs, meter) served over real Modbus TCP on
/// loopback, and the agent polling it with embedded defaults — no external server needed. Optionally plays a
/// scenario (e.g. <c>generator-fails-to-start</c>) against the live site.
/// </summary>
internal static class DemoCommand
{
    public static RootCommand Create()
    {
        var scenario = new Option<string?>("--scenario") { Description = "scenario name (simulators/scenarios/NAME.scn) or file to play against the live site" };
        var speed = new Option<double>("--speed") { Description = "simulation speed-up factor (physics and scenario timers)", DefaultValueFactory = _ => 1 };
        var duration = new Option<TimeSpan?>("--duration") { Description = "stop after this wall-clock time (hh:mm:ss); default: until Ctrl+C" };
        var url = new Option<string>("--status-url") { Description = "status page and API address", DefaultValueFactory = _ => "http://127.0.0.1:8480" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "agent log lines with the full category and event id (default: time, level, short source, message)" };
        var command = new RootCommand("PowerWatch demo: a simulated power site and the agent polling it (no external servers needed)");
        command.Options.Add(scenario);
        command.Options.Add(speed);
        command.Options.Add(duration);
        command.Options.Add(url);
        command.Options.Add(verbose);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(scenario), parse.GetValue(speed), parse.GetValue(duration), parse.GetValue(url)!, parse.GetValue(verbose), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? scenarioName, double speed, TimeSpan? duration, string statusUrl, bool verbose, CancellationToken cancellationToken)
    {
        if (speed is <= 0 or > 10_000)
        {
            await Console.Error.WriteLineAsync($"--speed {speed} is outside (0, 10000]");
            return 2;
        }

        if (AgentHost.StatusAddressInUse(statusUrl) is { } inUse)
        {
            await Console.Error.WriteLineAsync(inUse);
            return 2;
        }

        Scenario? scenario = null;
        if (scenarioName is not null)
        {
            var path = ResolveScenario(scenarioName);
            if (path is null)
            {
                await Console.Error.WriteLineAsync($"scenario '{scenarioName}' not found; known: {string.Join(", ", KnownScenarios())}");
                return 2;
            }

            try
            {
                scenario = await ScenarioParser.LoadAsync(path, cancellationToken);
            }
            catch (ScenarioException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }
        }

        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } d)
        {
            lifetime.CancelAfter(d);
        }

        // The scenario's timer set (e.g. `timers dse-factory`) shapes the site; the agent configuration states the same timings.
        // Site time stands still until the agent runs (released by UseSiteClock's hosted service, or here on failure).
        var clock = SimulationClock.CreateLive(TimeProvider.System, speed, out var held);
        using var startHold = held;
        await using var host = await SiteHost.StartAsync(new SiteHostOptions { Site = scenario?.SiteFor(null) ?? new SiteDescription(), Clock = clock }, lifetime.Token);
        using var work = new TempWorkspace();
        var configPath = Path.Combine(work.Path, "demo.json");
        await File.WriteAllTextAsync(configPath, host.ToAgentConfigurationJson(), lifetime.Token);

        Console.Out.WriteLine($"PowerWatch demo: simulated site '{host.Site.Name}' at {speed.ToString(CultureInfo.InvariantCulture)}x speed");
        Console.Out.WriteLine(host.DescribeEndpoints());
        Console.Out.WriteLine($"Status page: {statusUrl}/   API: {statusUrl}/api/devices   Prometheus: {statusUrl}/metrics");
        Console.Out.WriteLine("Ctrl+C stops.");

        Task play = Task.CompletedTask;
        if (scenario is not null)
        {
            Console.Out.WriteLine($"Playing scenario '{scenario.Name}' ({scenario.Actions.Count} events).");
            play = ScenarioPlayer.PlayAsync(host.Site, scenario, line => Console.Out.WriteLine("scenario " + line), lifetime.Token);
        }

        var overrides = new Dictionary<string, string?>
        {
            ["PowerWatch:Agent"] = "demo",
            ["PowerWatch:DataDirectory"] = Path.Combine(work.Path, "data"),
            ["PowerWatch:Status:Url"] = statusUrl,
        };
        if (verbose)
        {
            overrides[OperatorConsoleFormatter.VerboseKey] = "true";
        }

        var exit = await AgentHost.RunAsync(configPath, overrides, lifetime.Token, services =>
        {
            UseSiteClock(services, host, startHold);
            services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ConsoleReporter>(sp, host.Site));
        });
        await play;
        return exit;
    }

    /// <summary>
    /// One clock: the agent runs on the simulated site's clock, so every poll interval, debounce, <c>for</c> duration,
    /// projection window, estimate and message counts site time, at any <c>--speed</c>. Device I/O is the exception:
    /// request timeouts, pauses between requests and connect delays stay in real time (a 1 s timeout is 1 ms of real
    /// time on a 1000× clock, shorter than a loaded loopback exchange), and each poll holds the site clock while it
    /// talks to the simulated device (<see cref="SiteHost.HoldTime"/>) and until the alert engine has evaluated the
    /// result (<see cref="ReadingHub"/>): an exchange takes no site time, so readings are of the instant they
    /// are stamped with, and the site clock fires every timer at exactly its site time, so polls are never late. The
    /// price: when the I/O cannot keep up (1000× on a busy machine), the site runs slower than asked; it never runs
    /// ahead of the agent. Design notes: simulators/README.md, "One clock".
    /// </summary>
    /// <param name="startHold">A hold on the site clock taken before the site started (or null): released once every
    /// device has been polled, so the site does not run ahead — at 1000× a second of start-up is a quarter of an hour.</param>
    internal static void UseSiteClock(IServiceCollection services, SiteHost host, IDisposable? startHold)
    {
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(host.Site.Clock);
        services.RemoveAll<DeviceIoTime>();
        services.AddSingleton(new DeviceIoTime(TimeProvider.System, host.HoldTime));
        if (startHold is not null)
        {
            // Registered after the agent's services, so it starts after them.
            services.AddHostedService(sp => new ReleaseWhenPolled(startHold, sp.GetRequiredService<AgentRuntime>()));
        }
    }

    /// <summary>
    /// Releases the start-up hold on the site clock once every device has been polled (each first poll holds the clock
    /// itself): until then the pollers are still connecting and JIT-compiling, which at 1000× would be minutes of an
    /// outage nobody watched. Real time, checked every 10 ms; released after 30 s whatever happened (a device that
    /// never answers must not stop the demo).
    /// </summary>
    private sealed class ReleaseWhenPolled(IDisposable hold, AgentRuntime runtime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            try
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10), TimeProvider.System);
                var patience = TimeProvider.System.GetTimestamp();
                while (!runtime.Devices.All(d => d.Polls > 0) && TimeProvider.System.GetElapsedTime(patience) < TimeSpan.FromSeconds(30)
                    && await timer.WaitForNextTickAsync(stoppingToken))
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            finally
            {
                hold.Dispose();
            }
        }
    }

    private static IEnumerable<string> ScenarioDirectories()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "scenarios");
        yield return Path.Combine(Environment.CurrentDirectory, "simulators", "scenarios");
    }

    private static string? ResolveScenario(string name)
    {
        if (File.Exists(name))
        {
            return Path.GetFullPath(name);
        }

        return ScenarioDirectories().Select(dir => Path.Combine(dir, name + ".scn")).FirstOrDefault(File.Exists);
    }

    private static IEnumerable<string> KnownScenarios() =>
        ScenarioDirectories().Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, "*.scn")).Select(Path.GetFileNameWithoutExtension).OfType<string>().Distinct().Order(StringComparer.Ordinal);

    private sealed class TempWorkspace : IDisposable
    {
        public TempWorkspace()
        {
            Path = Directory.CreateTempSubdirectory("powerwatch-demo-").FullName;
        }

        public string Path { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

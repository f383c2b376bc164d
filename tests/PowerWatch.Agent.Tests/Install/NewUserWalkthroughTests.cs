using System.Text.Json;
using PowerWatch.Agent.Tests.Dashboards;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Install;

/// <summary>
/// Issue 7: following only README.md and install/README.md gets a running service reading the simulated site.
/// The walkthrough of install/README.md ("Try it against the simulated site") done by a program: install.sh into a
/// DESTDIR, the simulator started with the command the README shows, the installed example configuration used as it
/// is, then the INSTALLED program started with the installed unit's ExecStart and WorkingDirectory (paths moved under
/// DESTDIR) under a notify socket, the way systemd starts a Type=notify unit.
/// </summary>
public sealed class NewUserWalkthroughTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static string Repo => GrafanaDashboards.RepositoryRoot();

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    [Fact]
    public async Task Installed_service_started_as_its_unit_says_reads_every_simulated_device_and_stops_cleanly()
    {
        using var dir = new TempDir("pw-walk");
        var root = dir.File("root");
        string InRoot(string path) => Path.Combine(root, path.TrimStart('/'));

        // Install (step 2): install.sh --from a build of the agent, staged into DESTDIR.
        var (code, output) = await PeerProcess.RunAsync("/bin/bash", [Path.Combine(Repo, "install", "linux", "install.sh"), "--from", StageAgentBuild(dir.File("build"))], TimeSpan.FromSeconds(60), environment: new Dictionary<string, string> { ["DESTDIR"] = root });
        Assert.True(code == 0, output);

        // The simulated site, started with the README's own command line, on the ports the installed example expects.
        await using var simulator = StartSimulator();
        await simulator.WaitForOutputAsync("serving; Ctrl+C to stop", Patience);

        // Configure (step 3): the installed example as it is, checked as the README says.
        _ = ReadmeLine("sudo /opt/powerwatch/powerwatch check-config /etc/powerwatch/powerwatch.json");
        var config = InRoot("/etc/powerwatch/powerwatch.json");
        var simulated = ConfiguredDeviceIds(config);
        Assert.Equal(["ups", "generator", "ats", "pdu1", "pdu2", "meter"], simulated);
        var exe = InRoot("/opt/powerwatch/powerwatch");
        // install.sh wrote the absolute /opt/powerwatch/profiles into the configuration: moved under DESTDIR by the
        // environment override that check-config and run both apply.
        var relocated = DotnetRootEnvironment();
        relocated["PowerWatch__ProfileDirectory"] = InRoot("/opt/powerwatch/profiles");
        var check = await PeerProcess.RunAsync(exe, ["check-config", config], Patience, environment: relocated);
        Assert.True(check.ExitCode == 0 && check.Output.Contains("powerwatch.json: OK", StringComparison.Ordinal), check.Output);

        // Start the installed program the way systemd would: ExecStart and WorkingDirectory of the installed unit.
        var unit = ServiceSection(InRoot("/lib/systemd/system/powerwatch.service"));
        Assert.Equal("notify", unit["Type"]);
        var command = unit["ExecStart"].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a.StartsWith('/') ? InRoot(a) : a).ToList();
        Assert.Equal(exe, command[0]);
        var workingDirectory = InRoot(unit["WorkingDirectory"]);
        Assert.True(Directory.Exists(workingDirectory), $"install.sh did not create {unit["WorkingDirectory"]}");

        using var notify = new NotifySocket(dir.File("notify.sock"));
        var statusPort = Peers.FreeTcpPort();
        var environment = DotnetRootEnvironment();
        environment["NOTIFY_SOCKET"] = notify.Path;
        environment["WATCHDOG_USEC"] = (long.Parse(unit["WatchdogSec"], System.Globalization.CultureInfo.InvariantCulture) * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The README's documented override (systemctl edit powerwatch → Environment=PowerWatch__Status__Url=…): a free port.
        environment["PowerWatch__Status__Url"] = $"http://127.0.0.1:{statusPort}";
        // The unit grants write access to /var/lib/powerwatch only (ReadWritePaths): here that directory lives under DESTDIR.
        environment["PowerWatch__DataDirectory"] = InRoot("/var/lib/powerwatch");
        // install.sh wrote the absolute /opt/powerwatch/profiles into the configuration: moved under DESTDIR the same way.
        environment["PowerWatch__ProfileDirectory"] = InRoot("/opt/powerwatch/profiles");
        await using var agent = PeerProcess.Start(command[0], command.Skip(1), workingDirectory, environment);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var first = await notify.ReceiveAsync(agent, cts.Token);
        Assert.StartsWith("READY=1", first, StringComparison.Ordinal);

        // Every simulated device available, with a fresh successful poll and fresh good readings.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statusPort}"), Timeout = TimeSpan.FromSeconds(5) };
        string lastSeen = "";
        await agent.WaitUntilAsync(
            async () =>
            {
                lastSeen = await http.GetStringAsync("/api/overview");
                return Stale(lastSeen, simulated).Count == 0;
            },
            Patience,
            "every simulated device available with a fresh poll");
        using (var overview = JsonDocument.Parse(lastSeen))
        {
            var listed = overview.RootElement.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("id").GetString()!).Order(StringComparer.Ordinal);
            Assert.Equal(simulated.Order(StringComparer.Ordinal), listed);
        }

        var devices = await http.GetStringAsync("/api/devices");
        using (var list = JsonDocument.Parse(devices))
        {
            Assert.All(list.RootElement.EnumerateArray(), d => Assert.True(d.GetProperty("available").GetBoolean(), d.ToString()));
            Assert.Equal(simulated.Count, list.RootElement.GetArrayLength());
        }

        var now = JsonDocument.Parse(await http.GetStringAsync("/api/overview")).RootElement.GetProperty("now").GetDateTimeOffset();
        foreach (var id in simulated)
        {
            using var readings = JsonDocument.Parse(await http.GetStringAsync($"/api/readings?device={id}"));
            var good = readings.RootElement[0].GetProperty("readings").EnumerateArray()
                .Where(r => r.GetProperty("quality").GetString() == "good" && now - r.GetProperty("timestamp").GetDateTimeOffset() < TimeSpan.FromSeconds(10))
                .ToList();
            Assert.True(good.Count > 0, $"{id}: no good reading of the last 10 s: {readings.RootElement}");
        }

        // systemctl stop: SIGTERM, STOPPING=1, clean exit.
        agent.Signal(15);
        var message = await notify.ReceiveAfterWatchdogsAsync(agent, cts.Token);

        Assert.True(message == "STOPPING=1", $"no STOPPING=1 before exit; output:\n{agent.Output}");
        var exit = await agent.WaitForExitAsync(TimeSpan.FromSeconds(long.Parse(unit["TimeoutStopSec"], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(exit == 0, $"exit code {exit}; output:\n{agent.Output}");
    }

    /// <summary>
    /// powerwatch-sim started with the arguments of the README's command line
    /// (<c>dotnet run --project simulators/PowerWatch.Simulator -c Release -- serve --base-port 15020</c>),
    /// from the simulator's build output rather than through <c>dotnet run</c> (no build inside a test).
    /// </summary>
    private static PeerProcess StartSimulator()
    {
        var line = ReadmeLine("dotnet run --project simulators/PowerWatch.Simulator");
        var args = line[(line.IndexOf(" -- ", StringComparison.Ordinal) + 4)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.Equal(["serve", "--base-port", "15020"], args);
        return PeerProcess.Start(Dotnet, [SimulatorDll(), .. args]);
    }

    /// <summary>The first line of install/README.md that contains the text (a command the new user types).</summary>
    private static string ReadmeLine(string text) =>
        File.ReadLines(Path.Combine(Repo, "install", "README.md")).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"install/README.md no longer shows '{text}'");

    /// <summary>powerwatch-sim.dll of the same configuration as this test assembly (tests/run.sh builds the solution), else any other.</summary>
    private static string SimulatorDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var bin = Path.Combine(Repo, "simulators", "PowerWatch.Simulator", "bin");
        var own = Path.Combine(bin, here.Parent!.Name, here.Name, "powerwatch-sim.dll");
        if (File.Exists(own))
        {
            return own;
        }

        return Directory.Exists(bin) && Directory.GetFiles(bin, "powerwatch-sim.dll", SearchOption.AllDirectories).FirstOrDefault() is { } any
            ? any
            : throw new InvalidOperationException($"{own} not found: build simulators/PowerWatch.Simulator (tests/run.sh builds the whole solution)");
    }

    /// <summary>
    /// The agent's own build output of the same configuration as this test assembly, copied whole (profiles included)
    /// except powerwatch.deps.json, for the reason given in <see cref="SystemdNotifyProcessTests"/>: an incremental build
    /// can leave that file behind its project references.
    /// </summary>
    private static string StageAgentBuild(string target)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var source = Path.Combine(Repo, "agent", "PowerWatch.Agent", "bin", here.Parent!.Name, here.Name);
        if (!File.Exists(Path.Combine(source, "powerwatch")))
        {
            throw new InvalidOperationException($"{source}/powerwatch not found: build agent/PowerWatch.Agent");
        }

        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.EndsWith(".deps.json", StringComparison.Ordinal) && !relative.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        File.SetUnixFileMode(Path.Combine(target, "powerwatch"), File.GetUnixFileMode(Path.Combine(source, "powerwatch")));
        return target;
    }

    /// <summary>The framework-dependent apphost finds the runtime through DOTNET_ROOT when the test host knows it.</summary>
    private static Dictionary<string, string> DotnetRootEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is not { Length: > 0 } && Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host)
        {
            // DOTNET_HOST_PATH may be a symbolic link such as /usr/bin/dotnet: the root is where the link leads.
            var real = new FileInfo(host).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(host);
            environment["DOTNET_ROOT"] = Path.GetDirectoryName(real)!;
        }

        return environment;
    }

    private static List<string> ConfiguredDeviceIds(string config)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(config), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return doc.RootElement.GetProperty("PowerWatch").GetProperty("Devices").EnumerateArray().Select(d => d.GetProperty("Id").GetString()!).ToList();
    }

    /// <summary>Simulated devices that /api/overview does not show available with a successful poll in the last 10 s.</summary>
    private static List<string> Stale(string overviewJson, IReadOnlyList<string> ids)
    {
        using var doc = JsonDocument.Parse(overviewJson);
        var now = doc.RootElement.GetProperty("now").GetDateTimeOffset();
        var fresh = doc.RootElement.GetProperty("devices").EnumerateArray()
            .Where(d => d.GetProperty("available").GetBoolean()
                && d.GetProperty("lastSuccess").ValueKind == JsonValueKind.String
                && now - d.GetProperty("lastSuccess").GetDateTimeOffset() < TimeSpan.FromSeconds(10))
            .Select(d => d.GetProperty("id").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
        return ids.Where(id => !fresh.Contains(id)).ToList();
    }

    /// <summary>Directives of the [Service] section (last value wins).</summary>
    private static Dictionary<string, string> ServiceSection(string unitFile)
    {
        var section = "";
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(unitFile))
        {
            var line = raw.Trim();
            if (line.StartsWith('['))
            {
                section = line;
            }
            else if (section == "[Service]" && !line.StartsWith('#') && line.IndexOf('=') is > 0 and var i)
            {
                result[line[..i]] = line[(i + 1)..];
            }
        }

        return result;
    }
}

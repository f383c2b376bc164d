using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Install;

/// <summary>
/// The built agent (powerwatch.dll next to the test assembly), run the way systemd runs a Type=notify unit with
/// WatchdogSec (NOTIFY_SOCKET + WATCHDOG_USEC), talks sd_notify to a datagram socket this test owns.
/// </summary>
public sealed class SystemdNotifyProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Agent_under_a_notify_socket_sends_ready_then_periodic_watchdog_then_stopping()
    {
        using var dir = new TempDir("powerwatch-notify");
        using var notify = new NotifySocket(dir.File("notify.sock"));

        // One NUT UPS on a loopback port nobody listens on: the poller keeps failing, backing off and beating.
        var config = dir.File("powerwatch.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "PowerWatch": {
                "Site": "test",
                "Agent": "notify-test",
                "DataDirectory": "{{dir.File("data")}}",
                "ProfileDirectory": "{{Path.Combine(AppContext.BaseDirectory, "profiles")}}",
                "Devices": [ { "Id": "ups-a", "Kind": "ups", "Input": "nut", "Endpoint": "nut://127.0.0.1:{{Peers.FreeTcpPort()}}/ups" } ],
                "Status": { "Enabled": false }
              }
            }
            """);

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        await using var agent = PeerProcess.Start(
            dotnet,
            [StageAgent(dir.File("app")), "run", "--config", config],
            dir.Path,
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Path, ["WATCHDOG_USEC"] = "2000000" });

        using var cts = new CancellationTokenSource(Patience);
        var messages = await notify.ReceiveUntilWatchdogsAsync(agent, 2, cts.Token);

        Assert.StartsWith("READY=1", messages[0], StringComparison.Ordinal);
        Assert.All(messages.Skip(1), m => Assert.Equal("WATCHDOG=1", m));

        agent.Signal(15);
        Assert.Equal("STOPPING=1", await notify.ReceiveAfterWatchdogsAsync(agent, cts.Token));
        Assert.Equal(0, await agent.WaitForExitAsync(Patience));
    }

    [PeerFact("mosquitto", "influxd")]
    public async Task Ingest_under_a_notify_socket_sends_ready_once_subscribed_then_periodic_watchdog_then_stopping()
    {
        using var dir = new TempDir("powerwatch-ingest-notify");
        await using var broker = await Outputs.MosquittoServer.StartAsync(dir, persistence: false);
        await using var influx = await InfluxDaemon.StartAsync(false, "power");
        using var notify = new NotifySocket(dir.File("notify.sock"));

        var config = dir.File("powerwatch.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "PowerWatch": {
                "Mqtt": { "Host": "127.0.0.1", "Port": {{broker.Port}}, "ClientId": "pw-ingest-notify" },
                "Ingest": {
                  "Influx": { "Url": "{{influx.Url}}", "Database": "power" },
                  "DeadLetterFile": "{{dir.File("dead-letters.txt")}}"
                }
              }
            }
            """);

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        await using var ingest = PeerProcess.Start(
            dotnet,
            [StageAgent(dir.File("app")), "ingest", "--config", config],
            dir.Path,
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Path, ["WATCHDOG_USEC"] = "400000" });

        using var cts = new CancellationTokenSource(Patience);
        var messages = await notify.ReceiveUntilWatchdogsAsync(ingest, 2, cts.Token);

        Assert.StartsWith("READY=1", messages[0], StringComparison.Ordinal);
        Assert.Contains("STATUS=ingesting", messages[0], StringComparison.Ordinal);
        Assert.All(messages.Skip(1), m => Assert.Equal("WATCHDOG=1", m));

        ingest.Signal(15);
        Assert.Equal("STOPPING=1", await notify.ReceiveAfterWatchdogsAsync(ingest, cts.Token));
        var exit = await ingest.WaitForExitAsync(Patience);
        Assert.True(exit == 0, $"exit code {exit}; output:\n{ingest.Output}");
    }

    /// <summary>
    /// The agent's own build output (its deps.json is authoritative), same configuration as this test assembly:
    /// tests/PowerWatch.Agent.Tests/bin/{Configuration}/net10.0 → agent/PowerWatch.Agent/bin/{Configuration}/net10.0.
    /// </summary>
    /// <remarks>
    /// Copied without powerwatch.deps.json: an incremental build can leave that file behind its project references,
    /// and without it the host loads every assembly in the directory.
    /// </remarks>
    internal static string StageAgent(string target)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = here.Parent!.Name;
        var own = Path.Combine(Dashboards.GrafanaDashboards.RepositoryRoot(), "agent", "PowerWatch.Agent", "bin", configuration, here.Name);
        var source = File.Exists(Path.Combine(own, "powerwatch.dll")) ? own : AppContext.BaseDirectory;
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source).Where(f => !f.EndsWith(".deps.json", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return Path.Combine(target, "powerwatch.dll");
    }
}

using System.Net.Sockets;
using System.Text;
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
        var socketPath = dir.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

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
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "2000000" });

        var messages = new List<string>();
        using var cts = new CancellationTokenSource(Patience);
        var buffer = new byte[4096];
        try
        {
            while (messages.Count(m => m == "WATCHDOG=1") < 2)
            {
                // Poll so that an agent that dies early fails the test at once with its output.
                using var slice = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                slice.CancelAfter(TimeSpan.FromSeconds(1));
                try
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, slice.Token);
                    messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
                }
                catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                {
                    Assert.False(agent.HasExited, $"agent exited early; output:\n{agent.Output}");
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"received [{string.Join(" | ", messages)}]; agent output:\n{agent.Output}");
        }

        Assert.StartsWith("READY=1", messages[0], StringComparison.Ordinal);
        Assert.All(messages.Skip(1), m => Assert.Equal("WATCHDOG=1", m));

        agent.Signal(15);
        string last;
        do
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            last = Encoding.UTF8.GetString(buffer, 0, n);
        }
        while (last == "WATCHDOG=1");

        Assert.Equal("STOPPING=1", last);
        Assert.Equal(0, await agent.WaitForExitAsync(Patience));
    }

    [PeerFact("mosquitto", "influxd")]
    public async Task Ingest_under_a_notify_socket_sends_ready_once_subscribed_then_periodic_watchdog_then_stopping()
    {
        using var dir = new TempDir("powerwatch-ingest-notify");
        await using var broker = await Outputs.MosquittoServer.StartAsync(dir, persistence: false);
        await using var influx = await InfluxDaemon.StartAsync(false, "power");
        var socketPath = dir.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

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
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "400000" });

        using var cts = new CancellationTokenSource(Patience);
        var messages = new List<string>();
        while (messages.Count(m => m == "WATCHDOG=1") < 2)
        {
            messages.Add(await ReceiveAsync(socket, ingest, cts.Token));
        }

        Assert.StartsWith("READY=1", messages[0], StringComparison.Ordinal);
        Assert.Contains("STATUS=ingesting", messages[0], StringComparison.Ordinal);
        Assert.All(messages.Skip(1), m => Assert.Equal("WATCHDOG=1", m));

        ingest.Signal(15);
        string last;
        do
        {
            last = await ReceiveAsync(socket, ingest, cts.Token);
        }
        while (last == "WATCHDOG=1");

        Assert.Equal("STOPPING=1", last);
        var exit = await ingest.WaitForExitAsync(Patience);
        Assert.True(exit == 0, $"exit code {exit}; output:\n{ingest.Output}");
    }

    /// <summary>The next notification; an ingest that exits first fails the test at once with its output.</summary>
    private static async Task<string> ReceiveAsync(Socket socket, PeerProcess process, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (true)
        {
            using var slice = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            slice.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, slice.Token);
                return Encoding.UTF8.GetString(buffer, 0, n);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (process.HasExited)
                {
                    // 143 = 128 + SIGTERM: killed by the signal, i.e. no handler turned it into a clean stop.
                    Assert.Fail($"exited with code {process.ExitCode} before notifying; output:\n{process.Output}");
                }
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no notification in time; output:\n{process.Output}");
            }
        }
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

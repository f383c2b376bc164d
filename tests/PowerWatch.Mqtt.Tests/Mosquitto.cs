using System.Globalization;
using System.Net.Sockets;
using PowerWatch.TestSupport;

namespace PowerWatch.Mqtt.Tests;

/// <summary>A real mosquitto on 127.0.0.1 and a free port, with a per-test config; killed on dispose.</summary>
internal sealed class Mosquitto : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _config;
    private PeerProcess _process;

    private Mosquitto(string config, int port, PeerProcess process)
    {
        _config = config;
        Port = port;
        _process = process;
    }

    public int Port { get; }

    public string Output => _process.Output;

    public static async Task<Mosquitto> StartAsync(TempDir dir, string extraConfig = "", bool tls = false)
    {
        var port = Peers.FreeTcpPort();
        var config = dir.File($"mosquitto-{port}.conf");
        var lines = new List<string>
        {
            $"listener {port} 127.0.0.1",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "max_queued_messages 1000000",
        };
        if (Environment.UserName == "root")
        {
            lines.Add("user root");
        }

        if (!extraConfig.Contains("allow_anonymous", StringComparison.Ordinal))
        {
            lines.Add("allow_anonymous true");
        }

        lines.Add(extraConfig);
        await File.WriteAllLinesAsync(config, lines);
        var process = await LaunchAsync(config, port);
        return new Mosquitto(config, port, process);
    }

    /// <summary>Stops with SIGTERM (mosquitto saves its persistence file) and starts again on the same port.</summary>
    public async Task RestartAsync()
    {
        _process.Signal(15);
        await _process.WaitForExitAsync(Patience);
        await _process.DisposeAsync();
        using (var cts = new CancellationTokenSource(Patience))
        {
            while (PortInUse(Port))
            {
                await Task.Delay(20, cts.Token);
            }
        }

        _process = await LaunchAsync(_config, Port);
    }

    public string[] Args(params string[] rest) => ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), .. rest];

    /// <summary>Runs mosquitto_pub to completion; fails the test on a non-zero exit.</summary>
    public async Task PubAsync(params string[] args)
    {
        var (code, output) = await PeerProcess.RunAsync(Peers.Require("mosquitto_pub"), Args(args), Patience);
        Assert.True(code == 0, $"mosquitto_pub {string.Join(' ', args)} exited {code}: {output}");
    }

    /// <summary>Starts mosquitto_sub printing "MSG|..." lines in the given format, and waits until it is subscribed.</summary>
    public async Task<PeerProcess> SubAsync(string format, params string[] args)
    {
        // stdbuf: mosquitto_sub's stdout is block-buffered on a pipe; line buffering lets us see SUBACK as it happens.
        var sub = PeerProcess.Start(Peers.Require("stdbuf"), ["-oL", Peers.Require("mosquitto_sub"), .. Args(["-d", "-F", "MSG|" + format, .. args])]);
        await WaitForOutputAsync(sub, "received SUBACK");
        return sub;
    }

    /// <summary>
    /// Starts mosquitto_sub without debug output (for bulk counts: the captured output is capped) and waits until
    /// it printed the retained readiness message the caller left on the topic.
    /// </summary>
    public async Task<PeerProcess> QuietSubAsync(string format, string readyLine, params string[] args)
    {
        var sub = PeerProcess.Start(Peers.Require("stdbuf"), ["-oL", Peers.Require("mosquitto_sub"), .. Args(["-F", "MSG|" + format, .. args])]);
        await WaitForOutputAsync(sub, "MSG|" + readyLine);
        return sub;
    }

    public static async Task<List<string>> MessagesAsync(PeerProcess sub)
    {
        var code = await sub.WaitForExitAsync(Patience);
        Assert.True(code == 0, $"mosquitto_sub exited {code}: {sub.Output}");
        return [.. sub.Output.Split('\n').Where(l => l.StartsWith("MSG|", StringComparison.Ordinal)).Select(l => l[4..].TrimEnd('\r'))];
    }

    public async ValueTask DisposeAsync() => await _process.DisposeAsync();

    /// <summary>
    /// Like PeerProcess.WaitForOutputAsync, but a subscriber that already printed the text and exited (-C reached)
    /// counts as ready.
    /// </summary>
    private static async Task WaitForOutputAsync(PeerProcess sub, string text)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!sub.Output.Contains(text, StringComparison.Ordinal))
        {
            if (sub.HasExited)
            {
                await Task.Delay(50, cts.Token);
                Assert.True(sub.Output.Contains(text, StringComparison.Ordinal), $"mosquitto_sub exited before printing '{text}': {sub.Output}");
                return;
            }

            await Task.Delay(10, cts.Token);
        }
    }

    private static async Task<PeerProcess> LaunchAsync(string config, int port)
    {
        var process = PeerProcess.Start(Peers.Require("mosquitto"), ["-c", config]);
        await process.WaitForTcpAsync(port, Patience);
        return process;
    }

    private static bool PortInUse(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

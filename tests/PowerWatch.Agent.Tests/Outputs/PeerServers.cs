using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>A real mosquitto on 127.0.0.1 and a free port, persistence in the test's temp dir; SIGKILL-able.</summary>
internal sealed class MosquittoServer : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _config;
    private PeerProcess? _process;

    private MosquittoServer(string config, int port)
    {
        _config = config;
        Port = port;
    }

    public int Port { get; }

    /// <summary>What mosquitto printed (its log goes to stderr) since its last start.</summary>
    public string Output => _process?.Output ?? "";

    /// <summary>
    /// Starts mosquitto. <paramref name="autosaveInterval"/>: seconds between persistence saves (default 1, so a SIGKILL
    /// loses at most a second; a long one makes a SIGKILL lose the sessions and queues, as a production broker with
    /// mosquitto's default of 1800 s does). <paramref name="extra"/>: more configuration lines (a bridge, a
    /// password_file). <paramref name="allowAnonymous"/>: false makes clients log in (with a password_file in <paramref name="extra"/>).
    /// </summary>
    public static async Task<MosquittoServer> StartAsync(TempDir dir, bool persistence = true, int autosaveInterval = 1, IEnumerable<string>? extra = null, string name = "mosquitto", bool allowAnonymous = true)
    {
        var port = Peers.FreeTcpPort();
        var config = dir.File($"{name}-{port}.conf");
        var data = dir.File(name == "mosquitto" ? "mosquitto-data" : name + "-data");
        Directory.CreateDirectory(data);
        var lines = new List<string>
        {
            $"listener {port} 127.0.0.1", allowAnonymous ? "allow_anonymous true" : "allow_anonymous false", "log_dest stderr", "log_type error", "log_type warning",
            "max_queued_messages 1000000", "max_inflight_messages 100",
        };
        if (persistence)
        {
            lines.Add("persistence true");
            lines.Add($"persistence_location {data}/");
            lines.Add($"autosave_interval {autosaveInterval.ToString(CultureInfo.InvariantCulture)}");
        }

        lines.AddRange(extra ?? []);

        if (Environment.UserName == "root")
        {
            lines.Add("user root");
        }

        await File.WriteAllLinesAsync(config, lines);
        var server = new MosquittoServer(config, port);
        await server.StartProcessAsync();
        return server;
    }

    public async Task StartProcessAsync()
    {
        await Poll.UntilAsync(() => !PortInUse(Port), Patience, () => $"port {Port} free again");

        _process = PeerProcess.Start(Peers.Require("mosquitto"), ["-c", _config]);
        await _process.WaitForTcpAsync(Port, Patience);
    }

    /// <summary>SIGKILL (no persistence save at exit: what was autosaved survives).</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            _process.Signal(9);
            await _process.WaitForExitAsync(Patience);
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>SIGHUP: mosquitto reloads its configuration, password file and ACL file.</summary>
    public void Reload() => _process?.Signal(1);

    /// <summary>SIGTERM: mosquitto saves its persistence file before exiting.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            _process.Signal(15);
            await _process.WaitForExitAsync(Patience);
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public string[] Args(params string[] rest) => ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), .. rest];

    public async ValueTask DisposeAsync() => await KillAsync();

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

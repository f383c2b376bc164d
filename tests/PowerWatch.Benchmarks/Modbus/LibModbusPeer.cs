using System.Globalization;
using System.Text.Json;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Modbus;

/// <summary>The libmodbus C server and client of tests/peers/modbus, compiled into a temp dir for one benchmark run.</summary>
internal sealed class LibModbusPeer : IAsyncDisposable
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);
    private readonly TempDir _dir;
    private readonly PeerProcess _server;

    private LibModbusPeer(TempDir dir, PeerProcess server, int port, string client)
    {
        _dir = dir;
        _server = server;
        Port = port;
        ClientBinary = client;
    }

    public int Port { get; }

    public string ClientBinary { get; }

    public static async Task<LibModbusPeer> StartAsync()
    {
        var dir = new TempDir("powerwatch-bench");
        try
        {
            var server = await CompileAsync("lmb_server.c", dir.Path);
            var client = await CompileAsync("lmb_client.c", dir.Path);
            var port = Peers.FreeTcpPort();
            var process = PeerProcess.Start(server, [port.ToString(CultureInfo.InvariantCulture)]);
            await process.WaitForOutputAsync("READY");
            return new LibModbusPeer(dir, process, port, client);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Runs the C client's bench mode (back-to-back reads of 125 holding registers at 0) for the given time.</summary>
    public async Task<(long Requests, double Seconds, double CpuSeconds)> RunClientBenchAsync(TimeSpan duration)
    {
        var (exit, output) = await PeerProcess.RunAsync(
            ClientBinary,
            ["bench", "127.0.0.1", Port.ToString(CultureInfo.InvariantCulture), duration.TotalSeconds.ToString(CultureInfo.InvariantCulture), "0", "125"],
            duration + ToolTimeout);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("{\"requests\"", StringComparison.Ordinal));
        if (exit != 0 || line is null)
        {
            throw new InvalidOperationException($"lmb_client bench failed ({exit}):\n{output}");
        }

        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        if (root.GetProperty("first").GetInt32() != 1000 || root.GetProperty("last").GetInt32() != 1124)
        {
            throw new InvalidOperationException("lmb_client read unexpected values: " + line);
        }

        return (root.GetProperty("requests").GetInt64(), root.GetProperty("seconds").GetDouble(), root.GetProperty("cpu").GetDouble());
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private static async Task<string> CompileAsync(string source, string outputDir)
    {
        var sourcePath = Path.Combine(AppContext.BaseDirectory, "peers", "modbus", source);
        var (pcExit, flags) = await PeerProcess.RunAsync(Peers.Require("pkg-config"), ["--cflags", "--libs", "libmodbus"], ToolTimeout);
        if (pcExit != 0)
        {
            throw new InvalidOperationException("pkg-config libmodbus failed (install libmodbus-dev): " + flags);
        }

        var output = Path.Combine(outputDir, Path.GetFileNameWithoutExtension(source));
        string[] args = ["-O2", "-o", output, sourcePath, .. flags.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)];
        var (exit, text) = await PeerProcess.RunAsync(Peers.Require("gcc"), args, ToolTimeout);
        if (exit != 0)
        {
            throw new InvalidOperationException($"gcc {source} failed:\n{text}");
        }

        return output;
    }
}

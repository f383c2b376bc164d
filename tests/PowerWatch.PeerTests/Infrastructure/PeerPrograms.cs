using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Infrastructure;

/// <summary>Runs the peer programs of tests/peers/modbus.</summary>
internal static class PeerPrograms
{
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Compiles a libmodbus C peer into <paramref name="outputDir"/> and returns the binary's path.</summary>
    public static async Task<string> CompileLibModbusAsync(string sourceFile, string outputDir)
    {
        var (pcExit, flags) = await PeerProcess.RunAsync(Peers.Require("pkg-config"), ["--cflags", "--libs", "libmodbus"], ClientTimeout);
        Assert.True(pcExit == 0, "pkg-config libmodbus failed: " + flags);
        var output = Path.Combine(outputDir, Path.GetFileNameWithoutExtension(sourceFile));
        string[] args = ["-O2", "-o", output, PeerFiles.Modbus(sourceFile), .. flags.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)];
        var (exit, text) = await PeerProcess.RunAsync(Peers.Require("gcc"), args, ClientTimeout);
        Assert.True(exit == 0, $"gcc {sourceFile} failed:\n{text}");
        return output;
    }

    /// <summary>Starts a program that prints READY when it serves, and waits for that line.</summary>
    public static async Task<PeerProcess> StartServerAsync(string file, IEnumerable<string> args)
    {
        var process = PeerProcess.Start(file, args);
        try
        {
            await process.WaitForOutputAsync("READY", TimeSpan.FromSeconds(20));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return process;
    }

    /// <summary>Starts the pymodbus server: mode tcp or rtu-over-tcp on a port, rtu or ascii on a serial device.</summary>
    public static Task<PeerProcess> StartPymodbusServerAsync(string mode, string where) =>
        StartServerAsync(Peers.Require("python:pymodbus"), [PeerFiles.Modbus("pymodbus_server.py"), mode, where, Port(PeerMap.Unit)]);

    /// <summary>Runs the pymodbus client script over TCP (MBAP) and returns one reply per operation.</summary>
    public static Task<IReadOnlyList<PeerReply>> PymodbusTcpAsync(int port, params string[] ops) =>
        PymodbusNetworkAsync("tcp", port, ops);

    /// <summary>Runs the pymodbus client script with mode tcp or rtu-over-tcp.</summary>
    public static Task<IReadOnlyList<PeerReply>> PymodbusNetworkAsync(string mode, int port, params string[] ops) =>
        RunClientAsync(Peers.Require("python:pymodbus"), [PeerFiles.Modbus("pymodbus_client.py"), mode, "127.0.0.1", Port(port), Port(PeerMap.Unit), .. ops], ops.Length);

    /// <summary>Runs the pymodbus client script over RTU on a serial device.</summary>
    public static Task<IReadOnlyList<PeerReply>> PymodbusRtuAsync(string device, params string[] ops) =>
        PymodbusSerialAsync("rtu", device, ops);

    /// <summary>Runs the pymodbus client script with mode rtu or ascii on a serial device.</summary>
    public static Task<IReadOnlyList<PeerReply>> PymodbusSerialAsync(string mode, string device, params string[] ops) =>
        RunClientAsync(Peers.Require("python:pymodbus"), [PeerFiles.Modbus("pymodbus_client.py"), mode, device, Port(PeerMap.Unit), .. ops], ops.Length);

    /// <summary>Runs the compiled libmodbus client over TCP.</summary>
    public static Task<IReadOnlyList<PeerReply>> LibModbusTcpAsync(string binary, int port, params string[] ops) =>
        RunClientAsync(binary, ["127.0.0.1", Port(port), Port(PeerMap.Unit), .. ops], ops.Length);

    /// <summary>Runs mbpoll once (0-based addressing, one poll) and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> MbpollAsync(params string[] args) =>
        PeerProcess.RunAsync(Peers.Require("mbpoll"), args, ClientTimeout);

    /// <summary>Parses the "[addr]: value" lines mbpoll prints for a read.</summary>
    public static int[] ParseMbpollValues(string output) =>
        output.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith('[') && l.Contains("]:", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("]:", StringComparison.Ordinal) + 2)..].Trim().Split(' ')[0]) // "48879 (-16657)" shows the signed view too
            .Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();

    private static async Task<IReadOnlyList<PeerReply>> RunClientAsync(string file, string[] args, int expected)
    {
        var (exit, output) = await PeerProcess.RunAsync(file, args, ClientTimeout);
        var replies = PeerReply.ParseLines(output);
        Assert.True(exit == 0 && replies.Count == expected, $"{Path.GetFileName(file)} {string.Join(' ', args)} exited {exit} with {replies.Count}/{expected} replies:\n{output}");
        return replies;
    }

    public static string Port(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

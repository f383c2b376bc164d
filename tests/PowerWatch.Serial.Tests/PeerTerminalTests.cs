using System.Globalization;
using PowerWatch.TestSupport;

namespace PowerWatch.Serial.Tests;

/// <summary>
/// Kernel terminal state read back by third-party programs (stty, Debian's python3, setpriv) and data
/// relayed by socat. Ptys keep speed, stop bits, PARODD, CMSPAR and the raw-mode flags, but the pty driver
/// forces CS8 and clears PARENB (drivers/tty/pty.c, pty_set_termios), so data bits and parity enable are
/// covered by <see cref="TermiosFlagsTests"/> only.
/// </summary>
public sealed class PeerTerminalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static readonly string[] RawFlags =
    [
        "-icanon", "-echo", "-echonl", "-isig", "-iexten", "-opost", "-onlcr", "-icrnl", "-inlcr", "-igncr", "-istrip",
        "-ixon", "-ixoff", "-crtscts", "clocal", "cread", "min = 1", "time = 0",
    ];

    public static TheoryData<int, int, Parity, StopBits, string[]> LineSettings => new()
    {
        { 19200, 7, Parity.Even, StopBits.Two, ["speed 19200 baud", "cstopb", "-parodd", "-cmspar", "inpck"] },
        { 9600, 8, Parity.Odd, StopBits.One, ["speed 9600 baud", "-cstopb", "parodd", "-cmspar", "inpck"] },
        { 2400, 8, Parity.Mark, StopBits.One, ["speed 2400 baud", "-cstopb", "parodd", "cmspar"] },
        { 115200, 8, Parity.Space, StopBits.Two, ["speed 115200 baud", "cstopb", "-parodd", "cmspar"] },
        { 4800, 8, Parity.None, StopBits.One, ["speed 4800 baud", "-cstopb", "-parodd", "-cmspar", "-inpck"] },
    };

    [PeerTheory("stty")]
    [MemberData(nameof(LineSettings))]
    public async Task Stty_reads_back_the_line_settings_and_raw_mode_we_applied(int baud, int dataBits, Parity parity, StopBits stop, string[] expected)
    {
        await using var pty = PseudoTerminalPair.Open();

        // Start from a cooked terminal with other settings, so every expectation below is something we changed.
        var (rc, before) = await Stty("-F", pty.SlavePath, "sane", "1200", "-cstopb", "-parodd", "-cmspar", "crtscts", "ixon");
        Assert.True(rc == 0, before);
        (_, before) = await Stty("-F", pty.SlavePath, "-a");
        Assert.Contains(" icanon", before, StringComparison.Ordinal);
        Assert.Contains(" echo", before, StringComparison.Ordinal);
        Assert.Contains("speed 1200 baud", before, StringComparison.Ordinal);

        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, BaudRate = baud, DataBits = dataBits, Parity = parity, StopBits = stop });
        var (code, after) = await Stty("-F", pty.SlavePath, "-a");
        Assert.True(code == 0, after);
        var tokens = Tokens(after);
        foreach (var flag in RawFlags.Concat(expected))
        {
            Assert.True(flag.Contains(' ', StringComparison.Ordinal) ? after.Contains(flag, StringComparison.Ordinal) : tokens.Contains(flag), $"stty lacks '{flag}':\n{after}");
        }
    }

    [PeerFact(Peers.DebianPython)]
    public async Task Non_standard_rate_is_set_with_bother_and_read_back_by_termios2()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using (var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, BaudRate = 250000 }))
        {
            var state = await ReadTermios2(pty.SlavePath);
            Assert.Equal("0o10000", state["cbaud"]); // BOTHER
            Assert.Equal("250000", state["ospeed"]);
            Assert.Equal("250000", state["ispeed"]);
        }

        await using (var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, BaudRate = 31250 }))
        {
            Assert.Equal("31250", (await ReadTermios2(pty.SlavePath))["ospeed"]);
        }

        // Back to a standard rate: BOTHER must be gone, or glibc and stty would misreport the speed.
        await using var standard = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, BaudRate = 9600 });
        var back = await ReadTermios2(pty.SlavePath);
        Assert.Equal("0o15", back["cbaud"]); // B9600
        Assert.Equal("9600", back["ospeed"]);
        var (_, stty) = await Stty("-F", pty.SlavePath, "-a");
        Assert.Contains("speed 9600 baud", stty, StringComparison.Ordinal);
    }

    [PeerFact("stty", "setpriv")]
    public async Task Exclusive_open_sets_tiocexcl_so_another_unprivileged_program_gets_busy()
    {
        await using var pty = PseudoTerminalPair.Open();
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // TIOCEXCL does not stop root: let an unprivileged user try, on a device it may otherwise open.
            File.SetUnixFileMode(pty.SlavePath, (UnixFileMode)0b110_110_110);
        }

        var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        var (busyCode, busyOutput) = await StranglerStty(pty.SlavePath, asRoot);
        Assert.NotEqual(0, busyCode);
        Assert.Contains("Device or resource busy", busyOutput, StringComparison.Ordinal);

        await port.DisposeAsync();
        var (freeCode, freeOutput) = await StranglerStty(pty.SlavePath, asRoot);
        Assert.True(freeCode == 0, freeOutput);
    }

    [PeerFact("python:serial")]
    public async Task Exclusive_open_is_honoured_both_ways_with_pyserial_exclusive_mode()
    {
        await using var pty = PseudoTerminalPair.Open();
        const string Script = """
            import serial, sys, time
            try:
                s = serial.Serial(sys.argv[1], 9600, exclusive=True)
            except serial.SerialException as e:
                print("REFUSED " + str(e), flush=True)
                sys.exit(3)
            print("HOLDING", flush=True)
            sys.stdin.readline()
            """;

        // Our exclusive port holds the device: pyserial's flock is refused (even as root).
        await using (var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath }))
        {
            var (code, output) = await PeerProcess.RunAsync(Peers.DebianPython, ["-c", Script, pty.SlavePath], Patience);
            Assert.True(code == 3, output);
            Assert.Contains("REFUSED", output, StringComparison.Ordinal);
        }

        // pyserial holds it: our open fails as busy, naming the port.
        await using var holder = PeerProcess.Start(Peers.DebianPython, ["-c", Script, pty.SlavePath]);
        await holder.WaitForOutputAsync("HOLDING", Patience);
        var ex = Assert.Throws<SerialPortException>(() => SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath }));
        Assert.Equal(SerialPortError.Busy, ex.Error);
        Assert.Contains(pty.SlavePath, ex.Message, StringComparison.Ordinal);
    }

    [PeerFact("socat")]
    public async Task Data_round_trips_between_two_ports_through_a_socat_pty_pair()
    {
        await using var socat = await SocatPtyPair.StartAsync();
        await using var a = SerialPort.Open(new SerialPortSettings { PortName = socat.PathA, BaudRate = 19200, Parity = Parity.Even });
        await using var b = SerialPort.Open(new SerialPortSettings { PortName = socat.PathB, BaudRate = 19200, Parity = Parity.Even });
        using var guard = new CancellationTokenSource(Patience);

        // Modbus RTU "read holding registers" request (Modbus over serial line V1.02 §2.5.1 framing, CRC low byte first).
        byte[] request = [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD];
        await a.Stream.WriteAsync(request, guard.Token);
        Assert.Equal(request, await PseudoTerminalPairTests.ReadExactlyAsync(b.Stream, request.Length, guard.Token));

        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await b.Stream.WriteAsync(all, guard.Token);
        Assert.Equal(all, await PseudoTerminalPairTests.ReadExactlyAsync(a.Stream, all.Length, guard.Token));
        await a.Stream.WriteAsync(all, guard.Token);
        Assert.Equal(all, await PseudoTerminalPairTests.ReadExactlyAsync(b.Stream, all.Length, guard.Token));
    }

    [PeerFact("python:serial")]
    public async Task A_pyserial_client_talks_to_a_simulator_on_the_pty_master()
    {
        await using var pty = PseudoTerminalPair.Open(new SerialPortSettings { PortName = "pty", BaudRate = 2400 });
        using var guard = new CancellationTokenSource(Patience);
        const string Script = """
            import serial, sys
            s = serial.Serial(sys.argv[1], 2400, timeout=5)
            s.write(b"Q1\r")
            reply = s.read_until(b"\r")
            print("REPLY=" + reply.hex())
            """;
        await using var client = PeerProcess.Start(Peers.DebianPython, ["-c", Script, pty.SlavePath]);

        // The simulator side: answer a Megatec Q1 poll (SPEC-DEVICES §5: commands end in CR).
        Assert.Equal("Q1\r"u8.ToArray(), await PseudoTerminalPairTests.ReadExactlyAsync(pty.Master, 3, guard.Token));
        var reply = "(230.0 230.0 230.0 012 50.0 13.6 25.0 00000001\r"u8.ToArray();
        await pty.Master.WriteAsync(reply, guard.Token);

        Assert.Equal(0, await client.WaitForExitAsync(Patience));
        Assert.Contains("REPLY=" + Convert.ToHexStringLower(reply), client.Output, StringComparison.Ordinal);
    }

    private static HashSet<string> Tokens(string sttyOutput) =>
        [.. sttyOutput.Split([' ', '\n', ';'], StringSplitOptions.RemoveEmptyEntries)];

    private static Task<(int ExitCode, string Output)> Stty(params string[] args) =>
        PeerProcess.RunAsync(Peers.Require("stty"), args, Patience);

    private static Task<(int ExitCode, string Output)> StranglerStty(string device, bool asRoot) =>
        asRoot
            ? PeerProcess.RunAsync(Peers.Require("setpriv"), ["--reuid=65534", "--regid=65534", "--clear-groups", Peers.Require("stty"), "-F", device, "-g"], Patience)
            : Stty("-F", device, "-g");

    private static async Task<Dictionary<string, string>> ReadTermios2(string device)
    {
        // An independent reader of the kernel state: ioctl(TCGETS2) from Python, struct termios2 unpacked by hand.
        const string Script = """
            import fcntl, os, struct, sys
            fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            buf = fcntl.ioctl(fd, 0x802C542A, bytes(44))
            iflag, oflag, cflag, lflag = struct.unpack_from("4I", buf, 0)
            ispeed, ospeed = struct.unpack_from("2I", buf, 36)
            print("cbaud=%s ispeed=%d ospeed=%d" % (oct(cflag & 0o10017), ispeed, ospeed))
            """;
        var (code, output) = await PeerProcess.RunAsync(Peers.DebianPython, ["-c", Script, device], Patience);
        Assert.True(code == 0, output);
        return output.Trim().Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
    }
}

/// <summary>socat relaying two ptys (PEERS.md: <c>socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B</c>).</summary>
internal sealed class SocatPtyPair : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly PeerProcess _socat;

    private SocatPtyPair(TempDir dir, PeerProcess socat)
    {
        _dir = dir;
        _socat = socat;
    }

    public string PathA => _dir.File("a");

    public string PathB => _dir.File("b");

    public static async Task<SocatPtyPair> StartAsync()
    {
        var dir = new TempDir("serial-socat");
        var socat = PeerProcess.Start(Peers.Require("socat"), ["-d", $"pty,raw,echo=0,link={dir.File("a")}", $"pty,raw,echo=0,link={dir.File("b")}"]);
        var pair = new SocatPtyPair(dir, socat);
        try
        {
            await socat.WaitUntilAsync(() => Task.FromResult(File.Exists(pair.PathA) && File.Exists(pair.PathB)), TimeSpan.FromSeconds(10), "pty links");
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }

        return pair;
    }

    public async ValueTask DisposeAsync()
    {
        await _socat.DisposeAsync();
        _dir.Dispose();
    }
}

using PowerWatch.Serial;
using PowerWatch.TestSupport;
using DotnetSerialPort = System.IO.Ports.SerialPort;

namespace PowerWatch.PeerTests.Serial;

/// <summary>
/// Issue 17: behaviours of System.IO.Ports 10.0 on Linux that docs/dependencies.md gives as reasons to keep
/// PowerWatch.Serial, checked side by side with ours. These hold System.IO.Ports to what it does today: when one fails,
/// the library changed and docs/dependencies.md ("revisit when") needs another look.
/// </summary>
public sealed class SystemIoPortsBehaviourTests
{
    private static async Task<HashSet<string>> SttyAsync(string device)
    {
        var (code, output) = await PeerProcess.RunAsync(Peers.Require("stty"), ["-F", device, "-a"], TimeSpan.FromSeconds(10));
        Assert.True(code == 0, output);
        return [.. output.Split([' ', ';', '\n'], StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>
    /// Mark parity is PARENB | CMSPAR | PARODD. The pty driver clears PARENB but keeps CMSPAR and PARODD
    /// (drivers/tty/pty.c), so stty on the pty shows whether a library asked for mark parity at all.
    /// </summary>
    [PeerFact("stty")]
    public async Task Mark_parity_reaches_the_terminal_from_our_port_but_System_IO_Ports_silently_sets_no_parity()
    {
        await using (var pty = PseudoTerminalPair.Open())
        {
            await using var ours = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, BaudRate = 2400, Parity = Parity.Mark });
            var flags = await SttyAsync(pty.SlavePath);
            Assert.Contains("cmspar", flags);
            Assert.Contains("parodd", flags);
        }

        await using (var pty = PseudoTerminalPair.Open())
        {
            using var theirs = new DotnetSerialPort(pty.SlavePath, 2400, System.IO.Ports.Parity.Mark, 8, System.IO.Ports.StopBits.One);
            theirs.Open();
            Assert.Equal(System.IO.Ports.Parity.Mark, theirs.Parity); // what the object says…
            var flags = await SttyAsync(pty.SlavePath);
            Assert.Contains("-cmspar", flags); // …and what the terminal got: no mark/space parity
            Assert.Contains("-parodd", flags);
        }
    }

    [Fact]
    public void A_missing_device_is_access_denied_for_System_IO_Ports_and_not_found_for_ours()
    {
        var missing = Path.Combine(Path.GetTempPath(), "powerwatch-no-such-tty-" + Guid.NewGuid().ToString("N"));
        using var theirs = new DotnetSerialPort(missing, 9600);
        var e = Assert.Throws<UnauthorizedAccessException>(theirs.Open);
        Assert.Contains("denied", e.Message, StringComparison.OrdinalIgnoreCase);

        var ours = Assert.Throws<SerialPortException>(() => SerialPort.Open(new SerialPortSettings { PortName = missing, BaudRate = 9600 }));
        Assert.Equal(SerialPortError.NotFound, ours.Error);
        Assert.Contains("does not exist", ours.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void System_IO_Ports_has_no_RS485_settings()
    {
        // Ours: SerialPortSettings.Rs485 (TIOCSRS485 on Linux). Theirs: no property or type of that name.
        Assert.NotNull(typeof(SerialPortSettings).GetProperty("Rs485"));
        Assert.DoesNotContain(typeof(DotnetSerialPort).Assembly.GetExportedTypes(), t => t.Name.Contains("485", StringComparison.Ordinal));
        Assert.DoesNotContain(typeof(DotnetSerialPort).GetProperties(), p => p.Name.Contains("485", StringComparison.Ordinal));
    }
}

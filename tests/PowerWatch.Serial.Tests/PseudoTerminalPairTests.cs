using System.Runtime.Versioning;
using PowerWatch.TestSupport;

namespace PowerWatch.Serial.Tests;

[SupportedOSPlatform("linux")]
public sealed class PseudoTerminalPairTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Bytes_written_to_the_master_are_read_from_the_slave_port_and_back()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, BaudRate = 19200 });
        using var cts = new CancellationTokenSource(Patience);

        await pty.Master.WriteAsync("hello\r"u8.ToArray(), cts.Token);
        Assert.Equal("hello\r"u8.ToArray(), await ReadExactlyAsync(port.Stream, 6, cts.Token));

        await port.Stream.WriteAsync("Q1\r"u8.ToArray(), cts.Token);
        Assert.Equal("Q1\r"u8.ToArray(), await ReadExactlyAsync(pty.Master, 3, cts.Token));
    }

    [Fact]
    public async Task Every_byte_value_passes_through_raw_mode_unchanged_in_both_directions()
    {
        // 0x03 (^C, VINTR), 0x11/0x13 (XON/XOFF), 0x0D/0x0A (CR/LF), 0x04 (^D, VEOF), 0x7F (erase) included.
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        using var cts = new CancellationTokenSource(Patience);

        await pty.Master.WriteAsync(all, cts.Token);
        Assert.Equal(all, await ReadExactlyAsync(port.Stream, all.Length, cts.Token));

        await port.Stream.WriteAsync(all, cts.Token);
        Assert.Equal(all, await ReadExactlyAsync(pty.Master, all.Length, cts.Token));
    }

    [Fact]
    public async Task Master_survives_the_peer_closing_and_reopening_the_slave()
    {
        await using var pty = PseudoTerminalPair.Open();
        using var cts = new CancellationTokenSource(Patience);
        await using (var first = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath }))
        {
            await first.Stream.WriteAsync("one"u8.ToArray(), cts.Token);
            Assert.Equal("one"u8.ToArray(), await ReadExactlyAsync(pty.Master, 3, cts.Token));
        }

        await using var second = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        await second.Stream.WriteAsync("two"u8.ToArray(), cts.Token);
        Assert.Equal("two"u8.ToArray(), await ReadExactlyAsync(pty.Master, 3, cts.Token));
    }

    [Fact]
    public async Task Link_path_points_at_the_slave_and_is_removed_on_dispose()
    {
        using var dir = new TempDir();
        var link = dir.File("ups0");
        var pty = PseudoTerminalPair.Open(linkPath: link);
        await using (pty)
        {
            Assert.Equal(link, pty.PeerPath);
            Assert.Equal(pty.SlavePath, new FileInfo(link).LinkTarget);
            await using var port = SerialPort.Open(new SerialPortSettings { PortName = link });
            using var cts = new CancellationTokenSource(Patience);
            await port.Stream.WriteAsync("x"u8.ToArray(), cts.Token);
            Assert.Equal("x"u8.ToArray(), await ReadExactlyAsync(pty.Master, 1, cts.Token));
        }

        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.False(File.Exists(link));
    }

    internal static async Task<byte[]> ReadExactlyAsync(Stream stream, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return buffer;
    }
}

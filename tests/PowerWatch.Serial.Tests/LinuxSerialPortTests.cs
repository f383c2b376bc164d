using PowerWatch.TestSupport;

namespace PowerWatch.Serial.Tests;

/// <summary>The Linux port against our own pseudo-terminal (no third-party peer needed).</summary>
public sealed class LinuxSerialPortTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Cancelling_a_pending_read_completes_it_as_cancelled()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        using var cts = new CancellationTokenSource();

        var read = port.Stream.ReadAsync(new byte[16], cts.Token).AsTask();
        Assert.False(read.IsCompleted);
        await cts.CancelAsync();

        // The guard only turns a hang into a failure (TimeoutException is not an OperationCanceledException).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_cancelled_read_consumes_no_bytes_and_the_next_read_gets_them()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        using (var cts = new CancellationTokenSource())
        {
            var read = port.Stream.ReadAsync(new byte[16], cts.Token).AsTask();
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Patience));
        }

        using var guard = new CancellationTokenSource(Patience);
        await pty.Master.WriteAsync(new byte[] { 1, 2, 3 }, guard.Token);
        Assert.Equal(new byte[] { 1, 2, 3 }, await PseudoTerminalPairTests.ReadExactlyAsync(port.Stream, 3, guard.Token));
    }

    [Fact]
    public async Task A_read_with_an_already_cancelled_token_throws_without_reading()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        using var guard = new CancellationTokenSource(Patience);
        await pty.Master.WriteAsync(new byte[] { 42 }, guard.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => _ = await port.Stream.ReadAsync(new byte[1], new CancellationToken(true)));
        Assert.Equal(new byte[] { 42 }, await PseudoTerminalPairTests.ReadExactlyAsync(port.Stream, 1, guard.Token));
    }

    [Fact]
    public async Task Disposing_the_port_fails_a_pending_read_instead_of_leaving_it_hanging()
    {
        await using var pty = PseudoTerminalPair.Open();
        var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        var read = port.Stream.ReadAsync(new byte[16]).AsTask();
        Assert.False(read.IsCompleted);

        await port.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => read.WaitAsync(Patience));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => _ = await port.Stream.ReadAsync(new byte[1]));
    }

    [Fact]
    public async Task A_read_returns_what_is_available_without_waiting_to_fill_the_buffer()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        using var guard = new CancellationTokenSource(Patience);
        await pty.Master.WriteAsync(new byte[] { 7, 8 }, guard.Token);

        var buffer = new byte[64];
        var total = 0;
        while (total < 2)
        {
            total += await port.Stream.ReadAsync(buffer.AsMemory(total), guard.Token);
        }

        Assert.Equal(2, total);
        Assert.Equal(new byte[] { 7, 8 }, buffer[..2]);
    }

    [Fact]
    public async Task Synchronous_read_and_write_work_too()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        port.Stream.Write([0x51, 0x31, 0x0D]);
        var got = new byte[3];
        await Task.Run(() => pty.Master.ReadExactly(got)).WaitAsync(Patience);
        Assert.Equal(new byte[] { 0x51, 0x31, 0x0D }, got);
    }

    [Fact]
    public async Task Large_writes_larger_than_the_tty_buffer_complete_while_the_peer_reads()
    {
        var data = new byte[256 * 1024];
        new Random(1234).NextBytes(data);
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, BaudRate = 115200 });
        using var guard = new CancellationTokenSource(Patience);

        var reader = PseudoTerminalPairTests.ReadExactlyAsync(pty.Master, data.Length, guard.Token);
        await port.Stream.WriteAsync(data, guard.Token);
        Assert.Equal(data, await reader);
    }

    [Fact]
    public async Task Cancelling_a_write_blocked_on_a_full_output_queue_completes_it_as_cancelled()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        using var cts = new CancellationTokenSource();

        // Nobody reads the master, so the kernel queues fill and the write has to wait.
        var write = port.Stream.WriteAsync(new byte[1024 * 1024], cts.Token).AsTask();
        Assert.False(write.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(Patience));
    }

    [Fact]
    public async Task Discarding_input_drops_bytes_received_but_not_yet_read()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        using var guard = new CancellationTokenSource(Patience);

        await pty.Master.WriteAsync("stale"u8.ToArray(), guard.Token);
        // Reading the first byte proves the line discipline has the whole write queued.
        Assert.Equal("s"u8.ToArray(), await PseudoTerminalPairTests.ReadExactlyAsync(port.Stream, 1, guard.Token));
        await port.DiscardInputAsync(guard.Token);

        await pty.Master.WriteAsync("Z"u8.ToArray(), guard.Token);
        Assert.Equal("Z"u8.ToArray(), await PseudoTerminalPairTests.ReadExactlyAsync(port.Stream, 1, guard.Token));
    }

    [Fact]
    public async Task Drain_completes_once_written_bytes_have_left()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        using var guard = new CancellationTokenSource(Patience);
        await port.Stream.WriteAsync("abc"u8.ToArray(), guard.Token);
        await port.DrainAsync(guard.Token);
        Assert.Equal("abc"u8.ToArray(), await PseudoTerminalPairTests.ReadExactlyAsync(pty.Master, 3, guard.Token));
    }

    [Fact]
    public async Task Discarding_output_does_not_disturb_later_writes()
    {
        // (On a pty, TCOFLUSH drops what the master has not consumed yet, so only the "after" is checkable.)
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        using var guard = new CancellationTokenSource(Patience);
        await port.DiscardOutputAsync(guard.Token);
        await port.Stream.WriteAsync("after"u8.ToArray(), guard.Token);
        Assert.Equal("after"u8.ToArray(), await PseudoTerminalPairTests.ReadExactlyAsync(pty.Master, 5, guard.Token));
    }

    [Fact]
    public void Opening_a_missing_device_fails_with_not_found_naming_the_port()
    {
        using var dir = new TempDir();
        var path = dir.File("ttyUSB9");
        var ex = Assert.Throws<SerialPortException>(() => SerialPort.Open(new SerialPortSettings { PortName = path }));
        Assert.Equal(SerialPortError.NotFound, ex.Error);
        Assert.Equal(path, ex.PortName);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("ENOENT", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.NativeErrorCode);
    }

    [Fact]
    public void Opening_something_that_is_not_a_terminal_fails_clearly()
    {
        var ex = Assert.Throws<SerialPortException>(() => SerialPort.Open(new SerialPortSettings { PortName = "/dev/null" }));
        Assert.Equal(SerialPortError.NotATerminal, ex.Error);
        Assert.Contains("/dev/null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_exclusive_open_fails_as_busy_naming_the_port()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var first = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });

        var ex = Assert.Throws<SerialPortException>(() => SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath }));
        Assert.Equal(SerialPortError.Busy, ex.Error);
        Assert.Contains(pty.SlavePath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("busy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_port_can_be_opened_again_after_the_exclusive_holder_closed_it()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using (SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath }))
        {
        }

        await using var again = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        Assert.NotNull(again.Stream);
    }

    [Fact]
    public async Task Non_exclusive_opens_can_share_the_device()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var first = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, Exclusive = false });
        await using var second = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, Exclusive = false });
        Assert.NotSame(first.Stream, second.Stream);
    }

    [Fact]
    public async Task Required_rs485_on_a_pty_fails_as_not_supported_naming_the_port()
    {
        await using var pty = PseudoTerminalPair.Open();
        var ex = Assert.Throws<SerialPortException>(() => SerialPort.Open(new SerialPortSettings
        {
            PortName = pty.SlavePath,
            Rs485 = new Rs485Options { Enabled = true },
        }));
        Assert.Equal(SerialPortError.Rs485NotSupported, ex.Error);
        Assert.Contains(pty.SlavePath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("RS-485", ex.Message, StringComparison.Ordinal);

        // The failed open released the device.
        await using var after = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        Assert.Equal(Rs485Status.Off, after.Rs485Status);
    }

    [Fact]
    public async Task Optional_rs485_on_a_pty_opens_and_reports_not_supported()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings
        {
            PortName = pty.SlavePath,
            Rs485 = new Rs485Options { Enabled = true, Required = false },
        });
        Assert.Equal(Rs485Status.NotSupported, port.Rs485Status);
        using var guard = new CancellationTokenSource(Patience);
        await port.Stream.WriteAsync("ok"u8.ToArray(), guard.Token);
        Assert.Equal("ok"u8.ToArray(), await PseudoTerminalPairTests.ReadExactlyAsync(pty.Master, 2, guard.Token));
    }

    [Fact]
    public async Task Stream_is_not_seekable_and_flush_is_harmless()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath });
        Assert.False(port.Stream.CanSeek);
        Assert.True(port.Stream.CanRead);
        Assert.True(port.Stream.CanWrite);
        Assert.Throws<NotSupportedException>(() => port.Stream.Length);
        await port.Stream.FlushAsync();
    }
}

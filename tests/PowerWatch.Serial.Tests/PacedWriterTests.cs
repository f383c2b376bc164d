using PowerWatch.TestSupport;

namespace PowerWatch.Serial.Tests;

public sealed class PacedWriterTests
{
    // 9600 8N1: one character = 10 bits = 1041.67 us (10,417 ticks rounded up).
    private static readonly SerialPortSettings Line9600 = new() { PortName = "sim", BaudRate = 9600 };

    [Fact]
    public async Task Each_byte_is_handed_over_when_its_last_bit_would_have_left_the_line()
    {
        var clock = new ManualTimeProvider();
        var sink = new RecordingStream(clock);
        var writer = new PacedWriter(sink, Line9600, clock, granularity: TimeSpan.FromTicks(1));
        var data = Enumerable.Range(1, 5).Select(i => (byte)i).ToArray();

        var write = writer.WriteAsync(data).AsTask();
        await AdvanceUntilDoneAsync(clock, write, TimeSpan.FromMicroseconds(50));

        Assert.Equal(data, sink.Bytes);
        var start = new ManualTimeProvider().GetUtcNow();
        for (var i = 0; i < data.Length; i++)
        {
            var due = Line9600.TransmitTime(i + 1);
            var at = sink.ArrivalOf(i) - start;
            Assert.True(at >= due, $"byte {i} handed over at {at}, before its end of transmission {due}");
            Assert.True(at < due + TimeSpan.FromMicroseconds(50), $"byte {i} handed over at {at}, long after {due}");
        }
    }

    [Fact]
    public async Task Nothing_is_handed_over_before_the_first_character_time_has_passed()
    {
        var clock = new ManualTimeProvider();
        var sink = new RecordingStream(clock);
        var writer = new PacedWriter(sink, Line9600, clock);

        var write = writer.WriteAsync(new byte[] { 0xAA, 0xBB }).AsTask();
        await AdvanceAsync(clock, TimeSpan.FromMicroseconds(1000));
        Assert.Empty(sink.Bytes);
        Assert.False(write.IsCompleted);

        await AdvanceUntilDoneAsync(clock, write, TimeSpan.FromMicroseconds(100));
        Assert.Equal(new byte[] { 0xAA, 0xBB }, sink.Bytes);
    }

    [Fact]
    public async Task At_high_rates_bytes_due_within_the_granularity_are_written_together()
    {
        var clock = new ManualTimeProvider();
        var sink = new RecordingStream(clock);
        var line = Line9600 with { BaudRate = 115200 }; // 86.8 us per character
        var writer = new PacedWriter(sink, line, clock, granularity: TimeSpan.FromMilliseconds(1));
        var data = new byte[100]; // 8.68 ms on the wire

        var write = writer.WriteAsync(data).AsTask();
        await AdvanceUntilDoneAsync(clock, write, TimeSpan.FromMilliseconds(1));

        Assert.Equal(100, sink.Bytes.Count);
        Assert.InRange(sink.Writes, 8, 10);
    }

    [Fact]
    public async Task A_write_right_after_another_waits_for_the_line_to_be_free()
    {
        var clock = new ManualTimeProvider();
        var sink = new RecordingStream(clock);
        var writer = new PacedWriter(sink, Line9600, clock, granularity: TimeSpan.FromTicks(1));
        var origin = clock.GetUtcNow();

        await AdvanceUntilDoneAsync(clock, writer.WriteAsync(new byte[3]).AsTask(), TimeSpan.FromMicroseconds(20));
        // The first frame's last byte is handed over at its end of transmission, so the line is free
        // right then; the next frame's first byte ends one character later.
        await AdvanceUntilDoneAsync(clock, writer.WriteAsync(new byte[1]).AsTask(), TimeSpan.FromMicroseconds(20));
        Assert.True(sink.ArrivalOf(3) - origin >= Line9600.TransmitTime(4));
    }

    [Fact]
    public async Task After_idle_time_the_next_write_starts_from_now_not_from_the_past()
    {
        var clock = new ManualTimeProvider();
        var sink = new RecordingStream(clock);
        var writer = new PacedWriter(sink, Line9600, clock, granularity: TimeSpan.FromTicks(1));
        await AdvanceAsync(clock, TimeSpan.FromSeconds(1));
        var before = clock.GetUtcNow();

        var write = writer.WriteAsync(new byte[2]).AsTask();
        Assert.Empty(sink.Bytes); // idle time is not credit for an instant burst
        await AdvanceUntilDoneAsync(clock, write, TimeSpan.FromMicroseconds(20));
        Assert.True(sink.ArrivalOf(1) - before >= Line9600.TransmitTime(2));
    }

    [Fact]
    public async Task Cancelling_a_paced_write_stops_it_part_way()
    {
        var clock = new ManualTimeProvider();
        var sink = new RecordingStream(clock);
        var writer = new PacedWriter(sink, Line9600, clock, granularity: TimeSpan.FromTicks(1));
        using var cts = new CancellationTokenSource();

        var write = writer.WriteAsync(new byte[10], cts.Token).AsTask();
        await AdvanceUntilAsync(clock, () => sink.Bytes.Count >= 3, TimeSpan.FromMicroseconds(100));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.InRange(sink.Bytes.Count, 3, 4);
    }

    [Fact]
    public async Task Overlapping_writes_are_refused()
    {
        var clock = new ManualTimeProvider();
        var writer = new PacedWriter(new RecordingStream(clock), Line9600, clock);
        var first = writer.WriteAsync(new byte[2]).AsTask();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteAsync(new byte[1]));
        await AdvanceUntilDoneAsync(clock, first, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Paced_bytes_reach_a_port_on_the_other_side_of_a_pty()
    {
        await using var pty = PseudoTerminalPair.Open();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = pty.SlavePath, BaudRate = 115200 });
        var writer = new PacedWriter(pty.Master, port.Settings, TimeProvider.System);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var data = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();

        await writer.WriteAsync(data, guard.Token);
        Assert.Equal(data, await PseudoTerminalPairTests.ReadExactlyAsync(port.Stream, data.Length, guard.Token));
    }

    private static async Task AdvanceUntilDoneAsync(ManualTimeProvider clock, Task task, TimeSpan step)
    {
        await AdvanceUntilAsync(clock, () => task.IsCompleted, step);
        await task;
    }

    // Advancing off xunit's synchronization context lets the writer resume inline on the thread that fires its
    // timer, so after each Advance it has already armed its next wait: no yielding or polling needed.
    private static Task AdvanceAsync(ManualTimeProvider clock, TimeSpan delta) => Task.Run(() => clock.Advance(delta));

    private static Task AdvanceUntilAsync(ManualTimeProvider clock, Func<bool> condition, TimeSpan step) =>
        Task.Run(() => AdvanceUntil(clock, condition, step));

    private static void AdvanceUntil(ManualTimeProvider clock, Func<bool> condition, TimeSpan step)
    {
        for (var i = 0; i < 1_000_000 && !condition(); i++)
        {
            Assert.True(clock.ActiveTimers > 0, "the writer is not waiting on the clock, so advancing it cannot help");
            clock.Advance(step);
        }

        Assert.True(condition(), "condition not reached while advancing the fake clock");
    }

    /// <summary>Records each byte with the fake-clock time it was handed over.</summary>
    private sealed class RecordingStream(TimeProvider clock) : Stream
    {
        private readonly List<(byte Value, DateTimeOffset At)> _log = [];

        public List<byte> Bytes
        {
            get
            {
                lock (_log)
                {
                    return [.. _log.Select(e => e.Value)];
                }
            }
        }

        public int Writes { get; private set; }

        public DateTimeOffset ArrivalOf(int index)
        {
            lock (_log)
            {
                return _log[index].At;
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_log)
            {
                Writes++;
                var now = clock.GetUtcNow();
                foreach (var b in buffer)
                {
                    _log.Add((b, now));
                }
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }
}

using PowerWatch.Serial;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// A duplex stream over a pty master whose writes are paced at the line rate, so a client on the slave side sees a
/// reply complete when its last byte would have left a UART at the configured baud. <see cref="RtuPacing.Frame"/>
/// hands each write over in one piece at that instant (no gaps inside a frame); <see cref="RtuPacing.Byte"/> hands
/// bytes over as they become due through a <see cref="PacedWriter"/> (1 ms granularity). Reads pass straight through.
/// Does not own the inner stream.
/// </summary>
internal sealed class PacedStream : Stream
{
    private readonly Stream _inner;
    private readonly PacedWriter? _byteWriter;
    private readonly SerialPortSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private long _lineFreeAt;

    public PacedStream(Stream inner, SerialPortSettings settings, TimeProvider timeProvider, RtuPacing pacing)
    {
        _inner = inner;
        _settings = settings;
        _timeProvider = timeProvider;
        _byteWriter = pacing == RtuPacing.Byte ? new PacedWriter(inner, settings, timeProvider) : null;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (buffer.IsEmpty)
            {
                return;
            }

            if (_byteWriter is not null)
            {
                await _byteWriter.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }

            // Frame pacing: the whole frame is handed over in one write once its last byte would have left the UART
            // (a timer firing early must never split a frame, or a strict client sees a gap inside it).
            var now = _timeProvider.GetTimestamp();
            var start = now > _lineFreeAt ? now : _lineFreeAt;
            var done = start + (long)(_settings.TransmitTime(buffer.Length).TotalSeconds * _timeProvider.TimestampFrequency);
            var wait = _timeProvider.GetElapsedTime(now, done);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
            }

            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
            _lineFreeAt = done;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("use ReadAsync");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("use WriteAsync");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _writeGate.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>How replies on a pty RTU bus are paced.</summary>
public enum RtuPacing
{
    /// <summary>Each reply is delivered whole when its last byte would have arrived (default: clients that enforce t1.5 never see a gap).</summary>
    Frame,

    /// <summary>Bytes are delivered as they become due (1 ms granularity); OS timer jitter can open gaps longer than t1.5 at low baud rates.</summary>
    Byte,
}

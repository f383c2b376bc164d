using System.Runtime.Versioning;

namespace PowerWatch.Serial.Linux;

/// <summary>
/// A <see cref="Stream"/> over a non-blocking terminal descriptor. Reads return as soon as at least one
/// byte is available; writes return when the kernel accepted every byte. Waiting uses <see cref="FdPoller"/>,
/// so async callers never block a thread-pool thread and cancellation is prompt.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class FdStream : Stream
{
    private readonly FdHandle _fd;
    private readonly FdPoller _poller;
    private readonly string _portName;
    private int _disposed;

    public FdStream(FdHandle fd, string portName)
    {
        _fd = fd;
        _portName = portName;
        _poller = new FdPoller(fd, portName);
    }

    public override bool CanRead => _disposed == 0;

    public override bool CanWrite => _disposed == 0;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    internal FdHandle Handle => _fd;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = TryRead(buffer.Span);
            if (n >= 0)
            {
                return n;
            }

            await _poller.WaitAsync(Posix.POLLIN, cancellationToken);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = TryWrite(buffer.Span);
            if (n > 0)
            {
                buffer = buffer[n..];
                continue;
            }

            await _poller.WaitAsync(Posix.POLLOUT, cancellationToken);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            var n = TryRead(buffer);
            if (n >= 0)
            {
                return n;
            }

            if (!_poller.WaitBlocking(Posix.POLLIN))
            {
                throw new ObjectDisposedException(nameof(FdStream), $"Serial port '{_portName}' was closed");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        while (!buffer.IsEmpty)
        {
            var n = TryWrite(buffer);
            if (n > 0)
            {
                buffer = buffer[n..];
            }
            else if (!_poller.WaitBlocking(Posix.POLLOUT))
            {
                throw new ObjectDisposedException(nameof(FdStream), $"Serial port '{_portName}' was closed");
            }
        }
    }

    /// <summary>Bytes go to the driver on every write: nothing to flush (use <see cref="ISerialPort.DrainAsync"/> to wait for the wire).</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _poller.Dispose();
            _fd.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Non-blocking read: byte count (0 = end of stream), or -1 when nothing is available yet.</summary>
    private unsafe int TryRead(Span<byte> buffer)
    {
        using var lease = _fd.Acquire();
        while (true)
        {
            nint n;
            fixed (byte* p = buffer)
            {
                n = LibC.Read(lease.Fd, p, (nuint)buffer.Length);
            }

            if (n >= 0)
            {
                return (int)n;
            }

            var errno = LibC.LastError;
            if (errno == Posix.EINTR)
            {
                continue;
            }

            if (errno == Posix.EAGAIN)
            {
                return -1;
            }

            throw Errno.OperationFailed(_portName, "read", errno);
        }
    }

    /// <summary>Non-blocking write: bytes accepted, or 0 when the output queue is full.</summary>
    private unsafe int TryWrite(ReadOnlySpan<byte> buffer)
    {
        using var lease = _fd.Acquire();
        while (true)
        {
            nint n;
            fixed (byte* p = buffer)
            {
                n = LibC.Write(lease.Fd, p, (nuint)buffer.Length);
            }

            if (n >= 0)
            {
                return (int)n;
            }

            var errno = LibC.LastError;
            if (errno == Posix.EINTR)
            {
                continue;
            }

            if (errno == Posix.EAGAIN)
            {
                return 0;
            }

            throw Errno.OperationFailed(_portName, "write", errno);
        }
    }
}

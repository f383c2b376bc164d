using System.Buffers;
using System.IO.Pipelines;
using PowerWatch.Agent.Inputs.SerialUps;

namespace PowerWatch.Agent.Tests.Inputs.SerialUps;

/// <summary>
/// An in-memory serial link: every write is handed to <c>respond</c>, whose bytes (if any) become readable;
/// <see cref="Inject"/> pushes unsolicited bytes (alerts, noise) at any time. Reads honour cancellation.
/// </summary>
internal sealed class ScriptedLink : ISerialUpsLink
{
    private readonly Pipe _pipe = new();
    private readonly Func<byte[], byte[]?> _respond;
    private readonly Stream _stream;

    public ScriptedLink(Func<byte[], byte[]?> respond)
    {
        _respond = respond;
        _stream = new LinkStream(this);
    }

    public List<byte[]> Written { get; } = [];

    public Stream Stream => _stream;

    public bool Disposed { get; private set; }

    public void Inject(ReadOnlySpan<byte> bytes)
    {
        _pipe.Writer.Write(bytes);
        _pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
    }

    public void Close() => _pipe.Writer.Complete();

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        _pipe.Writer.Complete();
        return ValueTask.CompletedTask;
    }

    private sealed class LinkStream(ScriptedLink link) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var result = await link._pipe.Reader.ReadAsync(cancellationToken);
            if (result.Buffer.IsEmpty && result.IsCompleted)
            {
                return 0;
            }

            var n = (int)Math.Min(buffer.Length, result.Buffer.Length);
            var slice = result.Buffer.Slice(0, n);
            var i = 0;
            foreach (var segment in slice)
            {
                segment.Span.CopyTo(buffer.Span[i..]);
                i += segment.Length;
            }

            link._pipe.Reader.AdvanceTo(slice.End);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var bytes = buffer.ToArray();
            lock (link.Written)
            {
                link.Written.Add(bytes);
            }

            if (link._respond(bytes) is { } reply)
            {
                link.Inject(reply);
            }

            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

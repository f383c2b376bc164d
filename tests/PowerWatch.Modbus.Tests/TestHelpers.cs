using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using PowerWatch.TestSupport;

namespace PowerWatch.Modbus.Tests;

/// <summary>Two connected in-memory streams (a null-modem cable). Disposing one ends the other's reads.</summary>
internal sealed class PipeDuplexStream : Stream
{
    private readonly PipeReader _in;
    private readonly PipeWriter _out;

    private PipeDuplexStream(PipeReader input, PipeWriter output)
    {
        _in = input;
        _out = output;
    }

    public static (PipeDuplexStream A, PipeDuplexStream B) CreatePair()
    {
        var ab = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var ba = new Pipe(new PipeOptions(useSynchronizationContext: false));
        return (new PipeDuplexStream(ba.Reader, ab.Writer), new PipeDuplexStream(ab.Reader, ba.Writer));
    }

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
        var result = await _in.ReadAsync(cancellationToken);
        if (result.Buffer.IsEmpty && result.IsCompleted)
        {
            return 0;
        }

        var n = (int)Math.Min(buffer.Length, result.Buffer.Length);
        result.Buffer.Slice(0, n).CopyTo(buffer.Span);
        _in.AdvanceTo(result.Buffer.GetPosition(n));
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _out.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _out.Complete();
            _in.Complete();
        }

        base.Dispose(disposing);
    }
}

internal static class TestBytes
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary>RTU ADU: address + PDU + CRC.</summary>
    public static byte[] Rtu(byte unit, string pduHex)
    {
        var pdu = Hex(pduHex);
        var adu = new byte[pdu.Length + 3];
        ModbusRtuFramer.Encode(unit, pdu, adu);
        return adu;
    }

    /// <summary>Modbus TCP ADU.</summary>
    public static byte[] Tcp(ushort tid, byte unit, string pduHex)
    {
        var pdu = Hex(pduHex);
        var adu = new byte[pdu.Length + 7];
        ModbusTcpFramer.Encode(tid, unit, pdu, adu);
        return adu;
    }

    public static async Task<byte[]> ReadExactlyAsync(Stream stream, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, cts.Token);
        return buffer;
    }

    /// <summary>
    /// Waits until a condition holds (polling without blocking a thread; bounded at 10 s of real time);
    /// fails the test otherwise. Used to wait for code under test to reach a state, never to let time pass.
    /// </summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what) =>
        Poll.UntilAsync(condition, TimeSpan.FromSeconds(10), () => what);
}

/// <summary>A raw TCP peer on loopback (port 0) for hand-written replies.</summary>
internal sealed class RawTcpPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public RawTcpPeer()
    {
        _listener.Start();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public async Task<Socket> AcceptAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _listener.AcceptSocketAsync(cts.Token);
    }

    public static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            got += n;
        }

        return buffer;
    }

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}

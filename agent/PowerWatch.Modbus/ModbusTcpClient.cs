using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace PowerWatch.Modbus;

/// <summary>
/// Modbus TCP client (MBAP, SPEC §1.2). Connects lazily on the first request and again after any drop or
/// failed attempt (a timed-out or garbled connection is closed, so a late reply can never be taken for the
/// next request's). Transaction ids increment per attempt and wrap 65535 → 0; a reply with another
/// transaction id, a protocol id other than 0 or another unit id is rejected.
/// </summary>
public sealed class ModbusTcpClient : ModbusClient
{
    private readonly EndPoint _endPoint;
    private readonly byte[] _tx = new byte[ModbusLimits.MaxTcpAduLength];
    private readonly byte[] _rx = new byte[ModbusLimits.MaxTcpAduLength];
    private Socket? _socket;
    private ushort _transactionId;
    private long _lastExchange = -1;

    public ModbusTcpClient(string host, int port, ModbusClientOptions? options = null)
        : this(IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port), options)
    {
    }

    public ModbusTcpClient(EndPoint endPoint, ModbusClientOptions? options = null)
        : base(options)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        _endPoint = endPoint;
    }

    /// <summary>The transaction id the next request will carry.</summary>
    public ushort NextTransactionId
    {
        get => unchecked((ushort)(_transactionId + 1));
        set => _transactionId = unchecked((ushort)(value - 1));
    }

    /// <summary>True while a connection is open.</summary>
    public bool IsConnected => _socket is not null;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private protected override async ValueTask<int> ExchangeAsync(byte unitId, ReadOnlyMemory<byte> requestPdu, Memory<byte> responsePdu, CancellationToken ct)
    {
        var socket = _socket ?? await ConnectAsync(ct);
        var gap = Options.InterFrameGap ?? TimeSpan.Zero;
        if (gap > TimeSpan.Zero && _lastExchange >= 0)
        {
            var elapsed = Options.TimeProvider.GetElapsedTime(_lastExchange);
            if (elapsed < gap)
            {
                await Task.Delay(gap - elapsed, Options.TimeProvider, ct);
            }
        }

        var tid = unchecked(++_transactionId);
        var length = ModbusTcpFramer.Encode(tid, unitId, requestPdu.Span, _tx);
        await socket.SendAsync(_tx.AsMemory(0, length), SocketFlags.None, ct);

        var received = 0;
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_rx, 0, received);
            if (ModbusTcpFramer.TryDecode(ref sequence, out var frame))
            {
                if (frame.TransactionId != tid)
                {
                    throw new ModbusProtocolException(ModbusProtocolError.WrongTransactionId, $"reply transaction id {frame.TransactionId}, expected {tid}");
                }

                if (frame.UnitId != unitId)
                {
                    throw new ModbusProtocolException(ModbusProtocolError.WrongUnitId, $"reply unit id {frame.UnitId}, expected {unitId}");
                }

                if (sequence.Length != 0)
                {
                    throw new ModbusProtocolException(ModbusProtocolError.FrameTooLong, $"{sequence.Length} unexpected bytes after the reply");
                }

                frame.Pdu.CopyTo(responsePdu.Span);
                _lastExchange = Options.TimeProvider.GetTimestamp();
                return (int)frame.Pdu.Length;
            }

            var n = await socket.ReceiveAsync(_rx.AsMemory(received), SocketFlags.None, ct);
            if (n == 0)
            {
                throw received == 0
                    ? new ModbusProtocolException(ModbusProtocolError.ConnectionClosed, "the server closed the connection")
                    : new ModbusProtocolException(ModbusProtocolError.TruncatedFrame, $"the server closed the connection after {received} bytes of a reply");
            }

            received += n;
            BytesReceived = received;
        }
    }

    private protected override ValueTask ResetAsync()
    {
        CloseSocket();
        return ValueTask.CompletedTask;
    }

    private protected override ValueTask DisposeTransportAsync()
    {
        CloseSocket();
        return ValueTask.CompletedTask;
    }

    private async ValueTask<Socket> ConnectAsync(CancellationToken ct)
    {
        var socket = await TcpConnector.ConnectAsync(_endPoint, ct);
        _socket = socket;
        Statistics.AddConnect();
        if (Options.ConnectDelay > TimeSpan.Zero)
        {
            await Task.Delay(Options.ConnectDelay, Options.TimeProvider, ct);
        }

        return socket;
    }

    private void CloseSocket()
    {
        var socket = _socket;
        _socket = null;
        socket?.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;

namespace PowerWatch.Modbus;

/// <summary>
/// Modbus RTU client over a <see cref="Stream"/> (a serial port, a pty). <see cref="ModbusSerialLine"/> sets the
/// timing: the reply ends at the length implied by the function code; silence longer than t1.5 inside a reply is
/// an error; t3.5 of silence is kept before every request. Input left over from a failed exchange is discarded
/// (and counted as garbage) before the next request. Broadcast (unit 0) writes get no reply; the client waits
/// <see cref="ModbusClientOptions.TurnaroundDelay"/>.
/// </summary>
public sealed class ModbusRtuClient : ModbusClient
{
    private readonly StreamLink _link;
    private readonly SerialExchange _exchange;
    private readonly Action<int> _progress;

    public ModbusRtuClient(Stream stream, ModbusSerialLine line, ModbusClientOptions? options = null, bool leaveOpen = false)
        : base(options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(line);
        Line = line;
        _exchange = new SerialExchange(false, Options.InterFrameGap ?? line.T35, Options.InterCharacterTimeout ?? line.T15, Options, Statistics);
        _link = new StreamLink(stream, !leaveOpen);
        _progress = n => BytesReceived = n;
    }

    public ModbusSerialLine Line { get; }

    /// <summary>The silence kept before each request (t3.5 unless configured).</summary>
    public TimeSpan InterFrameGap => _exchange.InterFrameGap;

    /// <summary>The largest silence accepted inside a reply (t1.5 unless configured).</summary>
    public TimeSpan InterCharacterTimeout => _exchange.InterCharacterTimeout;

    private protected override ValueTask<int> ExchangeAsync(byte unitId, ReadOnlyMemory<byte> requestPdu, Memory<byte> responsePdu, CancellationToken ct) =>
        _exchange.ExchangeAsync(_link, unitId, requestPdu, responsePdu, _progress, ct);

    private protected override ValueTask ResetAsync() => ValueTask.CompletedTask;

    private protected override ValueTask DisposeTransportAsync() => _link.DisposeAsync();
}

/// <summary>
/// Modbus ASCII client over a <see cref="Stream"/>: ':' + hex + LRC + CR LF. Characters before ':' are skipped
/// and counted; a reply that stops for longer than <see cref="ModbusClientOptions.InterCharacterTimeout"/>
/// (default 1 s) is truncated.
/// </summary>
public sealed class ModbusAsciiClient : ModbusClient
{
    private readonly StreamLink _link;
    private readonly SerialExchange _exchange;
    private readonly Action<int> _progress;

    public ModbusAsciiClient(Stream stream, ModbusClientOptions? options = null, bool leaveOpen = false)
        : base(options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _exchange = new SerialExchange(true, Options.InterFrameGap ?? TimeSpan.Zero, Options.InterCharacterTimeout ?? TimeSpan.FromSeconds(1), Options, Statistics);
        _link = new StreamLink(stream, !leaveOpen);
        _progress = n => BytesReceived = n;
    }

    private protected override ValueTask<int> ExchangeAsync(byte unitId, ReadOnlyMemory<byte> requestPdu, Memory<byte> responsePdu, CancellationToken ct) =>
        _exchange.ExchangeAsync(_link, unitId, requestPdu, responsePdu, _progress, ct);

    private protected override ValueTask ResetAsync() => ValueTask.CompletedTask;

    private protected override ValueTask DisposeTransportAsync() => _link.DisposeAsync();
}

/// <summary>
/// RTU frames over a TCP connection (serial device servers in "raw" mode). Same framing as
/// <see cref="ModbusRtuClient"/>; no inter-frame gap by default and a 100 ms inter-character limit (network
/// jitter). Connects lazily; the connection is closed after a failed attempt and reopened on the next.
/// </summary>
public sealed class ModbusRtuOverTcpClient : ModbusClient
{
    private readonly EndPoint _endPoint;
    private readonly SerialExchange _exchange;
    private readonly Action<int> _progress;
    private StreamLink? _link;

    public ModbusRtuOverTcpClient(string host, int port, ModbusClientOptions? options = null)
        : this(IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port), options)
    {
    }

    public ModbusRtuOverTcpClient(EndPoint endPoint, ModbusClientOptions? options = null)
        : base(options)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        _endPoint = endPoint;
        _exchange = new SerialExchange(false, Options.InterFrameGap ?? TimeSpan.Zero, Options.InterCharacterTimeout ?? TimeSpan.FromMilliseconds(100), Options, Statistics);
        _progress = n => BytesReceived = n;
    }

    private protected override async ValueTask<int> ExchangeAsync(byte unitId, ReadOnlyMemory<byte> requestPdu, Memory<byte> responsePdu, CancellationToken ct)
    {
        _link ??= await ConnectAsync(ct);
        return await _exchange.ExchangeAsync(_link, unitId, requestPdu, responsePdu, _progress, ct);
    }

    private protected override async ValueTask ResetAsync()
    {
        var link = _link;
        _link = null;
        if (link is not null)
        {
            await link.DisposeAsync();
        }
    }

    private protected override ValueTask DisposeTransportAsync() => ResetAsync();

    private async ValueTask<StreamLink> ConnectAsync(CancellationToken ct)
    {
        var socket = await TcpConnector.ConnectAsync(_endPoint, ct);
        Statistics.AddConnect();
        var link = new StreamLink(new NetworkStream(socket, ownsSocket: true), ownsStream: true);
        if (Options.ConnectDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Options.ConnectDelay, Options.TimeProvider, ct);
            }
            catch
            {
                await link.DisposeAsync();
                throw;
            }
        }

        return link;
    }
}

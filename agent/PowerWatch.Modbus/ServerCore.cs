using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace PowerWatch.Modbus;

/// <summary>Shared server logic: handle one framed request, apply the fault, send. Also the framed read loops.</summary>
internal sealed class ServerCore
{
    private readonly IModbusRequestHandler _handler;
    private readonly ModbusServerOptions _options;
    private readonly ModbusServerStatistics _statistics;

    public ServerCore(IModbusRequestHandler handler, ModbusServerOptions options, ModbusServerStatistics statistics)
    {
        _handler = handler;
        _options = options;
        _statistics = statistics;
    }

    private TimeProvider Time => _options.TimeProvider;

    /// <summary>Handles one request; returns false when the connection must be closed.</summary>
    public async ValueTask<bool> HandleAsync(ModbusServerTransport transport, byte unitId, ushort transactionId, ReadOnlyMemory<byte> requestPdu, ModbusSerialLine? line, StreamLink link, CancellationToken ct)
    {
        var number = _statistics.AddRequest();
        var response = new ArrayBufferWriter<byte>(ModbusLimits.MaxPduLength);
        bool reply;
        try
        {
            reply = _handler.TryHandle(unitId, requestPdu.Span, response);
        }
#pragma warning disable CA1031 // A failing handler must not take the server down: the device answers 04 (server device failure).
        catch (Exception)
#pragma warning restore CA1031
        {
            _statistics.AddHandlerFailure();
            response.Clear();
            ModbusPdu.WriteExceptionResponse(response, requestPdu.IsEmpty ? (byte)0 : requestPdu.Span[0], ModbusExceptionCode.ServerDeviceFailure);
            reply = true;
        }

        var serial = transport != ModbusServerTransport.Tcp;
        if (!reply || response.WrittenCount == 0 || (serial && unitId == ModbusLimits.BroadcastUnitId))
        {
            return true;
        }

        var fault = _options.FaultInjector?.Decide(new ModbusFaultContext(transport, unitId, transactionId, requestPdu.ToArray(), number));
        if (fault is { CloseConnection: true })
        {
            return false;
        }

        if (fault is { NoReply: true })
        {
            return true;
        }

        ReadOnlySpan<byte> pdu = response.WrittenSpan;
        var exception = new byte[2];
        if (fault is { ExceptionCode: not ModbusExceptionCode.None })
        {
            exception[0] = (byte)(requestPdu.Span[0] | 0x80);
            exception[1] = (byte)fault.ExceptionCode;
            pdu = exception;
        }

        var sendUnit = fault?.UnitId ?? unitId;
        var adu = new byte[ModbusLimits.MaxAsciiFrameLength];
        int length;
        switch (transport)
        {
            case ModbusServerTransport.Tcp:
                length = ModbusTcpFramer.Encode(fault?.TransactionId ?? transactionId, sendUnit, pdu, adu);
                if (fault is { CorruptChecksum: true })
                {
                    adu[length - 1] ^= 0xFF;
                }

                break;
            case ModbusServerTransport.Ascii:
                length = ModbusAsciiFramer.Encode(sendUnit, pdu, adu);
                if (fault is { CorruptChecksum: true })
                {
                    // LRC digits are the two characters before CR LF; change the low digit.
                    adu[length - 3] = adu[length - 3] == (byte)'0' ? (byte)'1' : (byte)'0';
                }

                break;
            default:
                length = ModbusRtuFramer.Encode(sendUnit, pdu, adu);
                if (fault is { CorruptChecksum: true })
                {
                    adu[length - 2] ^= 0x5A;
                }

                break;
        }

        ReadOnlyMemory<byte> body = adu.AsMemory(0, fault?.TruncateTo is { } cut ? Math.Clamp(cut, 0, length) : length);
        if (fault is not null && (!fault.Prepend.IsEmpty || !fault.Append.IsEmpty))
        {
            var joined = new byte[fault.Prepend.Length + body.Length + fault.Append.Length];
            fault.Prepend.CopyTo(joined);
            body.CopyTo(joined.AsMemory(fault.Prepend.Length));
            fault.Append.CopyTo(joined.AsMemory(fault.Prepend.Length + body.Length));
            body = joined;
        }

        var delay = fault?.Delay ?? TimeSpan.Zero;
        if (_options.EmulateLineTiming && line is not null)
        {
            var requestBytes = transport == ModbusServerTransport.Ascii ? 5 + (2 * (requestPdu.Length + 2)) : requestPdu.Length + 3;
            delay += line.WireTime(requestBytes) + line.T35 + line.WireTime(body.Length);
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, Time, ct);
        }

        var drip = fault?.ByteDelay ?? TimeSpan.Zero;
        if (drip > TimeSpan.Zero)
        {
            for (var i = 0; i < body.Length; i++)
            {
                if (i > 0)
                {
                    await Task.Delay(drip, Time, ct);
                }

                await link.WriteAsync(body.Slice(i, 1), ct);
            }
        }
        else if (!body.IsEmpty)
        {
            await link.WriteAsync(body, ct);
        }

        _statistics.AddReply();
        return true;
    }

    /// <summary>Serves MBAP frames until the link ends, a fault closes it, or a header is invalid.</summary>
    public async Task ServeTcpAsync(StreamLink link, CancellationToken ct)
    {
        var reader = link.Input;
        var pdu = new byte[ModbusLimits.MaxPduLength];
        while (!ct.IsCancellationRequested)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            try
            {
                while (true)
                {
                    var foreign = SkipForeignProtocol(ref buffer);
                    if (foreign == ForeignFrame.Skipped)
                    {
                        continue;
                    }

                    if (foreign == ForeignFrame.Incomplete)
                    {
                        break;
                    }

                    if (!ModbusTcpFramer.TryDecode(ref buffer, out var frame))
                    {
                        break;
                    }

                    var n = (int)frame.Pdu.Length;
                    frame.Pdu.CopyTo(pdu);
                    if (!await HandleAsync(ModbusServerTransport.Tcp, frame.UnitId, frame.TransactionId, pdu.AsMemory(0, n), null, link, ct))
                    {
                        return;
                    }
                }
            }
            catch (ModbusProtocolException)
            {
                // Invalid MBAP length: the stream cannot be resynchronised.
                _statistics.AddMalformed();
                _statistics.AddGarbage(buffer.Length);
                return;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Serves RTU frames (serial line or RTU over TCP).</summary>
    public async Task ServeRtuAsync(StreamLink link, ModbusServerTransport transport, TimeSpan silence, ModbusSerialLine? line, CancellationToken ct)
    {
        var reader = link.Input;
        var rx = new byte[4 * ModbusLimits.MaxRtuAduLength];
        var pdu = new byte[ModbusLimits.MaxPduLength];
        var count = 0;
        while (!ct.IsCancellationRequested)
        {
            var read = count == 0 ? await reader.ReadAsync(ct) : await ReadWithinAsync(reader, silence, ct);
            if (read is not { } result)
            {
                // Silence: a frame of unknown length ends here, or what we hold is garbage.
                var whole = new ReadOnlySequence<byte>(rx, 0, count);
                if (ModbusRtuFramer.TryDecodeWhole(whole, out var frame))
                {
                    var n = (int)frame.Pdu.Length;
                    frame.Pdu.CopyTo(pdu);
                    count = 0;
                    if (!await HandleAsync(transport, frame.UnitId, 0, pdu.AsMemory(0, n), line, link, ct))
                    {
                        return;
                    }
                }
                else
                {
                    _statistics.AddMalformed();
                    _statistics.AddGarbage(count);
                    count = 0;
                }

                continue;
            }

            var buffer = result.Buffer;
            var take = (int)Math.Min(buffer.Length, rx.Length - count);
            buffer.Slice(0, take).CopyTo(rx.AsSpan(count));
            count += take;
            reader.AdvanceTo(buffer.GetPosition(take));
            while (count > 0)
            {
                var sequence = new ReadOnlySequence<byte>(rx, 0, count);
                if (!ModbusRtuFramer.TryDecodeRequest(ref sequence, out var frame, out var skipped))
                {
                    break;
                }

                if (skipped > 0)
                {
                    _statistics.AddGarbage(skipped);
                }

                var n = (int)frame.Pdu.Length;
                frame.Pdu.CopyTo(pdu);
                var remaining = (int)sequence.Length;
                rx.AsSpan(count - remaining, remaining).CopyTo(rx);
                count = remaining;
                if (!await HandleAsync(transport, frame.UnitId, 0, pdu.AsMemory(0, n), line, link, ct))
                {
                    return;
                }
            }

            if (count == rx.Length)
            {
                _statistics.AddMalformed();
                _statistics.AddGarbage(count);
                count = 0;
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Serves ASCII frames; bad frames (LRC, characters) are dropped without reply.</summary>
    public async Task ServeAsciiAsync(StreamLink link, ModbusSerialLine? line, CancellationToken ct)
    {
        var reader = link.Input;
        var pdu = new byte[ModbusLimits.MaxPduLength];
        while (!ct.IsCancellationRequested)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            while (true)
            {
                ModbusFrame frame;
                int skipped;
                bool complete;
                try
                {
                    complete = ModbusAsciiFramer.TryDecode(ref buffer, pdu, out frame, out skipped);
                }
                catch (ModbusProtocolException)
                {
                    _statistics.AddMalformed();
                    continue;
                }

                if (skipped > 0)
                {
                    _statistics.AddGarbage(skipped);
                }

                if (!complete)
                {
                    break;
                }

                if (!await HandleAsync(ModbusServerTransport.Ascii, frame.UnitId, 0, pdu.AsMemory(0, (int)frame.Pdu.Length), line, link, ct))
                {
                    return;
                }
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private enum ForeignFrame
    {
        No,
        Skipped,
        Incomplete,
    }

    private ForeignFrame SkipForeignProtocol(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < ModbusLimits.MbapHeaderLength)
        {
            return ForeignFrame.No;
        }

        Span<byte> header = stackalloc byte[ModbusLimits.MbapHeaderLength];
        buffer.Slice(0, ModbusLimits.MbapHeaderLength).CopyTo(header);
        var protocol = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        if (protocol == 0 || length < 2 || length > ModbusLimits.MaxPduLength + 1)
        {
            return ForeignFrame.No;
        }

        if (buffer.Length < 6 + length)
        {
            return ForeignFrame.Incomplete;
        }

        // A frame of another protocol on the Modbus port: dropped without reply.
        _statistics.AddMalformed();
        buffer = buffer.Slice(6 + length);
        return ForeignFrame.Skipped;
    }

    private async ValueTask<ReadResult?> ReadWithinAsync(PipeReader reader, TimeSpan limit, CancellationToken ct)
    {
        using var silence = new CancellationTokenSource(limit, Time);
        await using var registration = ct.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), silence);
        try
        {
            return await reader.ReadAsync(silence.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }
}

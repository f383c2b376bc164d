using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace PowerWatch.Modbus;

/// <summary>Client side of RTU or ASCII framing over a <see cref="StreamLink"/> (serial line or TCP socket).</summary>
internal sealed class SerialExchange
{
    private const int RxCapacity = 2 * ModbusLimits.MaxAsciiFrameLength;
    private readonly bool _ascii;
    private readonly TimeProvider _time;
    private readonly ModbusClientStatistics _statistics;
    private readonly TimeSpan _interFrameGap;
    private readonly TimeSpan _interCharacterTimeout;
    private readonly TimeSpan _turnaroundDelay;
    private readonly byte[] _tx = new byte[ModbusLimits.MaxAsciiFrameLength];
    private readonly byte[] _rx = new byte[RxCapacity];
    private readonly byte[] _asciiPdu = new byte[ModbusLimits.MaxPduLength];
    private long _lastActivity = -1;

    public SerialExchange(bool ascii, TimeSpan interFrameGap, TimeSpan interCharacterTimeout, ModbusClientOptions options, ModbusClientStatistics statistics)
    {
        _ascii = ascii;
        _interFrameGap = interFrameGap;
        _interCharacterTimeout = interCharacterTimeout;
        _turnaroundDelay = options.TurnaroundDelay;
        _time = options.TimeProvider;
        _statistics = statistics;
    }

    public TimeSpan InterFrameGap => _interFrameGap;

    public TimeSpan InterCharacterTimeout => _interCharacterTimeout;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ExchangeAsync(StreamLink link, byte unitId, ReadOnlyMemory<byte> requestPdu, Memory<byte> responsePdu, Action<int> progress, CancellationToken ct)
    {
        var reader = link.Input;
        Drain(reader);
        if (_lastActivity >= 0 && _interFrameGap > TimeSpan.Zero)
        {
            var elapsed = _time.GetElapsedTime(_lastActivity);
            if (elapsed < _interFrameGap)
            {
                await Task.Delay(_interFrameGap - elapsed, _time, ct);
            }
        }

        var length = _ascii ? ModbusAsciiFramer.Encode(unitId, requestPdu.Span, _tx) : ModbusRtuFramer.Encode(unitId, requestPdu.Span, _tx);
        await link.WriteAsync(_tx.AsMemory(0, length), ct);
        _lastActivity = _time.GetTimestamp();
        if (unitId == ModbusLimits.BroadcastUnitId)
        {
            if (_turnaroundDelay > TimeSpan.Zero)
            {
                await Task.Delay(_turnaroundDelay, _time, ct);
            }

            Drain(reader);
            _lastActivity = _time.GetTimestamp();
            return 0;
        }

        var function = (ModbusFunctionCode)requestPdu.Span[0];
        var count = 0;
        while (true)
        {
            ReadResult? read = count == 0 || _ascii && _interCharacterTimeout <= TimeSpan.Zero
                ? await reader.ReadAsync(ct)
                : await ReadWithinAsync(reader, _interCharacterTimeout, ct);
            if (read is not { } result)
            {
                // Silence inside a frame (t1.5 for RTU, the inter-character limit for ASCII).
                if (_ascii)
                {
                    throw new ModbusProtocolException(ModbusProtocolError.TruncatedFrame, $"ASCII reply stopped after {count} characters");
                }

                var rest = _interFrameGap - _interCharacterTimeout;
                if (rest > TimeSpan.Zero && await ReadWithinAsync(reader, rest, ct) is { } late)
                {
                    reader.AdvanceTo(late.Buffer.End);
                    _statistics.AddGarbage(count + late.Buffer.Length);
                    throw new ModbusProtocolException(ModbusProtocolError.InterCharacterGap, $"silence longer than {_interCharacterTimeout.TotalMilliseconds:0.###} ms inside a reply after {count} bytes");
                }

                var kind = ModbusRtuFramer.ClassifyIncompleteResponse(new ReadOnlySequence<byte>(_rx, 0, count), unitId, function);
                _statistics.AddGarbage(count);
                throw new ModbusProtocolException(kind, $"no valid reply of unit {unitId} to function {(byte)function:X2} in {count} bytes before silence");
            }

            var buffer = result.Buffer;
            var take = (int)Math.Min(buffer.Length, RxCapacity - count);
            buffer.Slice(0, take).CopyTo(_rx.AsSpan(count));
            count += take;
            reader.AdvanceTo(buffer.GetPosition(take));
            progress(count);

            var sequence = new ReadOnlySequence<byte>(_rx, 0, count);
            if (_ascii)
            {
                ModbusFrame frame;
                int skipped;
                bool complete;
                try
                {
                    complete = ModbusAsciiFramer.TryDecode(ref sequence, _asciiPdu, out frame, out skipped);
                }
                catch (ModbusProtocolException)
                {
                    _statistics.AddGarbage(count);
                    throw;
                }

                if (complete)
                {
                    _statistics.AddGarbage(skipped + sequence.Length);
                    _lastActivity = _time.GetTimestamp();
                    if (frame.UnitId != unitId)
                    {
                        throw new ModbusProtocolException(ModbusProtocolError.WrongUnitId, $"reply from unit {frame.UnitId}, expected {unitId}");
                    }

                    frame.Pdu.CopyTo(responsePdu.Span);
                    return (int)frame.Pdu.Length;
                }

                if (skipped > 0)
                {
                    // Drop garbage before ':' from the accumulation buffer.
                    _statistics.AddGarbage(skipped);
                    var remaining = (int)sequence.Length;
                    _rx.AsSpan(count - remaining, remaining).CopyTo(_rx);
                    count = remaining;
                }
            }
            else if (ModbusRtuFramer.TryDecodeResponse(ref sequence, unitId, function, out var frame, out var skipped))
            {
                _statistics.AddGarbage(skipped + sequence.Length);
                _lastActivity = _time.GetTimestamp();
                frame.Pdu.CopyTo(responsePdu.Span);
                return (int)frame.Pdu.Length;
            }

            if (result.IsCompleted)
            {
                _statistics.AddGarbage(count);
                throw count == 0
                    ? new ModbusProtocolException(ModbusProtocolError.ConnectionClosed, "the link closed")
                    : new ModbusProtocolException(ModbusProtocolError.TruncatedFrame, $"the link closed after {count} bytes of a reply");
            }

            if (count >= RxCapacity)
            {
                _statistics.AddGarbage(count);
                throw new ModbusProtocolException(ModbusProtocolError.FrameTooLong, $"{count} bytes without a valid reply");
            }
        }
    }

    private void Drain(PipeReader reader)
    {
        while (reader.TryRead(out var result))
        {
            _statistics.AddGarbage(result.Buffer.Length);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new ModbusProtocolException(ModbusProtocolError.ConnectionClosed, "the link is closed");
            }

            if (result.Buffer.IsEmpty)
            {
                break;
            }
        }
    }

    /// <summary>Reads with a silence limit; null when nothing arrived in time.</summary>
    private async ValueTask<ReadResult?> ReadWithinAsync(PipeReader reader, TimeSpan limit, CancellationToken ct)
    {
        using var silence = new CancellationTokenSource(limit, _time);
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

using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PowerWatch.Modbus;

/// <summary>
/// Shared request logic of every client: request encoding, reply validation, timeouts through the
/// <see cref="ModbusClientOptions.TimeProvider"/>, retries, statistics. Calls are serialized by a semaphore,
/// so one client has at most one request outstanding (on TCP too: no pipelining; run several clients for more).
/// Transports are the sealed subclasses.
/// </summary>
public abstract class ModbusClient : IModbusClient
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _request = new byte[ModbusLimits.MaxPduLength];
    private readonly byte[] _response = new byte[ModbusLimits.MaxPduLength];
    private CancellationTokenSource _attemptCts;
    private bool _disposed;

    private protected ModbusClient(ModbusClientOptions? options)
    {
        Options = options ?? new ModbusClientOptions();
        Options.Validate();
        _attemptCts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, Options.TimeProvider);
    }

    public ModbusClientOptions Options { get; }

    public ModbusClientStatistics Statistics { get; } = new();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool[]> ReadCoilsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default)
    {
        var result = new bool[count];
        await ReadBitsAsync(ModbusFunctionCode.ReadCoils, unitId, start, result, ct);
        return result;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool[]> ReadDiscreteInputsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default)
    {
        var result = new bool[count];
        await ReadBitsAsync(ModbusFunctionCode.ReadDiscreteInputs, unitId, start, result, ct);
        return result;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ushort[]> ReadHoldingRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default)
    {
        var result = new ushort[count];
        await ReadRegistersAsync(ModbusFunctionCode.ReadHoldingRegisters, unitId, start, result, ct);
        return result;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ushort[]> ReadInputRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default)
    {
        var result = new ushort[count];
        await ReadRegistersAsync(ModbusFunctionCode.ReadInputRegisters, unitId, start, result, ct);
        return result;
    }

    public ValueTask ReadHoldingRegistersAsync(byte unitId, ushort start, Memory<ushort> destination, CancellationToken ct = default) =>
        ReadRegistersAsync(ModbusFunctionCode.ReadHoldingRegisters, unitId, start, destination, ct);

    public ValueTask ReadInputRegistersAsync(byte unitId, ushort start, Memory<ushort> destination, CancellationToken ct = default) =>
        ReadRegistersAsync(ModbusFunctionCode.ReadInputRegisters, unitId, start, destination, ct);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken ct = default)
    {
        await EnterAsync(ct);
        try
        {
            var length = ModbusPdu.WriteSingleCoilRequest(_request, address, value);
            await ExecuteAsync(unitId, length, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken ct = default)
    {
        await EnterAsync(ct);
        try
        {
            var length = ModbusPdu.WriteSingleRegisterRequest(_request, address, value);
            await ExecuteAsync(unitId, length, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask WriteMultipleCoilsAsync(byte unitId, ushort start, ReadOnlyMemory<bool> values, CancellationToken ct = default)
    {
        await EnterAsync(ct);
        try
        {
            var length = ModbusPdu.WriteMultipleCoilsRequest(_request, start, values.Span);
            await ExecuteAsync(unitId, length, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteMultipleRegistersAsync(byte unitId, ushort start, ReadOnlyMemory<ushort> values, CancellationToken ct = default)
    {
        await EnterAsync(ct);
        try
        {
            var length = ModbusPdu.WriteMultipleRegistersRequest(_request, start, values.Span);
            await ExecuteAsync(unitId, length, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ushort[]> ReadWriteMultipleRegistersAsync(byte unitId, ushort readStart, ushort readCount, ushort writeStart, ReadOnlyMemory<ushort> values, CancellationToken ct = default)
    {
        var result = new ushort[readCount];
        await EnterAsync(ct);
        try
        {
            var length = ModbusPdu.WriteReadWriteMultipleRegistersRequest(_request, readStart, readCount, writeStart, values.Span);
            var n = await ExecuteAsync(unitId, length, ct);
            ModbusPdu.ReadRegistersResponse(_response.AsSpan(0, n), ModbusFunctionCode.ReadWriteMultipleRegisters, result);
        }
        finally
        {
            _gate.Release();
        }

        return result;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<DeviceIdentification> ReadDeviceIdentificationAsync(byte unitId, DeviceIdCategory category = DeviceIdCategory.Basic, byte objectId = 0, CancellationToken ct = default)
    {
        if (unitId == ModbusLimits.BroadcastUnitId)
        {
            throw new ArgumentOutOfRangeException(nameof(unitId), "a read cannot be broadcast");
        }

        var objects = new List<DeviceIdObject>();
        byte conformity = 0;
        var next = objectId;
        var seen = new HashSet<byte>();
        await EnterAsync(ct);
        try
        {
            for (var page = 0; page < 256; page++)
            {
                var length = ModbusPdu.WriteDeviceIdentificationRequest(_request, category, next);
                var n = await ExecuteAsync(unitId, length, ct);
                var reply = ModbusPdu.ReadDeviceIdentificationResponse(_response.AsSpan(0, n));
                conformity = reply.ConformityLevel;
                objects.AddRange(reply.Objects);
                if (category == DeviceIdCategory.Specific || !reply.MoreFollows)
                {
                    return new DeviceIdentification(conformity, objects);
                }

                if (!seen.Add(reply.NextObjectId) || reply.Objects.Count == 0)
                {
                    throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, $"device identification does not progress (next object {reply.NextObjectId:X2})");
                }

                next = reply.NextObjectId;
            }

            throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, "device identification did not finish within 256 pages");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            await DisposeTransportAsync();
            _attemptCts.Dispose();
        }
        finally
        {
            _gate.Release();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Sends <paramref name="requestPdu"/> to <paramref name="unitId"/> and returns the reply PDU length written into
    /// <paramref name="responsePdu"/> (0 for a broadcast that gets no reply). Throws <see cref="ModbusProtocolException"/>
    /// for framing problems, <see cref="OperationCanceledException"/> on <paramref name="ct"/>.
    /// </summary>
    private protected abstract ValueTask<int> ExchangeAsync(byte unitId, ReadOnlyMemory<byte> requestPdu, Memory<byte> responsePdu, CancellationToken ct);

    /// <summary>Called after a failed attempt: close a TCP connection, forget partial serial input, and so on.</summary>
    private protected abstract ValueTask ResetAsync();

    private protected abstract ValueTask DisposeTransportAsync();

    /// <summary>Bytes received in the current attempt (for timeout reports).</summary>
    private protected int BytesReceived { get; set; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadRegistersAsync(ModbusFunctionCode function, byte unitId, ushort start, Memory<ushort> destination, CancellationToken ct)
    {
        CheckReadUnit(unitId);
        await EnterAsync(ct);
        try
        {
            var length = ModbusPdu.WriteReadRequest(_request, function, start, destination.Length);
            var n = await ExecuteAsync(unitId, length, ct);
            ModbusPdu.ReadRegistersResponse(_response.AsSpan(0, n), function, destination.Span);
        }
        finally
        {
            _gate.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadBitsAsync(ModbusFunctionCode function, byte unitId, ushort start, Memory<bool> destination, CancellationToken ct)
    {
        CheckReadUnit(unitId);
        await EnterAsync(ct);
        try
        {
            var length = ModbusPdu.WriteReadRequest(_request, function, start, destination.Length);
            var n = await ExecuteAsync(unitId, length, ct);
            ModbusPdu.ReadBitsResponse(_response.AsSpan(0, n), function, destination.Span);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void CheckReadUnit(byte unitId)
    {
        if (unitId == ModbusLimits.BroadcastUnitId)
        {
            throw new ArgumentOutOfRangeException(nameof(unitId), "a read cannot be broadcast (unit 0)");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask EnterAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(ct);
        if (_disposed)
        {
            _gate.Release();
            throw new ObjectDisposedException(GetType().Name);
        }
    }

    /// <summary>Runs attempts until a valid reply, an exception reply, cancellation, or the retries are used up.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ExecuteAsync(byte unitId, int requestLength, CancellationToken ct)
    {
        Statistics.AddRequest();
        for (var attempt = 0; ; attempt++)
        {
            ModbusCommunicationException error;
            if (!_attemptCts.TryReset())
            {
                _attemptCts.Dispose();
                _attemptCts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, Options.TimeProvider);
            }

            var attemptCts = _attemptCts;
            attemptCts.CancelAfter(Options.Timeout);
            var registration = ct.CanBeCanceled
                ? ct.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), attemptCts)
                : default;
            BytesReceived = 0;
            try
            {
                var n = await ExchangeAsync(unitId, _request.AsMemory(0, requestLength), _response, attemptCts.Token);
                if (n == 0 && unitId == ModbusLimits.BroadcastUnitId)
                {
                    return 0;
                }

                ValidateReply(_request.AsSpan(0, requestLength), _response.AsSpan(0, n));
                return n;
            }
            catch (ModbusException)
            {
                Statistics.AddExceptionReply();
                throw;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await ResetAsync();
                throw;
            }
            catch (OperationCanceledException)
            {
                Statistics.AddTimeout();
                error = new ModbusTimeoutException(BytesReceived == 0
                    ? $"no reply from unit {unitId} within {Options.Timeout.TotalMilliseconds} ms"
                    : $"partial reply ({BytesReceived} bytes) from unit {unitId} within {Options.Timeout.TotalMilliseconds} ms")
                {
                    BytesReceived = BytesReceived,
                };
            }
            catch (ModbusTimeoutException e)
            {
                Statistics.AddTimeout();
                error = e;
            }
            catch (ModbusProtocolException e)
            {
                Statistics.AddProtocolError();
                error = e;
            }
            catch (ModbusConnectionException e)
            {
                error = e;
            }
            catch (IOException e)
            {
                Statistics.AddProtocolError();
                error = new ModbusProtocolException(ModbusProtocolError.ConnectionClosed, e.Message, e);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                Statistics.AddProtocolError();
                error = new ModbusProtocolException(ModbusProtocolError.ConnectionClosed, e.Message, e);
            }
            finally
            {
                await registration.DisposeAsync();
            }

            await ResetAsync();
            if (attempt >= Options.Retries)
            {
                throw error;
            }

            Statistics.AddRetry();
        }
    }

    private static void ValidateReply(ReadOnlySpan<byte> request, ReadOnlySpan<byte> reply)
    {
        var function = (ModbusFunctionCode)request[0];
        switch (function)
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs:
                {
                    ModbusPdu.ThrowIfException(reply, function);
                    var expected = (BinaryPrimitives.ReadUInt16BigEndian(request[3..]) + 7) / 8;
                    if (reply.Length < 2 || reply[1] != expected || reply.Length != 2 + expected)
                    {
                        throw new ModbusProtocolException(ModbusProtocolError.WrongByteCount, $"bit reply byte count does not match {expected}");
                    }

                    break;
                }

            case ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters:
                {
                    ModbusPdu.ThrowIfException(reply, function);
                    var expected = 2 * BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
                    if (reply.Length < 2 || reply[1] != expected || reply.Length != 2 + expected)
                    {
                        throw new ModbusProtocolException(ModbusProtocolError.WrongByteCount, $"register reply byte count does not match {expected}");
                    }

                    break;
                }

            case ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister:
                ModbusPdu.CheckEchoResponse(reply, request);
                break;
            case ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
                ModbusPdu.CheckWriteMultipleResponse(reply, function, BinaryPrimitives.ReadUInt16BigEndian(request[1..]), BinaryPrimitives.ReadUInt16BigEndian(request[3..]));
                break;
            case ModbusFunctionCode.EncapsulatedInterface:
                _ = ModbusPdu.ReadDeviceIdentificationResponse(reply);
                break;
            default:
                ModbusPdu.ThrowIfException(reply, function);
                break;
        }
    }
}

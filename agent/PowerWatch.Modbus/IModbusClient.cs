namespace PowerWatch.Modbus;

/// <summary>
/// Modbus client (master). One async API; every call validates the reply fully. Errors:
/// <see cref="ModbusException"/> (exception reply, never retried), <see cref="ModbusProtocolException"/>
/// (malformed or foreign reply), <see cref="ModbusTimeoutException"/> (no or partial answer),
/// <see cref="ModbusConnectionException"/> (cannot connect). The client stays usable after any error.
/// Calls on one client are serialized (one outstanding request per bus or connection).
/// </summary>
public interface IModbusClient : IAsyncDisposable
{
    ValueTask<bool[]> ReadCoilsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default);

    ValueTask<bool[]> ReadDiscreteInputsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default);

    ValueTask<ushort[]> ReadHoldingRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default);

    ValueTask<ushort[]> ReadInputRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default);

    /// <summary>Allocation-free read of <paramref name="destination"/>.Length holding registers.</summary>
    ValueTask ReadHoldingRegistersAsync(byte unitId, ushort start, Memory<ushort> destination, CancellationToken ct = default);

    /// <summary>Allocation-free read of <paramref name="destination"/>.Length input registers.</summary>
    ValueTask ReadInputRegistersAsync(byte unitId, ushort start, Memory<ushort> destination, CancellationToken ct = default);

    ValueTask WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken ct = default);

    ValueTask WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken ct = default);

    ValueTask WriteMultipleCoilsAsync(byte unitId, ushort start, ReadOnlyMemory<bool> values, CancellationToken ct = default);

    ValueTask WriteMultipleRegistersAsync(byte unitId, ushort start, ReadOnlyMemory<ushort> values, CancellationToken ct = default);

    /// <summary>FC 23: the device writes <paramref name="values"/> first, then reads.</summary>
    ValueTask<ushort[]> ReadWriteMultipleRegistersAsync(byte unitId, ushort readStart, ushort readCount, ushort writeStart, ReadOnlyMemory<ushort> values, CancellationToken ct = default);

    /// <summary>FC 43/14; stream categories follow moreFollows until the device says done.</summary>
    ValueTask<DeviceIdentification> ReadDeviceIdentificationAsync(byte unitId, DeviceIdCategory category = DeviceIdCategory.Basic, byte objectId = 0, CancellationToken ct = default);
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace PowerWatch.Modbus;

/// <summary>
/// Turns a request PDU for a unit into a response PDU. Servers call it for every well-framed request.
/// Return false to send nothing (the unit is not served here). Exceptions thrown are answered with 04.
/// </summary>
public interface IModbusRequestHandler
{
    bool TryHandle(byte unitId, ReadOnlySpan<byte> requestPdu, IBufferWriter<byte> responsePdu);
}

/// <summary>
/// Serves a <see cref="ModbusDataStore"/> for FC 1, 2, 3, 4, 5, 6, 15, 16, 23 and 43/14, checking like the
/// LMB reference server: quantity out of range → 03, range outside the map → 02, unknown function → 01.
/// </summary>
public sealed class ModbusDataStoreHandler : IModbusRequestHandler
{
    private readonly HashSet<byte>? _unitIds;
    private readonly SortedDictionary<byte, byte[]> _deviceId = [];
    private readonly Lock _deviceIdLock = new();

    /// <summary>Serves <paramref name="store"/> for <paramref name="unitIds"/> (none given: every unit). Broadcast (0) is always accepted.</summary>
    public ModbusDataStoreHandler(ModbusDataStore store, params byte[] unitIds)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(unitIds);
        Store = store;
        _unitIds = unitIds.Length == 0 ? null : [.. unitIds];
    }

    public ModbusDataStore Store { get; }

    /// <summary>Conformity level answered to 43/14 (0x83: basic, regular and extended, stream and individual access, as pymodbus).</summary>
    public byte ConformityLevel { get; init; } = 0x83;

    /// <summary>Sets a device identification object (0x00 VendorName, 0x01 ProductCode, 0x02 MajorMinorRevision, ...).</summary>
    public void SetDeviceIdObject(byte id, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = Encoding.Latin1.GetBytes(value);
        if (bytes.Length > ModbusLimits.MaxPduLength - 9)
        {
            throw new ArgumentException("device identification object too long for one PDU", nameof(value));
        }

        lock (_deviceIdLock)
        {
            _deviceId[id] = bytes;
        }
    }

    public bool TryHandle(byte unitId, ReadOnlySpan<byte> requestPdu, IBufferWriter<byte> responsePdu)
    {
        ArgumentNullException.ThrowIfNull(responsePdu);
        if (unitId != ModbusLimits.BroadcastUnitId && _unitIds is not null && !_unitIds.Contains(unitId))
        {
            return false;
        }

        var fc = requestPdu.IsEmpty ? (byte)0 : requestPdu[0];
        var code = ModbusPdu.TryParseRequest(requestPdu, out var request);
        if (code == ModbusExceptionCode.None)
        {
            code = Execute(request, requestPdu, responsePdu);
        }

        if (code != ModbusExceptionCode.None)
        {
            ModbusPdu.WriteExceptionResponse(responsePdu, fc, code);
        }

        return true;
    }

    private ModbusExceptionCode Execute(in ModbusRequest request, ReadOnlySpan<byte> pdu, IBufferWriter<byte> response)
    {
        switch (request.Function)
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs:
                {
                    Span<bool> bits = stackalloc bool[request.Quantity];
                    var table = request.Function == ModbusFunctionCode.ReadCoils ? ModbusTable.Coils : ModbusTable.DiscreteInputs;
                    var code = Store.ReadBits(table, request.Address, bits);
                    if (code == ModbusExceptionCode.None)
                    {
                        ModbusPdu.WriteReadBitsResponse(response, request.Function, bits);
                    }

                    return code;
                }

            case ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters:
                {
                    Span<ushort> values = stackalloc ushort[request.Quantity];
                    var table = request.Function == ModbusFunctionCode.ReadHoldingRegisters ? ModbusTable.HoldingRegisters : ModbusTable.InputRegisters;
                    var code = Store.ReadRegisters(table, request.Address, values);
                    if (code == ModbusExceptionCode.None)
                    {
                        ModbusPdu.WriteReadRegistersResponse(response, request.Function, values);
                    }

                    return code;
                }

            case ModbusFunctionCode.WriteSingleCoil:
                {
                    var code = Store.WriteCoils(request.Address, [request.Value == ModbusLimits.CoilOn]);
                    if (code == ModbusExceptionCode.None)
                    {
                        ModbusPdu.WriteWriteResponse(response, request.Function, request.Address, request.Value);
                    }

                    return code;
                }

            case ModbusFunctionCode.WriteSingleRegister:
                {
                    var code = Store.WriteHoldingRegisters(request.Address, [request.Value]);
                    if (code == ModbusExceptionCode.None)
                    {
                        ModbusPdu.WriteWriteResponse(response, request.Function, request.Address, request.Value);
                    }

                    return code;
                }

            case ModbusFunctionCode.WriteMultipleCoils:
                {
                    Span<bool> bits = stackalloc bool[request.Quantity];
                    ModbusPdu.UnpackBits(pdu.Slice(request.ValuesOffset, request.ValuesLength), bits);
                    var code = Store.WriteCoils(request.Address, bits);
                    if (code == ModbusExceptionCode.None)
                    {
                        ModbusPdu.WriteWriteResponse(response, request.Function, request.Address, (ushort)request.Quantity);
                    }

                    return code;
                }

            case ModbusFunctionCode.WriteMultipleRegisters:
                {
                    Span<ushort> values = stackalloc ushort[request.Quantity];
                    ModbusPdu.ReadRegisters(pdu.Slice(request.ValuesOffset, request.ValuesLength), values);
                    var code = Store.WriteHoldingRegisters(request.Address, values);
                    if (code == ModbusExceptionCode.None)
                    {
                        ModbusPdu.WriteWriteResponse(response, request.Function, request.Address, (ushort)request.Quantity);
                    }

                    return code;
                }

            case ModbusFunctionCode.ReadWriteMultipleRegisters:
                {
                    Span<ushort> values = stackalloc ushort[request.WriteQuantity];
                    ModbusPdu.ReadRegisters(pdu.Slice(request.ValuesOffset, request.ValuesLength), values);
                    Span<ushort> read = stackalloc ushort[request.Quantity];
                    var code = Store.ReadWriteHoldingRegisters(request.WriteAddress, values, request.Address, read);
                    if (code == ModbusExceptionCode.None)
                    {
                        ModbusPdu.WriteReadRegistersResponse(response, request.Function, read);
                    }

                    return code;
                }

            case ModbusFunctionCode.EncapsulatedInterface:
                return DeviceIdentification(request, response);
            default:
                return ModbusExceptionCode.IllegalFunction;
        }
    }

    private ModbusExceptionCode DeviceIdentification(ModbusRequest request, IBufferWriter<byte> response)
    {
        KeyValuePair<byte, byte[]>[] all;
        lock (_deviceIdLock)
        {
            all = [.. _deviceId];
        }

        if (request.DeviceIdCategory == DeviceIdCategory.Specific)
        {
            foreach (var (id, value) in all)
            {
                if (id == request.ObjectId)
                {
                    ModbusPdu.WriteDeviceIdentificationResponse(response, new DeviceIdPage(DeviceIdCategory.Specific, ConformityLevel, false, 0, [new DeviceIdObject(id, value)]));
                    return ModbusExceptionCode.None;
                }
            }

            return ModbusExceptionCode.IllegalDataAddress;
        }

        var (low, high) = request.DeviceIdCategory switch
        {
            DeviceIdCategory.Basic => (0x00, 0x02),
            DeviceIdCategory.Regular => (0x00, 0x7F),
            _ => (0x00, 0xFF),
        };
        var inCategory = all.Where(kv => kv.Key >= low && kv.Key <= high).ToList();
        // An object id that is not in the category restarts the stream at the first object (Modbus spec 6.21).
        var startIndex = inCategory.FindIndex(kv => kv.Key == request.ObjectId);
        if (startIndex < 0)
        {
            startIndex = 0;
        }

        var objects = new List<DeviceIdObject>();
        var length = 7;
        var i = startIndex;
        for (; i < inCategory.Count; i++)
        {
            var size = 2 + inCategory[i].Value.Length;
            if (length + size > ModbusLimits.MaxPduLength)
            {
                break;
            }

            objects.Add(new DeviceIdObject(inCategory[i].Key, inCategory[i].Value));
            length += size;
        }

        var more = i < inCategory.Count;
        ModbusPdu.WriteDeviceIdentificationResponse(response, new DeviceIdPage(request.DeviceIdCategory, ConformityLevel, more, more ? inCategory[i].Key : (byte)0, objects));
        return ModbusExceptionCode.None;
    }
}

/// <summary>Routes requests to a handler per unit id (simulators with several devices behind one face).</summary>
public sealed class ModbusUnitRouter : IModbusRequestHandler
{
    private readonly ConcurrentDictionary<byte, IModbusRequestHandler> _units = new();

    public void Map(byte unitId, IModbusRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _units[unitId] = handler;
    }

    public bool Unmap(byte unitId) => _units.TryRemove(unitId, out _);

    public bool TryHandle(byte unitId, ReadOnlySpan<byte> requestPdu, IBufferWriter<byte> responsePdu)
    {
        if (unitId == ModbusLimits.BroadcastUnitId)
        {
            var any = false;
            foreach (var handler in _units.Values)
            {
                any |= handler.TryHandle(unitId, requestPdu, new ArrayBufferWriter<byte>());
            }

            return any;
        }

        return _units.TryGetValue(unitId, out var h) && h.TryHandle(unitId, requestPdu, responsePdu);
    }
}

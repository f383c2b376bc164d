using System.Buffers;
using System.Buffers.Binary;

namespace PowerWatch.Modbus;

/// <summary>The server half of the PDU codec: request framing and parsing, replies into an <see cref="IBufferWriter{T}"/>.</summary>
public static partial class ModbusPdu
{
    /// <summary>
    /// Length of a request PDU from its first bytes (for the RTU server): the length, 0 when more bytes are
    /// needed, -1 when unknown (unknown function: the frame ends by silence).
    /// </summary>
    public static int GetRequestPduLength(ReadOnlySpan<byte> pduPrefix)
    {
        if (pduPrefix.IsEmpty)
        {
            return 0;
        }

        switch ((ModbusFunctionCode)pduPrefix[0])
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs or ModbusFunctionCode.ReadHoldingRegisters
                or ModbusFunctionCode.ReadInputRegisters or ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister:
                return 5;
            case ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
                return pduPrefix.Length < 6 ? 0 : 6 + pduPrefix[5];
            case ModbusFunctionCode.ReadWriteMultipleRegisters:
                return pduPrefix.Length < 10 ? 0 : 10 + pduPrefix[9];
            case ModbusFunctionCode.EncapsulatedInterface:
                return 4;
            default:
                return -1;
        }
    }

    // ------------------------------------------------------------------ server: requests

    /// <summary>
    /// Parses and validates a request PDU the way the LMB reference server does: a quantity (or byte count, or
    /// coil value) out of range gives <see cref="ModbusExceptionCode.IllegalDataValue"/>; an address range past
    /// 0xFFFF gives <see cref="ModbusExceptionCode.IllegalDataAddress"/>; an unknown function gives
    /// <see cref="ModbusExceptionCode.IllegalFunction"/>. The map check (02) is the caller's.
    /// Returns <see cref="ModbusExceptionCode.None"/> on success.
    /// </summary>
    public static ModbusExceptionCode TryParseRequest(ReadOnlySpan<byte> pdu, out ModbusRequest request)
    {
        request = default;
        if (pdu.IsEmpty)
        {
            return ModbusExceptionCode.IllegalFunction;
        }

        var fc = (ModbusFunctionCode)pdu[0];
        switch (fc)
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs
                or ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters:
                {
                    if (pdu.Length != 5)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    var start = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
                    int qty = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
                    var max = fc is ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs ? ModbusLimits.MaxReadBits : ModbusLimits.MaxReadRegisters;
                    if (qty < 1 || qty > max)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    if (start + qty > 0x10000)
                    {
                        return ModbusExceptionCode.IllegalDataAddress;
                    }

                    request = new ModbusRequest { Function = fc, Address = start, Quantity = qty };
                    return ModbusExceptionCode.None;
                }

            case ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister:
                {
                    if (pdu.Length != 5)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    var value = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
                    if (fc == ModbusFunctionCode.WriteSingleCoil && value != ModbusLimits.CoilOn && value != ModbusLimits.CoilOff)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    request = new ModbusRequest { Function = fc, Address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]), Quantity = 1, Value = value };
                    return ModbusExceptionCode.None;
                }

            case ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
                {
                    if (pdu.Length < 6)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    var start = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
                    int qty = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
                    int byteCount = pdu[5];
                    var coils = fc == ModbusFunctionCode.WriteMultipleCoils;
                    var max = coils ? ModbusLimits.MaxWriteCoils : ModbusLimits.MaxWriteRegisters;
                    if (qty < 1 || qty > max)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    var expectedBytes = coils ? (qty + 7) / 8 : 2 * qty;
                    if (byteCount != expectedBytes || pdu.Length != 6 + byteCount)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    if (start + qty > 0x10000)
                    {
                        return ModbusExceptionCode.IllegalDataAddress;
                    }

                    request = new ModbusRequest { Function = fc, Address = start, Quantity = qty, ValuesOffset = 6, ValuesLength = byteCount };
                    return ModbusExceptionCode.None;
                }

            case ModbusFunctionCode.ReadWriteMultipleRegisters:
                {
                    if (pdu.Length < 10)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    var readStart = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
                    int readQty = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
                    var writeStart = BinaryPrimitives.ReadUInt16BigEndian(pdu[5..]);
                    int writeQty = BinaryPrimitives.ReadUInt16BigEndian(pdu[7..]);
                    int byteCount = pdu[9];
                    if (readQty < 1 || readQty > ModbusLimits.MaxReadWriteReadRegisters
                        || writeQty < 1 || writeQty > ModbusLimits.MaxReadWriteWriteRegisters
                        || byteCount != 2 * writeQty || pdu.Length != 10 + byteCount)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    if (readStart + readQty > 0x10000 || writeStart + writeQty > 0x10000)
                    {
                        return ModbusExceptionCode.IllegalDataAddress;
                    }

                    request = new ModbusRequest
                    {
                        Function = fc,
                        Address = readStart,
                        Quantity = readQty,
                        WriteAddress = writeStart,
                        WriteQuantity = writeQty,
                        ValuesOffset = 10,
                        ValuesLength = byteCount,
                    };
                    return ModbusExceptionCode.None;
                }

            case ModbusFunctionCode.EncapsulatedInterface:
                {
                    if (pdu.Length < 2 || pdu[1] != ModbusLimits.MeiReadDeviceIdentification)
                    {
                        return ModbusExceptionCode.IllegalFunction;
                    }

                    if (pdu.Length != 4 || pdu[2] is < 1 or > 4)
                    {
                        return ModbusExceptionCode.IllegalDataValue;
                    }

                    request = new ModbusRequest { Function = fc, DeviceIdCategory = (DeviceIdCategory)pdu[2], ObjectId = pdu[3] };
                    return ModbusExceptionCode.None;
                }

            default:
                return ModbusExceptionCode.IllegalFunction;
        }
    }

    // ------------------------------------------------------------------ server: responses

    /// <summary>Exception reply: <c>fc | 0x80</c>, code.</summary>
    public static void WriteExceptionResponse(IBufferWriter<byte> writer, byte functionCode, ModbusExceptionCode code)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var span = writer.GetSpan(2);
        span[0] = (byte)(functionCode | 0x80);
        span[1] = (byte)code;
        writer.Advance(2);
    }

    /// <summary>FC 1/2 reply: byteCount = ceil(n/8), packed bits (LSB first).</summary>
    public static void WriteReadBitsResponse(IBufferWriter<byte> writer, ModbusFunctionCode function, ReadOnlySpan<bool> bits)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (bits.Length is < 1 or > ModbusLimits.MaxReadBits)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits.Length, "1..2000 bits");
        }

        var byteCount = (bits.Length + 7) / 8;
        var span = writer.GetSpan(2 + byteCount);
        span[0] = (byte)function;
        span[1] = (byte)byteCount;
        PackBits(bits, span.Slice(2, byteCount));
        writer.Advance(2 + byteCount);
    }

    /// <summary>FC 3/4/23 reply: byteCount = 2n, values big-endian.</summary>
    public static void WriteReadRegistersResponse(IBufferWriter<byte> writer, ModbusFunctionCode function, ReadOnlySpan<ushort> values)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (values.Length is < 1 or > ModbusLimits.MaxReadRegisters)
        {
            throw new ArgumentOutOfRangeException(nameof(values), values.Length, "1..125 registers");
        }

        var span = writer.GetSpan(2 + (2 * values.Length));
        span[0] = (byte)function;
        span[1] = (byte)(2 * values.Length);
        WriteRegisters(values, span[2..]);
        writer.Advance(2 + (2 * values.Length));
    }

    /// <summary>FC 5/6/15/16 reply: fc, address/start(2), value/quantity(2).</summary>
    public static void WriteWriteResponse(IBufferWriter<byte> writer, ModbusFunctionCode function, ushort address, ushort valueOrQuantity)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var span = writer.GetSpan(5);
        span[0] = (byte)function;
        BinaryPrimitives.WriteUInt16BigEndian(span[1..], address);
        BinaryPrimitives.WriteUInt16BigEndian(span[3..], valueOrQuantity);
        writer.Advance(5);
    }

    /// <summary>43/14 reply page; throws when it would not fit the 253-byte PDU.</summary>
    public static void WriteDeviceIdentificationResponse(IBufferWriter<byte> writer, DeviceIdPage page)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(page);
        var length = GetDeviceIdPageLength(page.Objects);
        if (length > ModbusLimits.MaxPduLength)
        {
            throw new ArgumentException($"device identification page of {length} bytes exceeds the 253-byte PDU", nameof(page));
        }

        var span = writer.GetSpan(length);
        span[0] = (byte)ModbusFunctionCode.EncapsulatedInterface;
        span[1] = ModbusLimits.MeiReadDeviceIdentification;
        span[2] = (byte)page.Category;
        span[3] = page.ConformityLevel;
        span[4] = page.MoreFollows ? (byte)0xFF : (byte)0x00;
        span[5] = page.NextObjectId;
        span[6] = (byte)page.Objects.Count;
        var pos = 7;
        foreach (var o in page.Objects)
        {
            span[pos] = o.Id;
            span[pos + 1] = (byte)o.Value.Length;
            o.Value.CopyTo(span[(pos + 2)..]);
            pos += 2 + o.Value.Length;
        }

        writer.Advance(length);
    }

    /// <summary>PDU length of a 43/14 reply page holding <paramref name="objects"/>.</summary>
    public static int GetDeviceIdPageLength(IReadOnlyList<DeviceIdObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var length = 7;
        foreach (var o in objects)
        {
            length += 2 + o.Value.Length;
        }

        return length;
    }
}

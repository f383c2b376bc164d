using System.Buffers;
using System.Buffers.Binary;

namespace PowerWatch.Modbus;

/// <summary>A request PDU parsed on the server side (SPEC §1.1). Offsets index into the request PDU.</summary>
public readonly record struct ModbusRequest
{
    public ModbusFunctionCode Function { get; init; }

    /// <summary>Start address (read start for 23, address for 5/6).</summary>
    public ushort Address { get; init; }

    /// <summary>Quantity of bits/registers to read or write (read quantity for 23; 1 for 5/6).</summary>
    public int Quantity { get; init; }

    /// <summary>The value of 5/6 (0xFF00/0x0000 for a coil).</summary>
    public ushort Value { get; init; }

    /// <summary>FC 23 write start.</summary>
    public ushort WriteAddress { get; init; }

    /// <summary>FC 23 write quantity.</summary>
    public int WriteQuantity { get; init; }

    /// <summary>Offset of the packed values (15, 16, 23) in the request PDU.</summary>
    public int ValuesOffset { get; init; }

    /// <summary>Byte count of the packed values.</summary>
    public int ValuesLength { get; init; }

    /// <summary>43/14 read device id code.</summary>
    public DeviceIdCategory DeviceIdCategory { get; init; }

    /// <summary>43/14 object id.</summary>
    public byte ObjectId { get; init; }
}

/// <summary>
/// Pure PDU codec for FC 1, 2, 3, 4, 5, 6, 15, 16, 23 and 43/14 (SPEC §1.1): client requests into spans,
/// client-side reply validation, server-side request parsing, server replies into an <see cref="IBufferWriter{T}"/>.
/// Every limit is enforced on both sides. The server half (request framing and parsing, replies) is in
/// ModbusPdu.Server.cs.
/// </summary>
public static partial class ModbusPdu
{
    // ------------------------------------------------------------------ client: requests

    /// <summary>FC 1/2/3/4 request: fc, start(2), qty(2). Returns the PDU length (5).</summary>
    public static int WriteReadRequest(Span<byte> destination, ModbusFunctionCode function, ushort start, int quantity)
    {
        var max = function switch
        {
            ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs => ModbusLimits.MaxReadBits,
            ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters => ModbusLimits.MaxReadRegisters,
            _ => throw new ArgumentOutOfRangeException(nameof(function), function, "not a read function"),
        };
        CheckQuantity(quantity, max, start, nameof(quantity));
        destination[0] = (byte)function;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], start);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], (ushort)quantity);
        return 5;
    }

    /// <summary>FC 5 request: value 0xFF00 (on) or 0x0000 (off).</summary>
    public static int WriteSingleCoilRequest(Span<byte> destination, ushort address, bool value)
    {
        destination[0] = (byte)ModbusFunctionCode.WriteSingleCoil;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], value ? ModbusLimits.CoilOn : ModbusLimits.CoilOff);
        return 5;
    }

    /// <summary>FC 6 request.</summary>
    public static int WriteSingleRegisterRequest(Span<byte> destination, ushort address, ushort value)
    {
        destination[0] = (byte)ModbusFunctionCode.WriteSingleRegister;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], value);
        return 5;
    }

    /// <summary>FC 15 request (1–1968 coils).</summary>
    public static int WriteMultipleCoilsRequest(Span<byte> destination, ushort start, ReadOnlySpan<bool> values)
    {
        CheckQuantity(values.Length, ModbusLimits.MaxWriteCoils, start, nameof(values));
        var byteCount = (values.Length + 7) / 8;
        destination[0] = (byte)ModbusFunctionCode.WriteMultipleCoils;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], start);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], (ushort)values.Length);
        destination[5] = (byte)byteCount;
        PackBits(values, destination.Slice(6, byteCount));
        return 6 + byteCount;
    }

    /// <summary>FC 16 request (1–123 registers).</summary>
    public static int WriteMultipleRegistersRequest(Span<byte> destination, ushort start, ReadOnlySpan<ushort> values)
    {
        CheckQuantity(values.Length, ModbusLimits.MaxWriteRegisters, start, nameof(values));
        destination[0] = (byte)ModbusFunctionCode.WriteMultipleRegisters;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], start);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], (ushort)values.Length);
        destination[5] = (byte)(2 * values.Length);
        WriteRegisters(values, destination[6..]);
        return 6 + (2 * values.Length);
    }

    /// <summary>FC 23 request (read 1–125, write 1–121; the server writes before it reads).</summary>
    public static int WriteReadWriteMultipleRegistersRequest(Span<byte> destination, ushort readStart, int readQuantity, ushort writeStart, ReadOnlySpan<ushort> values)
    {
        CheckQuantity(readQuantity, ModbusLimits.MaxReadWriteReadRegisters, readStart, nameof(readQuantity));
        CheckQuantity(values.Length, ModbusLimits.MaxReadWriteWriteRegisters, writeStart, nameof(values));
        destination[0] = (byte)ModbusFunctionCode.ReadWriteMultipleRegisters;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], readStart);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], (ushort)readQuantity);
        BinaryPrimitives.WriteUInt16BigEndian(destination[5..], writeStart);
        BinaryPrimitives.WriteUInt16BigEndian(destination[7..], (ushort)values.Length);
        destination[9] = (byte)(2 * values.Length);
        WriteRegisters(values, destination[10..]);
        return 10 + (2 * values.Length);
    }

    /// <summary>FC 43/14 request: 0x2B 0x0E code objectId.</summary>
    public static int WriteDeviceIdentificationRequest(Span<byte> destination, DeviceIdCategory category, byte objectId)
    {
        if (category is < DeviceIdCategory.Basic or > DeviceIdCategory.Specific)
        {
            throw new ArgumentOutOfRangeException(nameof(category), category, "ReadDevId code must be 1..4");
        }

        destination[0] = (byte)ModbusFunctionCode.EncapsulatedInterface;
        destination[1] = ModbusLimits.MeiReadDeviceIdentification;
        destination[2] = (byte)category;
        destination[3] = objectId;
        return 4;
    }

    /// <summary>
    /// Length of the normal response PDU to <paramref name="requestPdu"/> (LMB compute_response_length_from_request:
    /// bits 2+ceil(n/8), registers 2+2n, writes 5), or -1 when it is variable (43/14) or the function is unknown.
    /// </summary>
    public static int GetExpectedResponseLength(ReadOnlySpan<byte> requestPdu)
    {
        if (requestPdu.Length < 1)
        {
            return -1;
        }

        switch ((ModbusFunctionCode)requestPdu[0])
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs when requestPdu.Length >= 5:
                return 2 + ((BinaryPrimitives.ReadUInt16BigEndian(requestPdu[3..]) + 7) / 8);
            case ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters when requestPdu.Length >= 5:
                return 2 + (2 * BinaryPrimitives.ReadUInt16BigEndian(requestPdu[3..]));
            case ModbusFunctionCode.ReadWriteMultipleRegisters when requestPdu.Length >= 5:
                return 2 + (2 * BinaryPrimitives.ReadUInt16BigEndian(requestPdu[3..]));
            case ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister
                or ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
                return 5;
            default:
                return -1;
        }
    }

    // ------------------------------------------------------------------ client: responses

    /// <summary>
    /// Throws <see cref="ModbusException"/> for an exception reply (<c>fc|0x80</c>, code) and
    /// <see cref="ModbusProtocolException"/> when the reply is empty or carries another function code.
    /// </summary>
    public static void ThrowIfException(ReadOnlySpan<byte> responsePdu, ModbusFunctionCode expected)
    {
        if (responsePdu.IsEmpty)
        {
            throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, "empty reply PDU");
        }

        var fc = responsePdu[0];
        if (fc == ((byte)expected | 0x80))
        {
            if (responsePdu.Length != 2)
            {
                throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, $"exception reply of {responsePdu.Length} bytes (expected 2)");
            }

            throw new ModbusException(expected, (ModbusExceptionCode)responsePdu[1]);
        }

        if (fc != (byte)expected)
        {
            throw new ModbusProtocolException(ModbusProtocolError.WrongFunctionCode, $"reply function {fc:X2}, expected {(byte)expected:X2}");
        }
    }

    /// <summary>Validates a FC 1/2 reply for <paramref name="destination"/>.Length bits and unpacks them.</summary>
    public static void ReadBitsResponse(ReadOnlySpan<byte> responsePdu, ModbusFunctionCode function, Span<bool> destination)
    {
        ThrowIfException(responsePdu, function);
        var expectedBytes = (destination.Length + 7) / 8;
        if (responsePdu.Length < 2 || responsePdu[1] != expectedBytes || responsePdu.Length != 2 + expectedBytes)
        {
            throw new ModbusProtocolException(ModbusProtocolError.WrongByteCount, $"bit reply with byte count {(responsePdu.Length > 1 ? responsePdu[1] : -1)} in {responsePdu.Length} bytes, expected {expectedBytes}");
        }

        UnpackBits(responsePdu.Slice(2, expectedBytes), destination);
    }

    /// <summary>Validates a FC 3/4/23 reply for <paramref name="destination"/>.Length registers and copies them.</summary>
    public static void ReadRegistersResponse(ReadOnlySpan<byte> responsePdu, ModbusFunctionCode function, Span<ushort> destination)
    {
        ThrowIfException(responsePdu, function);
        var expectedBytes = 2 * destination.Length;
        if (responsePdu.Length < 2 || responsePdu[1] != expectedBytes || responsePdu.Length != 2 + expectedBytes)
        {
            throw new ModbusProtocolException(ModbusProtocolError.WrongByteCount, $"register reply with byte count {(responsePdu.Length > 1 ? responsePdu[1] : -1)} in {responsePdu.Length} bytes, expected {expectedBytes}");
        }

        ReadRegisters(responsePdu.Slice(2, expectedBytes), destination);
    }

    /// <summary>Validates a FC 5/6 reply: an exact echo of the request.</summary>
    public static void CheckEchoResponse(ReadOnlySpan<byte> responsePdu, ReadOnlySpan<byte> requestPdu)
    {
        ThrowIfException(responsePdu, (ModbusFunctionCode)requestPdu[0]);
        if (responsePdu.Length != 5)
        {
            throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, $"write reply of {responsePdu.Length} bytes (expected 5)");
        }

        if (!responsePdu.SequenceEqual(requestPdu[..5]))
        {
            throw new ModbusProtocolException(ModbusProtocolError.WrongEcho, "write reply is not an echo of the request");
        }
    }

    /// <summary>Validates a FC 15/16 reply: start(2) qty(2) equal to the request.</summary>
    public static void CheckWriteMultipleResponse(ReadOnlySpan<byte> responsePdu, ModbusFunctionCode function, ushort start, int quantity)
    {
        ThrowIfException(responsePdu, function);
        if (responsePdu.Length != 5)
        {
            throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, $"write reply of {responsePdu.Length} bytes (expected 5)");
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(responsePdu[1..]) != start || BinaryPrimitives.ReadUInt16BigEndian(responsePdu[3..]) != quantity)
        {
            throw new ModbusProtocolException(ModbusProtocolError.WrongEcho, "write reply start/quantity differ from the request");
        }
    }

    /// <summary>Parses one 43/14 reply page.</summary>
    public static DeviceIdPage ReadDeviceIdentificationResponse(ReadOnlySpan<byte> responsePdu)
    {
        ThrowIfException(responsePdu, ModbusFunctionCode.EncapsulatedInterface);
        if (responsePdu.Length < 7 || responsePdu[1] != ModbusLimits.MeiReadDeviceIdentification)
        {
            throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, "device identification reply too short or wrong MEI type");
        }

        if (responsePdu.Length > ModbusLimits.MaxPduLength)
        {
            throw new ModbusProtocolException(ModbusProtocolError.FrameTooLong, "device identification reply exceeds 253 bytes");
        }

        var category = (DeviceIdCategory)responsePdu[2];
        var conformity = responsePdu[3];
        var more = responsePdu[4] switch
        {
            0x00 => false,
            0xFF => true,
            var m => throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, $"moreFollows {m:X2} (expected 00 or FF)"),
        };
        var next = responsePdu[5];
        int count = responsePdu[6];
        var objects = new List<DeviceIdObject>(count);
        var pos = 7;
        for (var i = 0; i < count; i++)
        {
            if (pos + 2 > responsePdu.Length)
            {
                throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, "device identification object header truncated");
            }

            var id = responsePdu[pos];
            int len = responsePdu[pos + 1];
            pos += 2;
            if (pos + len > responsePdu.Length)
            {
                throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, "device identification object value truncated");
            }

            objects.Add(new DeviceIdObject(id, responsePdu.Slice(pos, len).ToArray()));
            pos += len;
        }

        if (pos != responsePdu.Length)
        {
            throw new ModbusProtocolException(ModbusProtocolError.MalformedPdu, "trailing bytes after device identification objects");
        }

        return new DeviceIdPage(category, conformity, more, next, objects);
    }

    /// <summary>
    /// Length of a reply PDU from its first bytes, for framers that must find the end of a frame (RTU):
    /// the length, 0 when more bytes are needed to tell, or -1 when it cannot be known (unknown function).
    /// </summary>
    public static int GetResponsePduLength(ReadOnlySpan<byte> pduPrefix)
    {
        if (pduPrefix.IsEmpty)
        {
            return 0;
        }

        var fc = pduPrefix[0];
        if ((fc & 0x80) != 0)
        {
            return 2;
        }

        switch ((ModbusFunctionCode)fc)
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs or ModbusFunctionCode.ReadHoldingRegisters
                or ModbusFunctionCode.ReadInputRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters:
                return pduPrefix.Length < 2 ? 0 : 2 + pduPrefix[1];
            case ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister
                or ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
                return 5;
            case ModbusFunctionCode.EncapsulatedInterface:
                if (pduPrefix.Length < 7)
                {
                    return 0;
                }

                var pos = 7;
                for (var i = 0; i < pduPrefix[6]; i++)
                {
                    if (pos + 2 > pduPrefix.Length)
                    {
                        return 0;
                    }

                    pos += 2 + pduPrefix[pos + 1];
                    if (pos > ModbusLimits.MaxPduLength)
                    {
                        return pos;
                    }
                }

                return pos;
            default:
                return -1;
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Packs bits LSB-first (first bit = bit 0 of byte 0); unused high bits are zero.</summary>
    public static void PackBits(ReadOnlySpan<bool> bits, Span<byte> destination)
    {
        destination[..((bits.Length + 7) / 8)].Clear();
        for (var i = 0; i < bits.Length; i++)
        {
            if (bits[i])
            {
                destination[i >> 3] |= (byte)(1 << (i & 7));
            }
        }
    }

    /// <summary>Unpacks <paramref name="destination"/>.Length bits LSB-first.</summary>
    public static void UnpackBits(ReadOnlySpan<byte> packed, Span<bool> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (packed[i >> 3] & (1 << (i & 7))) != 0;
        }
    }

    /// <summary>Writes registers big-endian.</summary>
    public static void WriteRegisters(ReadOnlySpan<ushort> values, Span<byte> destination)
    {
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[(2 * i)..], values[i]);
        }
    }

    /// <summary>Reads <paramref name="destination"/>.Length big-endian registers.</summary>
    public static void ReadRegisters(ReadOnlySpan<byte> source, Span<ushort> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadUInt16BigEndian(source[(2 * i)..]);
        }
    }

    private static void CheckQuantity(int quantity, int max, ushort start, string name)
    {
        if (quantity < 1 || quantity > max)
        {
            throw new ArgumentOutOfRangeException(name, quantity, $"quantity must be 1..{max}");
        }

        if (start + quantity > 0x10000)
        {
            throw new ArgumentOutOfRangeException(name, quantity, "range passes address 0xFFFF");
        }
    }
}

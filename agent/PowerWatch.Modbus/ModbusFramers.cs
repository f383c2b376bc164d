using System.Buffers;
using System.Buffers.Binary;

namespace PowerWatch.Modbus;

/// <summary>A decoded ADU: unit id, MBAP transaction id (0 on serial lines) and the PDU bytes.</summary>
public readonly record struct ModbusFrame(byte UnitId, ushort TransactionId, ReadOnlySequence<byte> Pdu);

/// <summary>Modbus TCP framing (MBAP, SPEC §1.2). Pure.</summary>
public static class ModbusTcpFramer
{
    /// <summary>Writes MBAP(tid, protocol 0, length = 1 + PDU) + unit + PDU. Returns the ADU length.</summary>
    public static int Encode(ushort transactionId, byte unitId, ReadOnlySpan<byte> pdu, Span<byte> destination)
    {
        if (pdu.Length is < 1 or > ModbusLimits.MaxPduLength)
        {
            throw new ArgumentOutOfRangeException(nameof(pdu), pdu.Length, "PDU must be 1..253 bytes");
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)(pdu.Length + 1));
        destination[6] = unitId;
        pdu.CopyTo(destination[7..]);
        return 7 + pdu.Length;
    }

    /// <summary>
    /// Decodes one ADU from the front of <paramref name="buffer"/> and slices it off. Returns false when more bytes
    /// are needed. Throws <see cref="ModbusProtocolException"/> (<see cref="ModbusProtocolError.WrongProtocolId"/>,
    /// <see cref="ModbusProtocolError.InvalidLength"/>) when the header is invalid; a TCP stream cannot resync
    /// after that, so the caller closes the connection.
    /// </summary>
    public static bool TryDecode(ref ReadOnlySequence<byte> buffer, out ModbusFrame frame)
    {
        frame = default;
        if (buffer.Length < ModbusLimits.MbapHeaderLength)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[ModbusLimits.MbapHeaderLength];
        buffer.Slice(0, ModbusLimits.MbapHeaderLength).CopyTo(header);
        var tid = BinaryPrimitives.ReadUInt16BigEndian(header);
        var protocol = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        if (protocol != 0)
        {
            throw new ModbusProtocolException(ModbusProtocolError.WrongProtocolId, $"MBAP protocol id {protocol} (expected 0)");
        }

        if (length < 2 || length > ModbusLimits.MaxPduLength + 1)
        {
            throw new ModbusProtocolException(length > ModbusLimits.MaxPduLength + 1 ? ModbusProtocolError.FrameTooLong : ModbusProtocolError.InvalidLength, $"MBAP length {length} (expected 2..254)");
        }

        if (buffer.Length < 6 + length)
        {
            return false;
        }

        frame = new ModbusFrame(header[6], tid, buffer.Slice(ModbusLimits.MbapHeaderLength, length - 1));
        buffer = buffer.Slice(6 + length);
        return true;
    }
}

/// <summary>
/// Modbus RTU framing (SPEC §1.3): <c>[addr][PDU][CRC lo][CRC hi]</c>. Pure. A frame ends at the length implied
/// by its function code; where that cannot be known, the transport ends it by t3.5 silence and calls
/// <see cref="TryDecodeWhole"/>.
/// </summary>
public static class ModbusRtuFramer
{
    /// <summary>Writes address + PDU + CRC (low byte first). Returns the ADU length.</summary>
    public static int Encode(byte unitId, ReadOnlySpan<byte> pdu, Span<byte> destination)
    {
        if (pdu.Length is < 1 or > ModbusLimits.MaxPduLength)
        {
            throw new ArgumentOutOfRangeException(nameof(pdu), pdu.Length, "PDU must be 1..253 bytes");
        }

        destination[0] = unitId;
        pdu.CopyTo(destination[1..]);
        ModbusChecksum.WriteCrc16(destination[..(1 + pdu.Length)], destination[(1 + pdu.Length)..]);
        return pdu.Length + 3;
    }

    /// <summary>
    /// Client side: finds the reply of <paramref name="unitId"/> to <paramref name="function"/> (normal or exception)
    /// with a valid CRC, at its function-implied length. Bytes before it are skipped (<paramref name="skipped"/>).
    /// On success the buffer is sliced past the frame. Returns false (buffer untouched) when no complete frame is there yet.
    /// </summary>
    public static bool TryDecodeResponse(ref ReadOnlySequence<byte> buffer, byte unitId, ModbusFunctionCode function, out ModbusFrame frame, out int skipped)
    {
        frame = default;
        skipped = 0;
        var length = (int)Math.Min(buffer.Length, 4 * ModbusLimits.MaxRtuAduLength);
        Span<byte> data = length <= 1024 ? stackalloc byte[length] : new byte[length];
        buffer.Slice(0, length).CopyTo(data);
        for (var start = 0; start + 1 < data.Length; start++)
        {
            if (data[start] != unitId || (data[start + 1] & 0x7F) != (byte)function)
            {
                continue;
            }

            var pduLength = ModbusPdu.GetResponsePduLength(data[(start + 1)..]);
            if (pduLength <= 0 || pduLength > ModbusLimits.MaxPduLength)
            {
                continue; // need more bytes at this candidate, or impossible length; a later candidate may complete
            }

            var end = start + 1 + pduLength + 2;
            if (end > data.Length || !ModbusChecksum.HasValidCrc16(data[start..end]))
            {
                continue;
            }

            skipped = start;
            frame = new ModbusFrame(unitId, 0, buffer.Slice(start + 1, pduLength));
            buffer = buffer.Slice(end);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Server side: decodes the request at the front of the buffer at its function-implied length (any unit id).
    /// Leading bytes that cannot start a valid frame are skipped. Returns false when more bytes are needed
    /// (or the function is unknown: the transport then waits for silence and calls <see cref="TryDecodeWhole"/>).
    /// </summary>
    public static bool TryDecodeRequest(ref ReadOnlySequence<byte> buffer, out ModbusFrame frame, out int skipped)
    {
        frame = default;
        skipped = 0;
        var length = (int)Math.Min(buffer.Length, 2 * ModbusLimits.MaxRtuAduLength);
        Span<byte> data = stackalloc byte[length];
        buffer.Slice(0, length).CopyTo(data);
        for (var start = 0; start + 1 < data.Length; start++)
        {
            var pduLength = ModbusPdu.GetRequestPduLength(data[(start + 1)..]);
            if (pduLength == 0 && start == 0)
            {
                return false; // first candidate incomplete: wait
            }

            if (pduLength <= 0 || pduLength > ModbusLimits.MaxPduLength)
            {
                if (start == 0 && pduLength < 0)
                {
                    return false; // unknown function: ends by silence
                }

                continue;
            }

            var end = start + 1 + pduLength + 2;
            if (end > data.Length)
            {
                if (start == 0)
                {
                    return false;
                }

                continue;
            }

            if (!ModbusChecksum.HasValidCrc16(data[start..end]))
            {
                continue;
            }

            skipped = start;
            frame = new ModbusFrame(data[start], 0, buffer.Slice(start + 1, pduLength));
            buffer = buffer.Slice(end);
            return true;
        }

        return false;
    }

    /// <summary>
    /// After silence: takes the whole buffer as one frame if its CRC is valid (3..256 bytes). Used for functions
    /// whose length is unknown and to classify foreign replies.
    /// </summary>
    public static bool TryDecodeWhole(ReadOnlySequence<byte> buffer, out ModbusFrame frame)
    {
        frame = default;
        if (buffer.Length is < 4 or > ModbusLimits.MaxRtuAduLength)
        {
            return false;
        }

        Span<byte> data = stackalloc byte[(int)buffer.Length];
        buffer.CopyTo(data);
        if (!ModbusChecksum.HasValidCrc16(data))
        {
            return false;
        }

        frame = new ModbusFrame(data[0], 0, buffer.Slice(1, data.Length - 3));
        return true;
    }

    /// <summary>
    /// After silence with no complete reply: names what was wrong with <paramref name="buffer"/> for a request to
    /// <paramref name="unitId"/>/<paramref name="function"/>.
    /// </summary>
    public static ModbusProtocolError ClassifyIncompleteResponse(ReadOnlySequence<byte> buffer, byte unitId, ModbusFunctionCode function)
    {
        if (buffer.Length > ModbusLimits.MaxRtuAduLength)
        {
            return ModbusProtocolError.FrameTooLong;
        }

        if (TryDecodeWhole(buffer, out var whole))
        {
            if (whole.UnitId != unitId)
            {
                return ModbusProtocolError.WrongUnitId;
            }

            var fc = whole.Pdu.FirstSpan[0];
            return (fc & 0x7F) != (byte)function ? ModbusProtocolError.WrongFunctionCode : ModbusProtocolError.WrongByteCount;
        }

        Span<byte> data = stackalloc byte[(int)buffer.Length];
        buffer.CopyTo(data);
        var sawCandidate = false;
        for (var start = 0; start + 1 < data.Length; start++)
        {
            if (data[start] != unitId || (data[start + 1] & 0x7F) != (byte)function)
            {
                continue;
            }

            sawCandidate = true;
            var pduLength = ModbusPdu.GetResponsePduLength(data[(start + 1)..]);
            if (pduLength > ModbusLimits.MaxPduLength)
            {
                return ModbusProtocolError.FrameTooLong;
            }

            if (pduLength > 0 && start + 1 + pduLength + 2 <= data.Length)
            {
                return ModbusProtocolError.CrcMismatch;
            }
        }

        return sawCandidate || data.Length > 0 && data[0] == unitId ? ModbusProtocolError.TruncatedFrame : ModbusProtocolError.Garbage;
    }
}

/// <summary>Modbus ASCII framing (SPEC §1.4): ':' + hex(address + PDU + LRC) + CR LF. Pure.</summary>
public static class ModbusAsciiFramer
{
    private const byte Colon = (byte)':';
    private const byte Cr = 0x0D;
    private const byte Lf = 0x0A;

    /// <summary>Writes the ASCII frame (upper-case hex). Returns its length.</summary>
    public static int Encode(byte unitId, ReadOnlySpan<byte> pdu, Span<byte> destination)
    {
        if (pdu.Length is < 1 or > ModbusLimits.MaxPduLength)
        {
            throw new ArgumentOutOfRangeException(nameof(pdu), pdu.Length, "PDU must be 1..253 bytes");
        }

        var pos = 0;
        destination[pos++] = Colon;
        WriteHex(unitId, destination, ref pos);
        var sum = unitId;
        foreach (var b in pdu)
        {
            WriteHex(b, destination, ref pos);
            sum += b;
        }

        WriteHex((byte)-sum, destination, ref pos);
        destination[pos++] = Cr;
        destination[pos++] = Lf;
        return pos;
    }

    /// <summary>Encodes into a writer.</summary>
    public static void Encode(byte unitId, ReadOnlySpan<byte> pdu, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var span = writer.GetSpan(5 + (2 * (pdu.Length + 2)));
        writer.Advance(Encode(unitId, pdu, span));
    }

    /// <summary>
    /// Decodes one frame. Bytes before ':' are skipped (<paramref name="skipped"/>). Returns false when the frame is
    /// not complete yet. A complete but bad frame is consumed and reported by throwing
    /// <see cref="ModbusProtocolException"/> (LrcMismatch, InvalidAsciiCharacter, TruncatedFrame, FrameTooLong);
    /// <paramref name="buffer"/> is already sliced past it.
    /// <paramref name="pdu"/> receives the decoded PDU (at least 253 bytes); the frame's Pdu points into it.
    /// </summary>
    public static bool TryDecode(ref ReadOnlySequence<byte> buffer, Memory<byte> pdu, out ModbusFrame frame, out int skipped)
    {
        frame = default;
        skipped = 0;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryAdvanceTo(Colon, advancePastDelimiter: false))
        {
            skipped = (int)buffer.Length;
            buffer = buffer.Slice(buffer.End);
            return false;
        }

        skipped = (int)reader.Consumed;
        buffer = buffer.Slice(reader.Position);
        reader = new SequenceReader<byte>(buffer);
        reader.Advance(1);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> body, Lf, advancePastDelimiter: true))
        {
            if (buffer.Length > ModbusLimits.MaxAsciiFrameLength)
            {
                buffer = buffer.Slice(buffer.Length);
                throw new ModbusProtocolException(ModbusProtocolError.FrameTooLong, "ASCII frame without CR LF within 513 characters");
            }

            // A new ':' before the end means the previous frame was cut short.
            var inner = buffer.Slice(1);
            var nextColon = inner.PositionOf(Colon);
            if (nextColon is { } p)
            {
                buffer = inner.Slice(p);
                throw new ModbusProtocolException(ModbusProtocolError.TruncatedFrame, "ASCII frame interrupted by a new ':'");
            }

            return false;
        }

        var consumedTo = reader.Position;
        var after = buffer.Slice(consumedTo);
        if (body.PositionOf(Colon) is { } restart)
        {
            // A new ':' before CR LF: the frame was cut short; resynchronise on the new start.
            buffer = buffer.Slice(1 + body.Slice(0, restart).Length);
            throw new ModbusProtocolException(ModbusProtocolError.TruncatedFrame, "ASCII frame interrupted by a new ':'");
        }

        var hexLength = (int)body.Length;
        if (hexLength > 2 * (ModbusLimits.MaxPduLength + 2) + 1)
        {
            buffer = after;
            throw new ModbusProtocolException(ModbusProtocolError.FrameTooLong, $"ASCII frame of {hexLength} characters");
        }

        Span<byte> hex = stackalloc byte[hexLength];
        body.CopyTo(hex);
        if (hexLength == 0 || hex[^1] != Cr)
        {
            buffer = after;
            throw new ModbusProtocolException(ModbusProtocolError.InvalidAsciiCharacter, "ASCII frame not ended by CR LF");
        }

        hex = hex[..^1];
        if (hex.Length % 2 != 0 || hex.Length < 6)
        {
            buffer = after;
            throw new ModbusProtocolException(hex.Length < 6 ? ModbusProtocolError.TruncatedFrame : ModbusProtocolError.InvalidAsciiCharacter, $"ASCII frame body of {hex.Length} characters");
        }

        var byteCount = hex.Length / 2;
        Span<byte> raw = stackalloc byte[byteCount];
        for (var i = 0; i < byteCount; i++)
        {
            var hi = FromHex(hex[2 * i]);
            var lo = FromHex(hex[(2 * i) + 1]);
            if (hi < 0 || lo < 0)
            {
                buffer = after;
                throw new ModbusProtocolException(ModbusProtocolError.InvalidAsciiCharacter, "non-hex character in ASCII frame");
            }

            raw[i] = (byte)((hi << 4) | lo);
        }

        buffer = after;
        if (ModbusChecksum.Lrc(raw[..^1]) != raw[^1])
        {
            throw new ModbusProtocolException(ModbusProtocolError.LrcMismatch, $"LRC {raw[^1]:X2}, computed {ModbusChecksum.Lrc(raw[..^1]):X2}");
        }

        var pduLength = byteCount - 2;
        raw.Slice(1, pduLength).CopyTo(pdu.Span);
        frame = new ModbusFrame(raw[0], 0, new ReadOnlySequence<byte>(pdu[..pduLength]));
        return true;
    }

    private static void WriteHex(byte value, Span<byte> destination, ref int pos)
    {
        const string Digits = "0123456789ABCDEF";
        destination[pos++] = (byte)Digits[value >> 4];
        destination[pos++] = (byte)Digits[value & 0xF];
    }

    private static int FromHex(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}

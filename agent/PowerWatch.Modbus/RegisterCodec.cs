using System.Buffers.Binary;
using System.Text;

namespace PowerWatch.Modbus;

/// <summary>
/// Word/byte order of multi-register values, Telegraf letters (SPEC §1.5). For n words:
/// ABCD = words high first, bytes high first; CDAB = words reversed (low word first);
/// BADC = words high first, bytes swapped in each word; DCBA = words reversed and bytes swapped (little endian).
/// 16-bit values use AB (ABCD, CDAB) or BA (BADC, DCBA).
/// </summary>
public enum WordOrder
{
    ABCD,
    CDAB,
    BADC,
    DCBA,
}

/// <summary>How a string is laid out in registers (Telegraf string_register_location).</summary>
public enum StringLayout
{
    /// <summary>Two characters per register, high byte first (default).</summary>
    TwoPerRegister,
    /// <summary>One character per register, in the low byte.</summary>
    LowByte,
    /// <summary>One character per register, in the high byte.</summary>
    HighByte,
}

/// <summary>Typed decoding of register values (pure).</summary>
public static class RegisterDecoder
{
    /// <summary>Rearranges <paramref name="registers"/> into big-endian value bytes (2 per register).</summary>
    public static void ToBigEndianBytes(ReadOnlySpan<ushort> registers, WordOrder order, Span<byte> destination)
    {
        var n = registers.Length;
        var reverseWords = order is WordOrder.CDAB or WordOrder.DCBA;
        var swapBytes = order is WordOrder.BADC or WordOrder.DCBA;
        for (var i = 0; i < n; i++)
        {
            var word = registers[reverseWords ? n - 1 - i : i];
            if (swapBytes)
            {
                word = BinaryPrimitives.ReverseEndianness(word);
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[(2 * i)..], word);
        }
    }

    public static ushort ToUInt16(ReadOnlySpan<ushort> registers, WordOrder order = WordOrder.ABCD)
    {
        Need(registers, 1);
        return order is WordOrder.BADC or WordOrder.DCBA ? BinaryPrimitives.ReverseEndianness(registers[0]) : registers[0];
    }

    public static short ToInt16(ReadOnlySpan<ushort> registers, WordOrder order = WordOrder.ABCD) => unchecked((short)ToUInt16(registers, order));

    public static uint ToUInt32(ReadOnlySpan<ushort> registers, WordOrder order = WordOrder.ABCD)
    {
        Need(registers, 2);
        Span<byte> b = stackalloc byte[4];
        ToBigEndianBytes(registers[..2], order, b);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public static int ToInt32(ReadOnlySpan<ushort> registers, WordOrder order = WordOrder.ABCD) => unchecked((int)ToUInt32(registers, order));

    public static ulong ToUInt64(ReadOnlySpan<ushort> registers, WordOrder order = WordOrder.ABCD)
    {
        Need(registers, 4);
        Span<byte> b = stackalloc byte[8];
        ToBigEndianBytes(registers[..4], order, b);
        return BinaryPrimitives.ReadUInt64BigEndian(b);
    }

    public static long ToInt64(ReadOnlySpan<ushort> registers, WordOrder order = WordOrder.ABCD) => unchecked((long)ToUInt64(registers, order));

    public static float ToSingle(ReadOnlySpan<ushort> registers, WordOrder order = WordOrder.ABCD) =>
        BitConverter.UInt32BitsToSingle(ToUInt32(registers, order));

    public static double ToDouble(ReadOnlySpan<ushort> registers, WordOrder order = WordOrder.ABCD) =>
        BitConverter.UInt64BitsToDouble(ToUInt64(registers, order));

    /// <summary>
    /// Decodes a string: by default 2 characters per register, high byte first, cut at the first NUL;
    /// <paramref name="trim"/> removes surrounding spaces. Characters are Latin-1.
    /// </summary>
    public static string ToString(ReadOnlySpan<ushort> registers, bool trim = true, StringLayout layout = StringLayout.TwoPerRegister)
    {
        Span<byte> bytes = registers.Length <= 128 ? stackalloc byte[2 * registers.Length] : new byte[2 * registers.Length];
        var count = 0;
        foreach (var r in registers)
        {
            switch (layout)
            {
                case StringLayout.TwoPerRegister:
                    bytes[count++] = (byte)(r >> 8);
                    bytes[count++] = (byte)r;
                    break;
                case StringLayout.LowByte:
                    bytes[count++] = (byte)r;
                    break;
                default:
                    bytes[count++] = (byte)(r >> 8);
                    break;
            }
        }

        var used = bytes[..count];
        var nul = used.IndexOf((byte)0);
        if (nul >= 0)
        {
            used = used[..nul];
        }

        var s = Encoding.Latin1.GetString(used);
        return trim ? s.Trim() : s;
    }

    /// <summary>Bit <paramref name="bit"/> (0 = least significant) of one register.</summary>
    public static bool GetBit(ushort register, int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bit, 15);
        return (register & (1 << bit)) != 0;
    }

    /// <summary>
    /// Bit <paramref name="bit"/> (0 = least significant) of a multi-register bit field read as one unsigned
    /// integer in <paramref name="order"/> (ABCD: the first register holds the most significant bits).
    /// </summary>
    public static bool GetBit(ReadOnlySpan<ushort> registers, int bit, WordOrder order = WordOrder.ABCD)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bit, 16 * registers.Length);
        Span<byte> b = registers.Length <= 64 ? stackalloc byte[2 * registers.Length] : new byte[2 * registers.Length];
        ToBigEndianBytes(registers, order, b);
        var byteIndex = b.Length - 1 - (bit >> 3);
        return (b[byteIndex] & (1 << (bit & 7))) != 0;
    }

    private static void Need(ReadOnlySpan<ushort> registers, int n)
    {
        if (registers.Length < n)
        {
            throw new ArgumentException($"need {n} registers, got {registers.Length}", nameof(registers));
        }
    }
}

/// <summary>Typed encoding into register values (pure); the inverse of <see cref="RegisterDecoder"/>.</summary>
public static class RegisterEncoder
{
    /// <summary>Arranges big-endian value bytes into registers in <paramref name="order"/>.</summary>
    public static void FromBigEndianBytes(ReadOnlySpan<byte> bytes, WordOrder order, Span<ushort> destination)
    {
        var n = bytes.Length / 2;
        var reverseWords = order is WordOrder.CDAB or WordOrder.DCBA;
        var swapBytes = order is WordOrder.BADC or WordOrder.DCBA;
        for (var i = 0; i < n; i++)
        {
            var word = BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * i)..]);
            if (swapBytes)
            {
                word = BinaryPrimitives.ReverseEndianness(word);
            }

            destination[reverseWords ? n - 1 - i : i] = word;
        }
    }

    public static void FromUInt16(ushort value, Span<ushort> destination, WordOrder order = WordOrder.ABCD) =>
        destination[0] = order is WordOrder.BADC or WordOrder.DCBA ? BinaryPrimitives.ReverseEndianness(value) : value;

    public static void FromInt16(short value, Span<ushort> destination, WordOrder order = WordOrder.ABCD) =>
        FromUInt16(unchecked((ushort)value), destination, order);

    public static void FromUInt32(uint value, Span<ushort> destination, WordOrder order = WordOrder.ABCD)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        FromBigEndianBytes(b, order, destination[..2]);
    }

    public static void FromInt32(int value, Span<ushort> destination, WordOrder order = WordOrder.ABCD) =>
        FromUInt32(unchecked((uint)value), destination, order);

    public static void FromUInt64(ulong value, Span<ushort> destination, WordOrder order = WordOrder.ABCD)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        FromBigEndianBytes(b, order, destination[..4]);
    }

    public static void FromInt64(long value, Span<ushort> destination, WordOrder order = WordOrder.ABCD) =>
        FromUInt64(unchecked((ulong)value), destination, order);

    public static void FromSingle(float value, Span<ushort> destination, WordOrder order = WordOrder.ABCD) =>
        FromUInt32(BitConverter.SingleToUInt32Bits(value), destination, order);

    public static void FromDouble(double value, Span<ushort> destination, WordOrder order = WordOrder.ABCD) =>
        FromUInt64(BitConverter.DoubleToUInt64Bits(value), destination, order);

    /// <summary>
    /// Encodes <paramref name="value"/> (Latin-1) filling all of <paramref name="destination"/>; unused space is NUL.
    /// Throws when the text does not fit.
    /// </summary>
    public static void FromString(string value, Span<ushort> destination, StringLayout layout = StringLayout.TwoPerRegister)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = Encoding.Latin1.GetBytes(value);
        var capacity = layout == StringLayout.TwoPerRegister ? 2 * destination.Length : destination.Length;
        if (bytes.Length > capacity)
        {
            throw new ArgumentException($"string of {bytes.Length} chars does not fit {destination.Length} registers", nameof(value));
        }

        destination.Clear();
        for (var i = 0; i < bytes.Length; i++)
        {
            switch (layout)
            {
                case StringLayout.TwoPerRegister:
                    destination[i / 2] |= (i & 1) == 0 ? (ushort)(bytes[i] << 8) : bytes[i];
                    break;
                case StringLayout.LowByte:
                    destination[i] = bytes[i];
                    break;
                default:
                    destination[i] = (ushort)(bytes[i] << 8);
                    break;
            }
        }
    }

    /// <summary>Returns <paramref name="register"/> with bit <paramref name="bit"/> set or cleared.</summary>
    public static ushort SetBit(ushort register, int bit, bool value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bit, 15);
        return value ? (ushort)(register | (1 << bit)) : (ushort)(register & ~(1 << bit));
    }

    /// <summary>Sets or clears bit <paramref name="bit"/> (0 = least significant) of a multi-register bit field in <paramref name="order"/>.</summary>
    public static void SetBit(Span<ushort> registers, int bit, bool value, WordOrder order = WordOrder.ABCD)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bit, 16 * registers.Length);
        Span<byte> b = registers.Length <= 64 ? stackalloc byte[2 * registers.Length] : new byte[2 * registers.Length];
        RegisterDecoder.ToBigEndianBytes(registers, order, b);
        var byteIndex = b.Length - 1 - (bit >> 3);
        b[byteIndex] = value ? (byte)(b[byteIndex] | (1 << (bit & 7))) : (byte)(b[byteIndex] & ~(1 << (bit & 7)));
        FromBigEndianBytes(b, order, registers);
    }
}

using System.Buffers.Binary;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Decoding;

/// <summary>
/// Raw word-order primitives: integers and IEEE-754 values from 1, 2 or 4 registers in ABCD/CDAB/BADC/DCBA
/// (SPEC §1.5). Registers hold the wire bytes as the Modbus PDU carries them (high byte first). The one register
/// decoder (PowerWatch.Modbus only moves registers).
/// </summary>
internal static class RegisterWords
{
    /// <summary>
    /// Writes the registers' bytes into <paramref name="destination"/> (2 bytes per register) rearranged to big-endian
    /// (ABCD) order. CDAB reverses the word order, BADC swaps bytes in each word, DCBA reverses every byte.
    /// </summary>
    public static void ToBigEndian(ReadOnlySpan<ushort> registers, WordOrder order, Span<byte> destination)
    {
        var n = registers.Length;
        if (destination.Length < n * 2)
        {
            throw new ArgumentException("Destination too small.", nameof(destination));
        }

        for (var i = 0; i < n; i++)
        {
            var word = order switch
            {
                WordOrder.Abcd => registers[i],
                WordOrder.Cdab => registers[n - 1 - i],
                WordOrder.Badc => BinaryPrimitives.ReverseEndianness(registers[i]),
                WordOrder.Dcba => BinaryPrimitives.ReverseEndianness(registers[n - 1 - i]),
                _ => throw new ArgumentOutOfRangeException(nameof(order), order, "Unknown word order."),
            };
            BinaryPrimitives.WriteUInt16BigEndian(destination[(i * 2)..], word);
        }
    }

    /// <summary>The unsigned bit pattern of 1, 2 or 4 registers.</summary>
    public static ulong ReadRaw(ReadOnlySpan<ushort> registers, WordOrder order)
    {
        Span<byte> bytes = stackalloc byte[8];
        var len = registers.Length * 2;
        ToBigEndian(registers, order, bytes);
        return registers.Length switch
        {
            1 => BinaryPrimitives.ReadUInt16BigEndian(bytes),
            2 => BinaryPrimitives.ReadUInt32BigEndian(bytes),
            4 => BinaryPrimitives.ReadUInt64BigEndian(bytes),
            _ => throw new ArgumentException($"Expected 1, 2 or 4 registers, got {len / 2}.", nameof(registers)),
        };
    }

    public static short ReadInt16(ReadOnlySpan<ushort> r, WordOrder order) => unchecked((short)ReadRaw(r[..1], order));

    public static ushort ReadUInt16(ReadOnlySpan<ushort> r, WordOrder order) => unchecked((ushort)ReadRaw(r[..1], order));

    public static int ReadInt32(ReadOnlySpan<ushort> r, WordOrder order) => unchecked((int)ReadRaw(r[..2], order));

    public static uint ReadUInt32(ReadOnlySpan<ushort> r, WordOrder order) => unchecked((uint)ReadRaw(r[..2], order));

    public static long ReadInt64(ReadOnlySpan<ushort> r, WordOrder order) => unchecked((long)ReadRaw(r[..4], order));

    public static ulong ReadUInt64(ReadOnlySpan<ushort> r, WordOrder order) => ReadRaw(r[..4], order);

    public static float ReadFloat32(ReadOnlySpan<ushort> r, WordOrder order) =>
        BitConverter.UInt32BitsToSingle(ReadUInt32(r, order));

    public static double ReadFloat64(ReadOnlySpan<ushort> r, WordOrder order) =>
        BitConverter.UInt64BitsToDouble(ReadUInt64(r, order));
}

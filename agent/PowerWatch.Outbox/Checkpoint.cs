using System.Buffers.Binary;

namespace PowerWatch.Outbox;

/// <summary>
/// The acknowledgement checkpoint (pure codec).
/// <code>
/// magic u32 "PWCK" | version u16 | reserved u16 | retiredThrough i64 | nextSequence i64 | droppedCount i64
/// | lostCount i64 | n u32 | n × retired sequence i64 (ascending, all &gt; retiredThrough) | crc32c u32 (over all before)
/// </code>
/// "Retired" = acknowledged, dropped by the quota, or lost to corruption: no longer pending.
/// </summary>
internal sealed record Checkpoint(long RetiredThrough, long NextSequence, long DroppedCount, long LostCount, IReadOnlyCollection<long> RetiredAbove)
{
    public const uint Magic = 0x5057434B; // "PWCK"
    public const ushort Version = 1;
    private const int FixedSize = 4 + 2 + 2 + 8 + 8 + 8 + 8 + 4;

    public static Checkpoint Empty { get; } = new(0, 1, 0, 0, []);

    public int EncodedSize => FixedSize + (8 * RetiredAbove.Count) + 4;

    public void Encode(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], Version);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], 0);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], RetiredThrough);
        BinaryPrimitives.WriteInt64BigEndian(destination[16..], NextSequence);
        BinaryPrimitives.WriteInt64BigEndian(destination[24..], DroppedCount);
        BinaryPrimitives.WriteInt64BigEndian(destination[32..], LostCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[40..], (uint)RetiredAbove.Count);
        var pos = FixedSize;
        foreach (var s in RetiredAbove)
        {
            BinaryPrimitives.WriteInt64BigEndian(destination[pos..], s);
            pos += 8;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination[pos..], Crc32C.Compute(destination[..pos]));
    }

    public static Checkpoint? TryDecode(ReadOnlySpan<byte> source)
    {
        if (source.Length < FixedSize + 4
            || BinaryPrimitives.ReadUInt32BigEndian(source) != Magic
            || BinaryPrimitives.ReadUInt16BigEndian(source[4..]) != Version)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadUInt32BigEndian(source[40..]);
        if (count > (uint)((source.Length - FixedSize - 4) / 8) || source.Length != FixedSize + (8 * (int)count) + 4)
        {
            return null;
        }

        var end = FixedSize + (8 * (int)count);
        if (Crc32C.Compute(source[..end]) != BinaryPrimitives.ReadUInt32BigEndian(source[end..]))
        {
            return null;
        }

        var retiredThrough = BinaryPrimitives.ReadInt64BigEndian(source[8..]);
        var above = new long[count];
        for (var i = 0; i < above.Length; i++)
        {
            above[i] = BinaryPrimitives.ReadInt64BigEndian(source[(FixedSize + (8 * i))..]);
            if (above[i] <= retiredThrough || (i > 0 && above[i] <= above[i - 1]))
            {
                return null;
            }
        }

        return new Checkpoint(
            retiredThrough,
            BinaryPrimitives.ReadInt64BigEndian(source[16..]),
            BinaryPrimitives.ReadInt64BigEndian(source[24..]),
            BinaryPrimitives.ReadInt64BigEndian(source[32..]),
            above);
    }
}

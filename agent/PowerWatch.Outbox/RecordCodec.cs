using System.Buffers.Binary;
using System.Text;

namespace PowerWatch.Outbox;

/// <summary>
/// Pure encoder/decoder of the on-disk formats (spans in, spans out; no I/O). All integers big-endian.
/// <code>
/// record  := magic u32 "PWOR" | bodyLength u32 | body | crc32c u32 (over bodyLength and body)
/// body    := sequence u64 | timestamp i64 (UTC ticks) | flags u8 | streamLength u16 | stream (UTF-8)
///            | topicLength u16 | topic (UTF-8) | payload (rest of body)
/// flags   := bits 0-1 QoS, bit 2 retain, bit 3 topic present
/// segment header := magic u32 "PWOS" | version u16 | reserved u16 | firstSequence u64 | crc32c u32 (over the 16 bytes before)
/// </code>
/// </summary>
internal static class RecordCodec
{
    public const uint RecordMagic = 0x50574F52; // "PWOR"
    public const uint SegmentMagic = 0x50574F53; // "PWOS"
    public const ushort SegmentVersion = 1;
    public const int SegmentHeaderSize = 20;

    /// <summary>magic + length before the body, CRC after it.</summary>
    public const int FramingSize = 12;

    /// <summary>sequence, timestamp, flags, two string lengths.</summary>
    public const int FixedBodySize = 8 + 8 + 1 + 2 + 2;

    public const int MaxStringBytes = ushort.MaxValue;

    private const byte QosMask = 0x03;
    private const byte RetainFlag = 0x04;
    private const byte TopicFlag = 0x08;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int GetRecordSize(int streamBytes, int topicBytes, int payloadBytes) =>
        FramingSize + FixedBodySize + streamBytes + topicBytes + payloadBytes;

    public static int GetUtf8Length(string? text) => text is null ? 0 : StrictUtf8.GetByteCount(text);

    /// <summary>Writes one record into <paramref name="destination"/> (exactly <see cref="GetRecordSize"/> bytes) and returns its size.</summary>
    public static int Encode(Span<byte> destination, long sequence, long timestampTicks, string stream, OutboxMetadata metadata, ReadOnlySpan<byte> payload)
    {
        var streamBytes = StrictUtf8.GetByteCount(stream);
        var topicBytes = GetUtf8Length(metadata.Topic);
        var bodyLength = FixedBodySize + streamBytes + topicBytes + payload.Length;
        var size = FramingSize + bodyLength;
        if (destination.Length < size)
        {
            throw new ArgumentException("Destination too small for the record.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, RecordMagic);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)bodyLength);
        var body = destination.Slice(8, bodyLength);
        BinaryPrimitives.WriteInt64BigEndian(body, sequence);
        BinaryPrimitives.WriteInt64BigEndian(body[8..], timestampTicks);
        var flags = (byte)(metadata.Qos & QosMask);
        if (metadata.Retain)
        {
            flags |= RetainFlag;
        }

        if (metadata.Topic is not null)
        {
            flags |= TopicFlag;
        }

        body[16] = flags;
        var pos = 17;
        BinaryPrimitives.WriteUInt16BigEndian(body[pos..], (ushort)streamBytes);
        pos += 2;
        pos += StrictUtf8.GetBytes(stream, body[pos..]);
        BinaryPrimitives.WriteUInt16BigEndian(body[pos..], (ushort)topicBytes);
        pos += 2;
        if (metadata.Topic is not null)
        {
            pos += StrictUtf8.GetBytes(metadata.Topic, body[pos..]);
        }

        payload.CopyTo(body[pos..]);
        var crc = Crc32C.Compute(destination.Slice(4, 4 + bodyLength));
        BinaryPrimitives.WriteUInt32BigEndian(destination[(8 + bodyLength)..], crc);
        return size;
    }

    /// <summary>
    /// Checks that a complete, intact record starts at the beginning of <paramref name="source"/>.
    /// Returns false (never throws) for anything else: short data, wrong magic, impossible length, CRC mismatch.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> source, out long sequence, out long timestampTicks, out int recordSize)
    {
        sequence = 0;
        timestampTicks = 0;
        recordSize = 0;
        if (source.Length < FramingSize + FixedBodySize || BinaryPrimitives.ReadUInt32BigEndian(source) != RecordMagic)
        {
            return false;
        }

        var bodyLength = BinaryPrimitives.ReadUInt32BigEndian(source[4..]);
        if (bodyLength < FixedBodySize || bodyLength > (uint)(source.Length - FramingSize))
        {
            return false;
        }

        var body = source.Slice(8, (int)bodyLength);
        var stored = BinaryPrimitives.ReadUInt32BigEndian(source[(8 + (int)bodyLength)..]);
        if (Crc32C.Compute(source.Slice(4, 4 + (int)bodyLength)) != stored)
        {
            return false;
        }

        // Structural check of the string lengths so a CRC-valid body is also decodable.
        var streamLength = BinaryPrimitives.ReadUInt16BigEndian(body[17..]);
        if (19 + streamLength + 2 > body.Length)
        {
            return false;
        }

        var topicLength = BinaryPrimitives.ReadUInt16BigEndian(body[(19 + streamLength)..]);
        if (21 + streamLength + topicLength > body.Length)
        {
            return false;
        }

        sequence = BinaryPrimitives.ReadInt64BigEndian(body);
        timestampTicks = BinaryPrimitives.ReadInt64BigEndian(body[8..]);
        recordSize = FramingSize + (int)bodyLength;
        return true;
    }

    /// <summary>Decodes a record already validated by <see cref="TryReadHeader"/>; returns null if it is not valid.</summary>
    public static OutboxEntry? TryDecode(ReadOnlySpan<byte> source)
    {
        if (!TryReadHeader(source, out var sequence, out var ticks, out var size))
        {
            return null;
        }

        var body = source[8..(size - 4)];
        var flags = body[16];
        var streamLength = BinaryPrimitives.ReadUInt16BigEndian(body[17..]);
        var pos = 19;
        string stream;
        string? topic = null;
        try
        {
            stream = StrictUtf8.GetString(body.Slice(pos, streamLength));
            pos += streamLength;
            var topicLength = BinaryPrimitives.ReadUInt16BigEndian(body[pos..]);
            pos += 2;
            if ((flags & TopicFlag) != 0)
            {
                topic = StrictUtf8.GetString(body.Slice(pos, topicLength));
            }

            pos += topicLength;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return null;
        }

        return new OutboxEntry(
            sequence,
            stream,
            new OutboxMetadata(topic, (byte)(flags & QosMask), (flags & RetainFlag) != 0),
            new DateTimeOffset(ticks, TimeSpan.Zero),
            body[pos..].ToArray());
    }

    public static void WriteSegmentHeader(Span<byte> destination, long firstSequence)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, SegmentMagic);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], SegmentVersion);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], 0);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], firstSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Crc32C.Compute(destination[..16]));
    }

    public static bool TryReadSegmentHeader(ReadOnlySpan<byte> source, out long firstSequence)
    {
        firstSequence = 0;
        if (source.Length < SegmentHeaderSize
            || BinaryPrimitives.ReadUInt32BigEndian(source) != SegmentMagic
            || BinaryPrimitives.ReadUInt16BigEndian(source[4..]) != SegmentVersion
            || BinaryPrimitives.ReadUInt32BigEndian(source[16..]) != Crc32C.Compute(source[..16]))
        {
            return false;
        }

        firstSequence = BinaryPrimitives.ReadInt64BigEndian(source[8..]);
        return true;
    }
}

using System.Buffers.Binary;
using System.Text;

namespace PowerWatch.Outbox.Tests;

public sealed class Crc32CTests
{
    // RFC 3720 (iSCSI) Appendix B.4 "CRC Examples": the CRC bytes are listed as sent on the wire (least significant first).
    [Theory]
    [InlineData(0x00, 0x8A9136AAu)] // 32 bytes of zeroes: aa 36 91 8a
    [InlineData(0xFF, 0x62A8AB43u)] // 32 bytes of ones: 43 ab a8 62
    public void Crc32c_matches_rfc3720_examples_for_constant_blocks(byte fill, uint expected)
    {
        var data = new byte[32];
        data.AsSpan().Fill(fill);
        Assert.Equal(expected, Crc32C.Compute(data));
    }

    [Fact]
    public void Crc32c_matches_rfc3720_example_for_incrementing_bytes()
    {
        // RFC 3720 Appendix B.4: 32 bytes of incrementing 00..1f: CRC 4e 79 dd 46.
        var data = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(data));
    }

    [Fact]
    public void Crc32c_of_check_string_is_the_catalogued_check_value()
    {
        // CRC-32/ISCSI check value over ASCII "123456789" (RevEng CRC catalogue).
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Crc32c_computed_in_pieces_equals_one_pass()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        for (var split = 0; split <= data.Length; split += 37)
        {
            var state = Crc32C.Append(Crc32C.Start, data.AsSpan(0, split));
            state = Crc32C.Append(state, data.AsSpan(split));
            Assert.Equal(Crc32C.Compute(data), Crc32C.Finish(state));
        }
    }
}

public sealed class RecordCodecTests
{
    private static byte[] Encode(long seq, string stream, OutboxMetadata meta, byte[] payload, long ticks = 638_000_000_000_000_000)
    {
        var size = RecordCodec.GetRecordSize(Encoding.UTF8.GetByteCount(stream), meta.Topic is null ? 0 : Encoding.UTF8.GetByteCount(meta.Topic), payload.Length);
        var buffer = new byte[size];
        Assert.Equal(size, RecordCodec.Encode(buffer, seq, ticks, stream, meta, payload));
        return buffer;
    }

    [Fact]
    public void Record_layout_is_frozen()
    {
        // Format of README.md "Record": magic "PWOR", big-endian body length, body, CRC-32C over length + body.
        var record = Encode(0x0102030405060708, "ups-a", new OutboxMetadata("t/x", 1, true), [0xAA, 0xBB]);
        Assert.Equal("PWOR"u8.ToArray(), record[..4]);
        var bodyLength = BinaryPrimitives.ReadUInt32BigEndian(record.AsSpan(4));
        Assert.Equal((uint)(8 + 8 + 1 + 2 + 5 + 2 + 3 + 2), bodyLength);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, record[8..16]);
        Assert.Equal(0x01 | 0x04 | 0x08, record[24]); // QoS 1, retain, topic present
        Assert.Equal(new byte[] { 0, 5 }, record[25..27]);
        Assert.Equal("ups-a"u8.ToArray(), record[27..32]);
        Assert.Equal(new byte[] { 0, 3 }, record[32..34]);
        Assert.Equal("t/x"u8.ToArray(), record[34..37]);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, record[37..39]);
        Assert.Equal(Crc32C.Compute(record.AsSpan(4, 4 + (int)bodyLength)), BinaryPrimitives.ReadUInt32BigEndian(record.AsSpan(39)));
        Assert.Equal(43, record.Length);
    }

    [Fact]
    public void Record_round_trips_every_field()
    {
        var ticks = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).UtcTicks;
        var record = Encode(42, "génératrice-1", new OutboxMetadata("powerwatch/s/g/telemetry", 1, false), Encoding.UTF8.GetBytes("{\"v\":1}"), ticks);
        var entry = RecordCodec.TryDecode(record);
        Assert.NotNull(entry);
        Assert.Equal(42, entry.Sequence);
        Assert.Equal("génératrice-1", entry.Stream);
        Assert.Equal(new OutboxMetadata("powerwatch/s/g/telemetry", 1, false), entry.Metadata);
        Assert.Equal(ticks, entry.Timestamp.UtcTicks);
        Assert.Equal("{\"v\":1}", Encoding.UTF8.GetString(entry.Payload.Span));
    }

    [Fact]
    public void Record_without_topic_decodes_null_topic()
    {
        var entry = RecordCodec.TryDecode(Encode(1, "s", default, []));
        Assert.NotNull(entry);
        Assert.Null(entry.Metadata.Topic);
        Assert.True(entry.Payload.IsEmpty);
    }

    [Fact]
    public void Record_with_any_single_bit_flipped_is_rejected()
    {
        var record = Encode(7, "pdu-3", new OutboxMetadata("t", 0, false), Encoding.UTF8.GetBytes("payload"));
        for (var i = 0; i < record.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var damaged = (byte[])record.Clone();
                damaged[i] ^= (byte)(1 << bit);
                Assert.False(RecordCodec.TryReadHeader(damaged, out _, out _, out _), $"flip at byte {i} bit {bit} accepted");
            }
        }
    }

    [Fact]
    public void Record_cut_at_any_length_is_rejected()
    {
        var record = Encode(7, "pdu-3", default, new byte[40]);
        for (var len = 0; len < record.Length; len++)
        {
            Assert.False(RecordCodec.TryReadHeader(record.AsSpan(0, len), out _, out _, out _), $"prefix of {len} bytes accepted");
        }

        Assert.True(RecordCodec.TryReadHeader(record, out var seq, out _, out var size));
        Assert.Equal(7, seq);
        Assert.Equal(record.Length, size);
    }

    [Fact]
    public void Segment_header_round_trips_and_rejects_damage()
    {
        var header = new byte[RecordCodec.SegmentHeaderSize];
        RecordCodec.WriteSegmentHeader(header, 12345);
        Assert.Equal("PWOS"u8.ToArray(), header[..4]);
        Assert.True(RecordCodec.TryReadSegmentHeader(header, out var first));
        Assert.Equal(12345, first);
        header[10] ^= 1;
        Assert.False(RecordCodec.TryReadSegmentHeader(header, out _));
    }
}

public sealed class CheckpointCodecTests
{
    [Fact]
    public void Checkpoint_round_trips()
    {
        var cp = new Checkpoint(10, 20, 3, 2, [12L, 15L, 19L]);
        var bytes = new byte[cp.EncodedSize];
        cp.Encode(bytes);
        Assert.Equal("PWCK"u8.ToArray(), bytes[..4]);
        var back = Checkpoint.TryDecode(bytes);
        Assert.NotNull(back);
        Assert.Equal((10L, 20L, 3L, 2L), (back.RetiredThrough, back.NextSequence, back.DroppedCount, back.LostCount));
        Assert.Equal([12L, 15L, 19L], back.RetiredAbove);
    }

    [Fact]
    public void Damaged_checkpoint_is_rejected()
    {
        var cp = new Checkpoint(10, 20, 3, 2, [12L]);
        var bytes = new byte[cp.EncodedSize];
        cp.Encode(bytes);
        for (var i = 0; i < bytes.Length; i++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x10;
            Assert.Null(Checkpoint.TryDecode(damaged));
        }

        Assert.Null(Checkpoint.TryDecode(bytes.AsSpan(0, bytes.Length - 1)));
    }
}

public sealed class OutboxOptionsTests
{
    [Fact]
    public void Default_options_with_a_directory_are_valid()
    {
        Assert.Empty(new OutboxOptions { Directory = "/var/lib/powerwatch/outbox" }.GetValidationErrors());
    }

    [Fact]
    public void Invalid_options_are_reported_by_key()
    {
        var options = new OutboxOptions
        {
            Directory = " ",
            SegmentBytes = 100,
            MaxBytes = 150,
            FsyncMode = (FsyncMode)9,
            FsyncInterval = TimeSpan.Zero,
            CheckpointInterval = TimeSpan.FromSeconds(-1),
            MaxBatchEntries = 0,
        };
        var errors = options.GetValidationErrors();
        foreach (var key in new[] { "Outbox:Directory", "Outbox:SegmentBytes", "Outbox:MaxBytes", "Outbox:FsyncMode", "Outbox:FsyncInterval", "Outbox:CheckpointInterval", "Outbox:MaxBatchEntries" })
        {
            Assert.Contains(errors, e => e.StartsWith(key, StringComparison.Ordinal));
        }

        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("Outbox:MaxBytes", ex.Message);
    }
}

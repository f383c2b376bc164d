using System.Buffers;

namespace PowerWatch.Snmp.Tests;

/// <summary>BER values: X.690's own examples, SNMP's types, and the acceptance rules written on <see cref="BerReader"/>.</summary>
public sealed class BerCodecTests
{
    private static byte[] Write(Action<BerWriter> write)
    {
        var writer = new BerWriter(4);
        write(writer);
        var output = new ArrayBufferWriter<byte>();
        writer.CopyTo(output);
        return output.WrittenSpan.ToArray();
    }

    private static SnmpValue ReadValue(byte[] bytes)
    {
        var reader = new BerReader(bytes);
        var value = SnmpValue.Read(ref reader);
        reader.ExpectEnd("value");
        return value;
    }

    [Fact]
    public void Oid_2_999_3_encodes_as_in_X690_8_19_5()
    {
        // X.690 §8.19.5 EXAMPLE: {2 999 3} -> 06 03 88 37 03 (first sub-identifier 2*40 + 999 = 1079).
        Assert.Equal(Captures.Hex("06 03 88 37 03"), Write(w => w.WriteOid(new Oid(2, 999, 3))));
        var reader = new BerReader(Captures.Hex("06 03 88 37 03"));
        Assert.Equal(new Oid(2, 999, 3), reader.ReadOid("oid"));
    }

    [Fact]
    public void Length_201_uses_the_long_form_of_X690_8_1_3_5()
    {
        // X.690 §8.1.3.5 EXAMPLE: L = 201 is 10000001 11001001 (81 C9).
        var content = new byte[201];
        var bytes = Write(w => w.WriteOctetString(content));
        Assert.Equal(Captures.Hex("04 81 C9"), bytes[..3]);
        Assert.Equal(204, bytes.Length);
        var reader = new BerReader(bytes);
        Assert.Equal(201, reader.ReadOctetString("s").Length);
    }

    [Fact]
    public void Constructed_lengths_grow_to_the_long_form_when_the_content_does()
    {
        var bytes = Write(w =>
        {
            w.BeginSequence();
            w.BeginSequence();
            w.WriteOctetString(new byte[300]);
            w.EndConstructed();
            w.EndConstructed();
        });
        Assert.Equal(Captures.Hex("30 82 01 34 30 82 01 30 04 82 01 2C"), bytes[..12]);
        var reader = new BerReader(bytes);
        var outer = reader.ReadSequence("outer");
        var inner = outer.ReadSequence("inner");
        Assert.Equal(300, inner.ReadOctetString("s").Length);
    }

    [Theory]
    [InlineData(0, "02 01 00")]
    [InlineData(127, "02 01 7F")]
    [InlineData(128, "02 02 00 80")]
    [InlineData(256, "02 02 01 00")]
    [InlineData(-1, "02 01 FF")]
    [InlineData(-128, "02 01 80")]
    [InlineData(-129, "02 02 FF 7F")]
    [InlineData(int.MaxValue, "02 04 7F FF FF FF")]
    [InlineData(int.MinValue, "02 04 80 00 00 00")]
    public void Integer32_uses_minimal_twos_complement(int value, string hex)
    {
        // X.690 §8.3: two's complement in the fewest octets.
        Assert.Equal(Captures.Hex(hex), Write(w => SnmpValue.Integer32(value).WriteTo(w)));
        Assert.Equal(value, ReadValue(Captures.Hex(hex)).AsInt32());
    }

    [Theory]
    [InlineData(0x41, 0u, "41 01 00")]
    [InlineData(0x41, 3481108302u, "41 05 00 CF 7D 7F 4E")]
    [InlineData(0x42, 10000000u, "42 04 00 98 96 80")]
    [InlineData(0x43, 2087u, "43 02 08 27")]
    [InlineData(0x42, uint.MaxValue, "42 05 00 FF FF FF FF")]
    public void Unsigned32_types_get_a_leading_zero_when_the_top_bit_is_set(byte tag, uint value, string hex)
    {
        // Values from the net-snmp capture get-v2c-counters / getbulk-v2c-system.
        var v = tag switch { 0x41 => SnmpValue.Counter32(value), 0x42 => SnmpValue.Gauge32(value), _ => SnmpValue.TimeTicks(value) };
        Assert.Equal(Captures.Hex(hex), Write(w => v.WriteTo(w)));
        Assert.Equal(value, ReadValue(Captures.Hex(hex)).AsUInt32());
    }

    [Fact]
    public void Counter64_round_trips_its_full_range()
    {
        Assert.Equal(Captures.Hex("46 09 00 FF FF FF FF FF FF FF FF"), Write(w => SnmpValue.Counter64(ulong.MaxValue).WriteTo(w)));
        Assert.Equal(ulong.MaxValue, ReadValue(Captures.Hex("46 09 00 FF FF FF FF FF FF FF FF")).AsUInt64());
        Assert.Equal(3481108302ul, ReadValue(Captures.Hex("46 05 00 CF 7D 7F 4E")).AsUInt64());
    }

    [Fact]
    public void Other_value_types_round_trip()
    {
        SnmpValue[] values =
        [
            SnmpValue.OctetString("PowerWatch"), SnmpValue.Null, SnmpValue.ObjectIdentifier(Oid.Parse("1.3.6.1.4.1.8072.3.2.10")),
            SnmpValue.IpAddress(System.Net.IPAddress.Parse("127.0.0.1")), SnmpValue.Opaque([0x9F, 0x78, 0x04, 0x42, 0xF6, 0x00, 0x00]),
            SnmpValue.NoSuchObject, SnmpValue.NoSuchInstance, SnmpValue.EndOfMibView,
        ];
        foreach (var v in values)
        {
            Assert.Equal(v, ReadValue(Write(w => v.WriteTo(w))));
        }

        Assert.Equal(Captures.Hex("40 04 7F 00 00 01"), Write(w => values[3].WriteTo(w)));
        Assert.Equal(Captures.Hex("80 00 81 00 82 00"), Write(w => { SnmpValue.NoSuchObject.WriteTo(w); SnmpValue.NoSuchInstance.WriteTo(w); SnmpValue.EndOfMibView.WriteTo(w); }));
    }

    [Fact]
    public void Non_minimal_long_form_lengths_are_accepted_as_X690_note_2_allows()
    {
        // "In the long form, it is a sender's option whether to use more length octets than the minimum necessary."
        Assert.Equal("ab", ReadValue(Captures.Hex("04 81 02 61 62")).AsString());
        Assert.Equal("ab", ReadValue(Captures.Hex("04 84 00 00 00 02 61 62")).AsString());
    }

    [Fact]
    public void Redundant_leading_integer_octets_are_accepted_when_the_value_fits()
    {
        Assert.Equal(5, ReadValue(Captures.Hex("02 03 00 00 05")).AsInt32());
        Assert.Equal(-1, ReadValue(Captures.Hex("02 02 FF FF")).AsInt32());
        Assert.Equal(7u, ReadValue(Captures.Hex("41 04 00 00 00 07")).AsUInt32());
    }

    [Fact]
    public void Unsigned32_sent_with_the_sign_bit_set_is_read_as_its_raw_octets()
    {
        // Some agents encode Counter32 4294967295 as 41 04 FF FF FF FF; net-snmp reads it as unsigned, so do we.
        Assert.Equal(uint.MaxValue, ReadValue(Captures.Hex("41 04 FF FF FF FF")).AsUInt32());
        Assert.Equal(0x80u, ReadValue(Captures.Hex("42 01 80")).AsUInt32());
        Assert.Equal(ulong.MaxValue, ReadValue(Captures.Hex("46 08 FF FF FF FF FF FF FF FF")).AsUInt64());
    }

    [Theory]
    [InlineData("02 00", "empty integer")]
    [InlineData("02 05 01 00 00 00 00", "does not fit 32 bits")]
    [InlineData("41 05 FF FF FF FF FF", "negative value for an unsigned type")]
    [InlineData("41 05 01 00 00 00 00", "does not fit 32 bits")]
    [InlineData("46 0A 01 00 00 00 00 00 00 00 00 00", "does not fit 64 bits")]
    [InlineData("05 01 00", "with content")]
    [InlineData("80 01 00", "with content")]
    [InlineData("40 03 7F 00 01", "IpAddress of 3 octets")]
    [InlineData("06 00", "empty OBJECT IDENTIFIER")]
    [InlineData("06 03 2B 80 01", "leading 0x80")]
    [InlineData("06 02 2B 86", "truncated sub-identifier")]
    [InlineData("06 07 2B 90 80 80 80 80 01", "larger than 32 bits")]
    [InlineData("04 80 61 00 00", "indefinite length")]
    [InlineData("04 85 00 00 00 00 01 61", "longer than the 4 allowed")]
    [InlineData("04 82 01", "length runs past the end")]
    [InlineData("04 05 61 62", "runs past the end")]
    [InlineData("04", "length is missing")]
    [InlineData("1F 01 00", "high tag numbers")]
    [InlineData("47 01 01", "unsupported value type 0x47")]
    [InlineData("04 84 7F FF FF FF 61", "runs past the end")]
    public void Malformed_values_are_rejected_with_a_reason(string hex, string reason)
    {
        var e = Assert.Throws<SnmpProtocolException>(() => ReadValue(Captures.Hex(hex)));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.True(e.Offset >= 0, e.Message);
    }

    [Fact]
    public void Oid_with_129_arcs_is_rejected_and_128_accepted()
    {
        var arcs128 = Enumerable.Repeat(1u, 128).ToArray();
        arcs128[0] = 1;
        var ok = Write(w => w.WriteOid(new Oid(arcs128)));
        Assert.Equal(128, ReadValue(ok).AsOid().Length);

        // The first octet holds two arcs (1.1); 127 more octets of 01 make 129 arcs: one too many.
        var content = new byte[128];
        content.AsSpan().Fill(1);
        content[0] = 0x29;
        var bytes = new byte[] { 0x06, 0x81, 128 }.Concat(content).ToArray();
        var e = Assert.Throws<SnmpProtocolException>(() => ReadValue(bytes));
        Assert.Contains("more than 128 arcs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected_without_recursion()
    {
        // 17 nested SEQUENCEs, each one byte long short-form: 30 xx 30 xx ... 05 00
        var depth = BerLimits.MaxDepth + 1;
        var bytes = new List<byte> { 0x05, 0x00 };
        for (var i = 0; i < depth; i++)
        {
            bytes.Insert(0, (byte)bytes.Count);
            bytes.Insert(0, 0x30);
        }

        var array = bytes.ToArray();
        var e = Assert.Throws<SnmpProtocolException>(() =>
        {
            var reader = new BerReader(array);
            for (var i = 0; i < depth; i++)
            {
                reader = reader.ReadSequence("level");
            }
        });
        Assert.Contains("nesting deeper than 16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oid_parses_compares_and_tests_subtrees()
    {
        var system = Oid.Parse("1.3.6.1.2.1.1");
        var descr = Oid.Parse(".1.3.6.1.2.1.1.1.0");
        Assert.Equal("1.3.6.1.2.1.1.1.0", descr.ToString());
        Assert.True(descr.StartsWith(system));
        Assert.True(descr.IsChildOf(system));
        Assert.False(system.IsChildOf(system));
        Assert.True(system.StartsWith(system));
        Assert.False(Oid.Parse("1.3.6.1.2.1.10").StartsWith(system));
        Assert.True(system < descr);
        Assert.True(Oid.Parse("1.3.6.1.2.1.1.9") < Oid.Parse("1.3.6.1.2.1.1.10"));
        Assert.True(Oid.Parse("1.3.6.1.2.1.2") > descr);
        Assert.Equal(descr, system.Append(1, 0));
        Assert.Equal([1u, 0u], descr.IndexAfter(system).ToArray());
        Assert.Equal(Oid.Parse("1.3.6.1").GetHashCode(), new Oid(1, 3, 6, 1).GetHashCode());
        Assert.Equal(new Oid(1, 3, 6, 1), Oid.Parse("1.3.6.1"));
        Assert.Equal(4294967295u, Oid.Parse("1.3.4294967295")[2]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("3.1")]
    [InlineData("1.40")]
    [InlineData("1..3")]
    [InlineData("1.3.")]
    [InlineData("1.3.x")]
    [InlineData("1.3.-1")]
    [InlineData("1.3.4294967296")]
    [InlineData("1.3. 6")]
    public void Invalid_oid_text_is_refused(string text)
    {
        Assert.False(Oid.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Oid.Parse(text));
    }

    [Fact]
    public void Oid_text_of_129_arcs_is_refused() =>
        Assert.False(Oid.TryParse(string.Join('.', Enumerable.Repeat("1", 129)), out _));
}

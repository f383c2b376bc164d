namespace PowerWatch.Snmp.Tests;

/// <summary>
/// Every decoder against broken input: each golden packet truncated at every byte, every byte mutated, random
/// garbage, hostile lengths and tags. The only acceptable failure is <see cref="SnmpProtocolException"/>.
/// </summary>
public sealed class MalformedInputTests
{
    private static readonly string[] AllCaptures =
    [
        "get-v2c-sysdescr", "get-v1-sysuptime", "get-v1-nosuchname", "getnext-v2c-system", "getbulk-v2c-system",
        "get-v2c-nosuch", "getnext-v2c-endofmibview", "get-v2c-counters", "trap-v2c", "trap-v1",
        "get-v3-authpriv-sha-aes", "get-v3-authpriv-sha256-aes", "get-v3-wrong-password",
    ];

    private static IEnumerable<byte[]> Packets() => AllCaptures.SelectMany(c => Captures.Load(c).Select(p => p.Bytes));

    /// <summary>Decodes with the decoder the version calls for (as the client does); null when the bytes are valid.</summary>
    private static void DecodeAny(ReadOnlySpan<byte> bytes)
    {
        if (SnmpMessage.PeekVersion(bytes) == SnmpVersion.V3)
        {
            SnmpV3Message.Decode(bytes);
        }
        else
        {
            SnmpCommunityMessage.Decode(bytes);
        }
    }

    private static void OnlyProtocolErrors(byte[] bytes, string what)
    {
        try
        {
            DecodeAny(bytes);
        }
        catch (SnmpProtocolException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} instead of SnmpProtocolException for {Convert.ToHexString(bytes)}: {e}");
        }
    }

    [Fact]
    public void Every_golden_packet_truncated_at_every_byte_is_rejected_as_a_protocol_error()
    {
        var count = 0;
        foreach (var packet in Packets())
        {
            for (var n = 0; n < packet.Length; n++)
            {
                var cut = packet[..n];
                var e = Assert.Throws<SnmpProtocolException>(() => DecodeAny(cut));
                Assert.False(string.IsNullOrEmpty(e.Reason), e.Message);
                count++;
            }
        }

        Assert.True(count > 1500, $"only {count} truncations tried");
    }

    [Fact]
    public void Every_golden_packet_with_any_byte_mutated_decodes_or_fails_only_as_a_protocol_error()
    {
        byte[] masks = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF, 0x7F];
        foreach (var packet in Packets())
        {
            for (var i = 0; i < packet.Length; i++)
            {
                foreach (var mask in masks)
                {
                    var copy = (byte[])packet.Clone();
                    copy[i] ^= mask;
                    OnlyProtocolErrors(copy, $"byte {i} ^ {mask:X2}");
                }

                foreach (var value in new byte[] { 0x00, 0x80, 0x81, 0x84, 0xFF })
                {
                    var copy = (byte[])packet.Clone();
                    copy[i] = value;
                    OnlyProtocolErrors(copy, $"byte {i} = {value:X2}");
                }
            }
        }
    }

    [Fact]
    public void Random_garbage_and_spliced_packets_fail_only_as_protocol_errors()
    {
        var random = new Random(1157);
        var packets = Packets().ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
                if (bytes.Length > 2)
                {
                    bytes[0] = 0x30; // look like a message to get past the first check
                }
            }
            else
            {
                var a = packets[random.Next(packets.Length)];
                var b = packets[random.Next(packets.Length)];
                var cut = random.Next(a.Length);
                bytes = [.. a[..cut], .. b[random.Next(b.Length)..]];
            }

            OnlyProtocolErrors(bytes, "fuzz");
        }
    }

    [Theory]
    [InlineData("30 84 FF FF FF FF 02 01 01", "runs past the end")]
    [InlineData("30 84 7F FF FF FF 02 01 01", "runs past the end")]
    [InlineData("30 89 01 00 00 00 00 00 00 00 01", "longer than the 4 allowed")]
    [InlineData("30 80 02 01 01 00 00", "indefinite length")]
    [InlineData("31 03 02 01 01", "expected tag 0x30")]
    [InlineData("30 03 02 01 02", "version 2 is not v1 (0) or v2c (1)")]
    [InlineData("30 03 02 01 01 00", "trailing byte")]
    [InlineData("30 0C 02 01 01 04 00 A9 05 02 01 00 30 00", "unknown PDU type 0xA9")]
    [InlineData("30 12 02 01 01 04 00 A0 0B 02 01 01 02 01 00 02 01 00 30 00 FF", "trailing byte")]
    [InlineData("30 14 02 01 01 04 00 A0 0D 02 01 01 02 01 00 02 01 00 30 00 05 00", "trailing byte(s) after GetRequest")]
    [InlineData("30 19 02 01 01 04 00 A2 12 02 01 01 02 01 00 02 01 00 30 07 30 05 06 01 2B 30 00", "unsupported value type 0x30")]
    [InlineData("30 18 02 01 01 04 00 A2 11 02 01 01 02 01 00 02 01 00 30 06 30 04 06 01 2B 05", "length is missing")]
    [InlineData("30 0E 02 01 01 04 00 A0 07 02 05 01 00 00 00 00", "does not fit 32 bits")]
    public void Hostile_community_messages_are_rejected_with_a_reason(string hex, string reason)
    {
        var bytes = Captures.Hex(hex);
        var e = Assert.Throws<SnmpProtocolException>(() => SnmpCommunityMessage.Decode(bytes));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_larger_than_the_largest_datagram_is_rejected_before_decoding()
    {
        var huge = new byte[BerLimits.MaxMessageSize + 1];
        huge[0] = 0x30;
        var e = Assert.Throws<SnmpProtocolException>(() => SnmpCommunityMessage.Decode(huge));
        Assert.Contains("larger than 65507", e.Message, StringComparison.Ordinal);
        Assert.Throws<SnmpProtocolException>(() => SnmpV3Message.Decode(huge));
    }

    [Fact]
    public void V3_messages_with_bad_flags_security_model_or_sizes_are_rejected()
    {
        var discovery = Captures.Sent("get-v3-authpriv-sha-aes");
        // Layout (net-snmp discovery): 30 3E 02 01 03 30 11 02 04 <id:9-12> 02 03 <maxSize:15-17> 04 01 <flags:20> 02 01 <model:23> ...
        var privWithoutAuth = (byte[])discovery.Clone();
        privWithoutAuth[20] = 0x06;
        Assert.Contains("privacy without authentication", Assert.Throws<SnmpProtocolException>(() => SnmpV3Message.Decode(privWithoutAuth)).Message, StringComparison.Ordinal);

        var otherModel = (byte[])discovery.Clone();
        otherModel[23] = 0x02;
        Assert.Contains("not the USM", Assert.Throws<SnmpProtocolException>(() => SnmpV3Message.Decode(otherModel)).Message, StringComparison.Ordinal);

        var tinyMaxSize = (byte[])discovery.Clone();
        tinyMaxSize[15] = 0x00;
        tinyMaxSize[16] = 0x00;
        tinyMaxSize[17] = 0x10;
        Assert.Contains("msgMaxSize", Assert.Throws<SnmpProtocolException>(() => SnmpV3Message.Decode(tinyMaxSize)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decrypted_garbage_scoped_pdu_is_a_protocol_error()
    {
        var random = new Random(3826);
        for (var i = 0; i < 2_000; i++)
        {
            var bytes = new byte[random.Next(0, 120)];
            random.NextBytes(bytes);
            try
            {
                SnmpScopedPdu.Decode(bytes);
            }
            catch (SnmpProtocolException)
            {
            }
        }
    }
}

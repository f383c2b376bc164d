using System.Buffers;
using PowerWatch.Mqtt.Packets;
using static PowerWatch.Mqtt.Tests.Codec;

namespace PowerWatch.Mqtt.Tests;

public sealed class CodecMalformedTests
{
    // MQTT 5.0 §1.5.5: a variable byte integer uses at most four bytes.
    [Fact]
    public void Remaining_length_with_a_fifth_byte_is_rejected()
    {
        var e = DecodeFails([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
        Assert.Equal(MqttProtocolError.VariableByteIntegerTooLong, e.Error);
    }

    [Fact]
    public void Remaining_length_beyond_the_maximum_packet_size_is_rejected_before_the_body_arrives()
    {
        // Header says 1,000 bytes follow; only the header is present and the limit is 512.
        var e = DecodeFails([0x30, 0xE8, 0x07], max: 512);
        Assert.Equal(MqttProtocolError.PacketTooLarge, e.Error);
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0xF0)]
    public void Reserved_and_unsupported_packet_types_are_rejected(byte first)
    {
        Assert.Equal(MqttProtocolError.UnknownPacketType, DecodeFails([first, 0x00]).Error);
    }

    // MQTT 3.1.1 §2.2.2 Table 2.2: PUBREL, SUBSCRIBE, UNSUBSCRIBE flags are 0010; all others but PUBLISH 0000.
    [Theory]
    [InlineData(new byte[] { 0x60, 0x02, 0x00, 0x01 })]
    [InlineData(new byte[] { 0x41, 0x02, 0x00, 0x01 })]
    [InlineData(new byte[] { 0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00 })]
    [InlineData(new byte[] { 0xC1, 0x00 })]
    [InlineData(new byte[] { 0x22, 0x02, 0x00, 0x00 })]
    public void Wrong_reserved_fixed_header_flags_are_rejected(byte[] bytes)
    {
        Assert.Equal(MqttProtocolError.InvalidFixedHeaderFlags, DecodeFails(bytes).Error);
    }

    // MQTT 3.1.1 §3.3.1.2: QoS 3 is malformed.
    [Fact]
    public void Publish_with_qos_3_is_rejected()
    {
        Assert.Equal(MqttProtocolError.InvalidFixedHeaderFlags, DecodeFails([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]).Error);
    }

    [Fact]
    public void Publish_topic_with_invalid_utf8_is_rejected()
    {
        // 0xC3 0x28 is an invalid two-byte sequence.
        Assert.Equal(MqttProtocolError.InvalidUtf8, DecodeFails([0x30, 0x04, 0x00, 0x02, 0xC3, 0x28]).Error);
    }

    [Fact]
    public void Publish_topic_with_a_nul_character_is_rejected()
    {
        Assert.Equal(MqttProtocolError.InvalidUtf8, DecodeFails([0x30, 0x05, 0x00, 0x03, 0x61, 0x00, 0x62]).Error);
    }

    [Theory]
    [InlineData("a/+")]
    [InlineData("a/#")]
    public void Publish_topic_with_a_wildcard_is_rejected(string topic)
    {
        var bytes = Bytes(0x30, 2 + topic.Length, 0, topic.Length, topic);
        Assert.Equal(MqttProtocolError.InvalidTopic, DecodeFails(bytes).Error);
        var v5 = Bytes(0x30, 3 + topic.Length, 0, topic.Length, topic, 0);
        Assert.Equal(MqttProtocolError.InvalidTopic, DecodeFails(v5, MqttProtocolVersion.V500).Error);
    }

    [Fact]
    public void String_length_running_past_the_packet_end_is_a_malformed_length()
    {
        Assert.Equal(MqttProtocolError.MalformedLength, DecodeFails([0x30, 0x03, 0x00, 0x09, 0x61]).Error);
    }

    [Fact]
    public void Bytes_left_over_after_a_fixed_size_packet_are_a_malformed_length()
    {
        Assert.Equal(MqttProtocolError.MalformedLength, DecodeFails([0x40, 0x03, 0x00, 0x01, 0x00]).Error);
    }

    [Fact]
    public void Packet_identifier_zero_is_rejected()
    {
        Assert.Equal(MqttProtocolError.InvalidValue, DecodeFails([0x40, 0x02, 0x00, 0x00]).Error);
    }

    [Fact]
    public void Unknown_property_identifier_is_rejected()
    {
        Assert.Equal(MqttProtocolError.InvalidValue, DecodeFails([0x20, 0x05, 0x00, 0x00, 0x02, 0x7E, 0x00], MqttProtocolVersion.V500).Error);
    }

    [Fact]
    public void Duplicate_single_valued_property_is_rejected()
    {
        Assert.Equal(MqttProtocolError.InvalidValue, DecodeFails([0x20, 0x07, 0x00, 0x00, 0x04, 0x24, 0x01, 0x24, 0x00], MqttProtocolVersion.V500).Error);
    }

    [Fact]
    public void Property_length_beyond_the_packet_is_a_malformed_length()
    {
        Assert.Equal(MqttProtocolError.MalformedLength, DecodeFails([0x20, 0x03, 0x00, 0x00, 0x10], MqttProtocolVersion.V500).Error);
    }

    [Fact]
    public void Truncated_packet_consumes_nothing_and_waits_for_more()
    {
        var decoder = new MqttPacketDecoder(MqttProtocolVersion.V311);
        var seq = new ReadOnlySequence<byte>(new byte[] { 0x32, 0x09, 0x00, 0x03, 0x61 });
        Assert.False(decoder.TryDecode(ref seq, out var packet));
        Assert.Null(packet);
        Assert.Equal(5, seq.Length);

        var partialHeader = new ReadOnlySequence<byte>(new byte[] { 0x30, 0x80 });
        Assert.False(decoder.TryDecode(ref partialHeader, out _));
    }

    [Fact]
    public void Random_garbage_raises_only_protocol_exceptions_or_waits()
    {
        var random = new Random(12345);
        var buffer = new byte[64];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            var len = random.Next(1, buffer.Length);
            var seq = new ReadOnlySequence<byte>(buffer, 0, len);
            var decoder = new MqttPacketDecoder(i % 2 == 0 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500, 1024);
            try
            {
                while (decoder.TryDecode(ref seq, out _))
                {
                }
            }
            catch (MqttProtocolException)
            {
            }
        }
    }

    [Fact]
    public void Mutated_valid_packets_raise_only_protocol_exceptions()
    {
        var valid = Encode(
            new PublishPacket
            {
                Topic = "powerwatch/site/ups-a/telemetry",
                QoS = MqttQualityOfService.AtLeastOnce,
                PacketId = 9,
                Properties = new MqttProperties { MessageExpiryInterval = 60, UserProperties = [new("k", "v")], ContentType = "application/json" },
                Payload = "{\"seq\":1}"u8.ToArray(),
            },
            MqttProtocolVersion.V500);
        var random = new Random(4242);
        for (var i = 0; i < 20_000; i++)
        {
            var copy = (byte[])valid.Clone();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }

            var seq = new ReadOnlySequence<byte>(copy);
            try
            {
                new MqttPacketDecoder(MqttProtocolVersion.V500).TryDecode(ref seq, out _);
            }
            catch (MqttProtocolException)
            {
            }
        }
    }
}

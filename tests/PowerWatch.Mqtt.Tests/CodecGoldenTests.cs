using System.Buffers;
using PowerWatch.Mqtt.Packets;
using static PowerWatch.Mqtt.Tests.Codec;

namespace PowerWatch.Mqtt.Tests;

public sealed class CodecGoldenTests
{
    // MQTT 3.1.1 §2.2.3 Table 2.4 "Size of Remaining Length field" / MQTT 5.0 §1.5.5 Table 1-1: boundary encodings.
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(127, new byte[] { 0x7F })]
    [InlineData(128, new byte[] { 0x80, 0x01 })]
    [InlineData(16_383, new byte[] { 0xFF, 0x7F })]
    [InlineData(16_384, new byte[] { 0x80, 0x80, 0x01 })]
    [InlineData(2_097_151, new byte[] { 0xFF, 0xFF, 0x7F })]
    [InlineData(2_097_152, new byte[] { 0x80, 0x80, 0x80, 0x01 })]
    [InlineData(268_435_455, new byte[] { 0xFF, 0xFF, 0xFF, 0x7F })]
    public void Variable_byte_integer_boundaries_match_the_spec_table(int value, byte[] expected)
    {
        var buffer = new byte[4];
        var n = MqttWire.WriteVariableByteInteger(buffer, value);
        Assert.Equal(expected, buffer[..n]);
        Assert.Equal(expected.Length, MqttWire.VariableByteIntegerSize(value));
    }

    [Fact]
    public void Variable_byte_integer_above_268435455_cannot_be_encoded()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MqttWire.VariableByteIntegerSize(268_435_456));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16_383)]
    [InlineData(16_384)]
    [InlineData(2_097_151)]
    [InlineData(2_097_152)]
    public void Remaining_length_at_each_boundary_is_decoded_from_the_fixed_header(int remaining)
    {
        // A PUBLISH (QoS 0) whose remaining length is exactly `remaining` (topic "a" + payload filler).
        if (remaining < 3)
        {
            var ping = Decode([0xC0, 0x00]);
            Assert.IsType<PingReqPacket>(ping);
            return;
        }

        var payload = new byte[remaining - 3];
        var bytes = Encode(new PublishPacket { Topic = "a", Payload = payload });
        Assert.Equal(1 + MqttWire.VariableByteIntegerSize(remaining) + remaining, bytes.Length);
        var p = Assert.IsType<PublishPacket>(Decode(bytes));
        Assert.Equal(payload.Length, p.Payload.Length);
    }

    // MQTT 3.1.1 §3.1.2.10, Figure 3.6 "Variable header non normative example": protocol name MQTT, level 4,
    // flags 0xCE (user name, password, will QoS 1, will flag, clean session), keep alive 10.
    [Fact]
    public void Connect_311_variable_header_matches_the_spec_example()
    {
        var bytes = Encode(new ConnectPacket
        {
            ProtocolVersion = MqttProtocolVersion.V311,
            CleanStart = true,
            KeepAliveSeconds = 10,
            ClientId = "c",
            WillTopic = "w",
            WillPayload = [0x21],
            WillQoS = MqttQualityOfService.AtLeastOnce,
            UserName = "u",
            Password = [0x70],
        });
        byte[] variableHeader = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0xCE, 0x00, 0x0A];
        byte[] payload = [0x00, 0x01, (byte)'c', 0x00, 0x01, (byte)'w', 0x00, 0x01, 0x21, 0x00, 0x01, (byte)'u', 0x00, 0x01, 0x70];
        Assert.Equal(Bytes(0x10, variableHeader.Length + payload.Length, variableHeader, payload), bytes);

        var back = Assert.IsType<ConnectPacket>(Decode(bytes));
        Assert.Equal(("c", "w", "u", MqttQualityOfService.AtLeastOnce, true, (ushort)10), (back.ClientId, back.WillTopic, back.UserName, back.WillQoS, back.CleanStart, back.KeepAliveSeconds));
    }

    // MQTT 5.0 §3.1.2.12 "Variable Header non-normative example" (Figure 3-6): level 5, flags 0xCE, keep alive 10,
    // properties length 5, Session Expiry Interval (0x11) = 10.
    [Fact]
    public void Connect_5_variable_header_with_session_expiry_matches_the_spec_example()
    {
        var bytes = Encode(
            new ConnectPacket
            {
                ProtocolVersion = MqttProtocolVersion.V500,
                CleanStart = true,
                KeepAliveSeconds = 10,
                ClientId = "c",
                WillTopic = "w",
                WillPayload = [],
                WillQoS = MqttQualityOfService.AtLeastOnce,
                UserName = "u",
                Password = [],
                Properties = new MqttProperties { SessionExpiryInterval = 10 },
            },
            MqttProtocolVersion.V500);
        byte[] variableHeader = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x05, 0xCE, 0x00, 0x0A, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A];
        Assert.Equal(variableHeader, bytes[2..(2 + variableHeader.Length)]);
        // Payload: client id, will properties (empty), will topic, will payload, user name, password.
        Assert.Equal(Bytes(0, 1, "c", 0, 0, 1, "w", 0, 0, 0, 1, "u", 0, 0), bytes[(2 + variableHeader.Length)..]);

        var back = Assert.IsType<ConnectPacket>(Decode(bytes, MqttProtocolVersion.V500));
        Assert.Equal(10u, back.Properties!.SessionExpiryInterval);
    }

    [Fact]
    public void Connect_5_will_properties_are_encoded_before_the_will_topic()
    {
        var bytes = Encode(
            new ConnectPacket
            {
                ProtocolVersion = MqttProtocolVersion.V500,
                ClientId = "",
                WillTopic = "t",
                WillPayload = [0x6F],
                WillRetain = true,
                WillProperties = new MqttProperties { WillDelayInterval = 5, MessageExpiryInterval = 60 },
                Properties = new MqttProperties { ReceiveMaximum = 20, MaximumPacketSize = 1024, UserProperties = [new("k", "v")] },
            },
            MqttProtocolVersion.V500);
        // MQTT 5.0 §2.2.2.2: 0x21 Receive Maximum (2 bytes), 0x26 User Property (string pair), 0x27 Maximum Packet Size (4 bytes);
        // §3.1.3.2: will properties 0x02 Message Expiry Interval, 0x18 Will Delay Interval (4 bytes each).
        byte[] expected = Bytes(
            0x10, 45,
            0, 4, "MQTT", 5, 0x24, 0, 0,
            15, 0x21, 0, 20, 0x26, 0, 1, "k", 0, 1, "v", 0x27, 0, 0, 4, 0,
            0, 0,
            10, 0x02, 0, 0, 0, 60, 0x18, 0, 0, 0, 5,
            0, 1, "t", 0, 1, "o");
        Assert.Equal(expected, bytes);
        var back = Assert.IsType<ConnectPacket>(Decode(bytes, MqttProtocolVersion.V500));
        Assert.Equal(5u, back.WillProperties!.WillDelayInterval);
        Assert.Equal(60u, back.WillProperties.MessageExpiryInterval);
        Assert.True(back.WillRetain);
        Assert.Equal([new MqttUserProperty("k", "v")], back.Properties!.UserProperties!);
    }

    // MQTT 3.1.1 §3.2.2: CONNACK is 0x20 0x02, acknowledge flags (session present), return code.
    [Fact]
    public void Connack_311_with_session_present_and_return_code_is_decoded()
    {
        var p = Assert.IsType<ConnAckPacket>(Decode([0x20, 0x02, 0x01, 0x05]));
        Assert.True(p.SessionPresent);
        Assert.Equal(5, p.ReasonCode);
    }

    [Fact]
    public void Connack_5_properties_are_decoded()
    {
        // MQTT 5.0 §3.2.2.3: 0x12 Assigned Client Identifier, 0x13 Server Keep Alive, 0x21 Receive Maximum,
        // 0x24 Maximum QoS, 0x25 Retain Available, 0x22 Topic Alias Maximum, 0x1F Reason String.
        var bytes = Bytes(0x20, 27, 0x00, 0x00, 24,
            0x12, 0, 3, "abc", 0x13, 0, 30, 0x21, 0, 10, 0x24, 1, 0x25, 0, 0x22, 0, 5, 0x1F, 0, 2, "ok");
        var p = Assert.IsType<ConnAckPacket>(Decode(bytes, MqttProtocolVersion.V500));
        var props = p.Properties!;
        Assert.Equal(("abc", (ushort)30, (ushort)10, (byte)1, (byte)0, (ushort)5, "ok"),
            (props.AssignedClientIdentifier, props.ServerKeepAlive, props.ReceiveMaximum, props.MaximumQoS, props.RetainAvailable, props.TopicAliasMaximum, props.ReasonString));
        var again = Assert.IsType<ConnAckPacket>(Decode(Encode(p, MqttProtocolVersion.V500), MqttProtocolVersion.V500)).Properties!;
        Assert.Equal((props.AssignedClientIdentifier, props.ServerKeepAlive, props.ReceiveMaximum, props.ReasonString),
            (again.AssignedClientIdentifier, again.ServerKeepAlive, again.ReceiveMaximum, again.ReasonString));
    }

    // MQTT 3.1.1 §3.3.2.3 Figure 3.11: topic "a/b", packet identifier 10 -> 00 03 61 2F 62 00 0A.
    [Fact]
    public void Publish_variable_header_matches_the_spec_example()
    {
        var bytes = Encode(new PublishPacket { Topic = "a/b", QoS = MqttQualityOfService.AtLeastOnce, PacketId = 10, Payload = "hi"u8.ToArray() });
        Assert.Equal(Bytes(0x32, 9, 0x00, 0x03, "a/b", 0x00, 0x0A, "hi"), bytes);
        var p = Assert.IsType<PublishPacket>(Decode(bytes));
        Assert.Equal(("a/b", (ushort)10, MqttQualityOfService.AtLeastOnce), (p.Topic, p.PacketId, p.QoS));
        Assert.Equal("hi"u8.ToArray(), p.Payload.ToArray());
    }

    // MQTT 3.1.1 §3.3.1: DUP is bit 3, QoS bits 2-1, RETAIN bit 0 of the first byte.
    [Fact]
    public void Publish_fixed_header_carries_dup_qos_and_retain()
    {
        var bytes = Encode(new PublishPacket { Topic = "t", QoS = MqttQualityOfService.AtLeastOnce, Dup = true, Retain = true, PacketId = 1 });
        Assert.Equal(0x3B, bytes[0]);
        var p = Assert.IsType<PublishPacket>(Decode(bytes));
        Assert.True(p.Dup && p.Retain);
    }

    [Fact]
    public void Publish_5_properties_are_encoded_in_the_order_of_the_property_table()
    {
        var bytes = Encode(
            new PublishPacket
            {
                Topic = "t",
                QoS = MqttQualityOfService.AtLeastOnce,
                PacketId = 0x0102,
                Properties = new MqttProperties
                {
                    PayloadFormatIndicator = 1,
                    MessageExpiryInterval = 3600,
                    ContentType = "j",
                    ResponseTopic = "r",
                    CorrelationData = [0xCD],
                    UserProperties = [new("a", "1"), new("a", "2")],
                },
                Payload = "x"u8.ToArray(),
            },
            MqttProtocolVersion.V500);
        // MQTT 5.0 §3.3.2.3: 0x01 Payload Format Indicator, 0x02 Message Expiry Interval, 0x03 Content Type,
        // 0x08 Response Topic, 0x09 Correlation Data, 0x26 User Property (repeatable, order kept).
        var expected = Bytes(0x32, 40, 0, 1, "t", 0x01, 0x02,
            33, 0x01, 1, 0x02, 0, 0, 0x0E, 0x10, 0x03, 0, 1, "j", 0x08, 0, 1, "r", 0x09, 0, 1, 0xCD,
            0x26, 0, 1, "a", 0, 1, "1", 0x26, 0, 1, "a", 0, 1, "2", "x");
        Assert.Equal(expected, bytes);
        var p = Assert.IsType<PublishPacket>(Decode(bytes, MqttProtocolVersion.V500));
        Assert.Equal(3600u, p.Properties!.MessageExpiryInterval);
        Assert.Equal([new MqttUserProperty("a", "1"), new MqttUserProperty("a", "2")], p.Properties.UserProperties!);
        Assert.Equal(new byte[] { 0xCD }, p.Properties.CorrelationData);
    }

    // MQTT 3.1.1 §3.4-3.7: PUBACK 0x40, PUBREC 0x50, PUBREL 0x62 (reserved flags 0010), PUBCOMP 0x70; remaining length 2.
    [Theory]
    [InlineData((int)MqttPacketType.PubAck, 0x40)]
    [InlineData((int)MqttPacketType.PubRec, 0x50)]
    [InlineData((int)MqttPacketType.PubRel, 0x62)]
    [InlineData((int)MqttPacketType.PubComp, 0x70)]
    public void Publish_acknowledgements_have_the_spec_fixed_header(int typeNumber, byte first)
    {
        var type = (MqttPacketType)typeNumber;
        var bytes = Encode(new PubAckPacket(type) { PacketId = 0x1234 });
        Assert.Equal(new byte[] { first, 0x02, 0x12, 0x34 }, bytes);
        var p = Assert.IsType<PubAckPacket>(Decode(bytes));
        Assert.Equal((type, (ushort)0x1234), (p.Type, p.PacketId));
    }

    // MQTT 5.0 §3.4.2.1: the reason code may be omitted (remaining length 2) when it is 0x00 Success.
    [Fact]
    public void Puback_5_with_failure_reason_code_and_reason_string_round_trips()
    {
        var success = Encode(new PubAckPacket(MqttPacketType.PubAck) { PacketId = 7 }, MqttProtocolVersion.V500);
        Assert.Equal(new byte[] { 0x40, 0x02, 0x00, 0x07 }, success);

        var bytes = Bytes(0x40, 9, 0, 7, 0x87, 5, 0x1F, 0, 2, "no");
        var p = Assert.IsType<PubAckPacket>(Decode(bytes, MqttProtocolVersion.V500));
        Assert.Equal((MqttReasonCode.NotAuthorized, "no"), (p.ReasonCode, p.Properties!.ReasonString));
        Assert.Equal(bytes, Encode(p, MqttProtocolVersion.V500));

        var noProps = Assert.IsType<PubAckPacket>(Decode([0x40, 0x03, 0x00, 0x07, 0x10], MqttProtocolVersion.V500));
        Assert.Equal(MqttReasonCode.NoMatchingSubscribers, noProps.ReasonCode);
    }

    // MQTT 3.1.1 §3.8.2-3.8.3 Figures 3.21/3.22: packet id 10; "a/b" QoS 1, "c/d" QoS 2.
    [Fact]
    public void Subscribe_matches_the_spec_example()
    {
        var packet = new SubscribePacket { PacketId = 10 };
        packet.Subscriptions.Add(new MqttSubscription("a/b", MqttQualityOfService.AtLeastOnce));
        packet.Subscriptions.Add(new MqttSubscription("c/d", MqttQualityOfService.ExactlyOnce));
        var bytes = Encode(packet);
        Assert.Equal(Bytes(0x82, 14, 0x00, 0x0A, 0x00, 0x03, "a/b", 0x01, 0x00, 0x03, "c/d", 0x02), bytes);
        var back = Assert.IsType<SubscribePacket>(Decode(bytes));
        Assert.Equal(["a/b", "c/d"], back.Subscriptions.Select(s => s.TopicFilter));
    }

    // MQTT 5.0 §3.8.3.1: options byte = QoS bits 0-1, No Local bit 2, Retain As Published bit 3, Retain Handling bits 4-5.
    [Fact]
    public void Subscribe_5_options_byte_carries_no_local_retain_as_published_and_retain_handling()
    {
        var packet = new SubscribePacket { PacketId = 1 };
        packet.Subscriptions.Add(new MqttSubscription("x", MqttQualityOfService.AtLeastOnce) { NoLocal = true, RetainAsPublished = true, RetainHandling = MqttRetainHandling.DoNotSend });
        var bytes = Encode(packet, MqttProtocolVersion.V500);
        Assert.Equal(Bytes(0x82, 7, 0, 1, 0, 0, 1, "x", 0x2D), bytes);
        var s = Assert.IsType<SubscribePacket>(Decode(bytes, MqttProtocolVersion.V500)).Subscriptions.Single();
        Assert.True(s.NoLocal && s.RetainAsPublished && s.RetainHandling == MqttRetainHandling.DoNotSend);
    }

    // MQTT 3.1.1 §3.9.3 Figure 3.26: return codes Success QoS 0, Success QoS 2, Failure (0x80).
    [Fact]
    public void Suback_matches_the_spec_example()
    {
        var p = Assert.IsType<SubAckPacket>(Decode([0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80]));
        Assert.Equal(10, p.PacketId);
        Assert.Equal([MqttReasonCode.Success, MqttReasonCode.GrantedQoS2, MqttReasonCode.UnspecifiedError], p.ReasonCodes);
    }

    // MQTT 3.1.1 §3.10.3 Figure 3.30: UNSUBSCRIBE "a/b", "c/d"; §3.11: UNSUBACK 0xB0 0x02 + packet id.
    [Fact]
    public void Unsubscribe_and_unsuback_match_the_spec_examples()
    {
        var packet = new UnsubscribePacket { PacketId = 10 };
        packet.TopicFilters.AddRange(["a/b", "c/d"]);
        Assert.Equal(Bytes(0xA2, 12, 0x00, 0x0A, 0x00, 0x03, "a/b", 0x00, 0x03, "c/d"), Encode(packet));
        Assert.Equal(10, Assert.IsType<UnsubAckPacket>(Decode([0xB0, 0x02, 0x00, 0x0A])).PacketId);

        var v5 = Assert.IsType<UnsubAckPacket>(Decode([0xB0, 0x05, 0x00, 0x0A, 0x00, 0x00, 0x11], MqttProtocolVersion.V500));
        Assert.Equal([MqttReasonCode.Success, MqttReasonCode.NoSubscriptionExisted], v5.ReasonCodes);
    }

    // MQTT 3.1.1 §3.12.1, §3.13.1, §3.14.1: PINGREQ C0 00, PINGRESP D0 00, DISCONNECT E0 00.
    [Fact]
    public void Ping_and_disconnect_are_two_bytes()
    {
        Assert.Equal(new byte[] { 0xC0, 0x00 }, Encode(new PingReqPacket()));
        Assert.Equal(new byte[] { 0xD0, 0x00 }, Encode(new PingRespPacket()));
        Assert.Equal(new byte[] { 0xE0, 0x00 }, Encode(new DisconnectPacket()));
        Assert.IsType<PingRespPacket>(Decode([0xD0, 0x00]));
    }

    // MQTT 5.0 §3.14.2.1: DISCONNECT reason code byte, then properties (0x1F Reason String).
    [Fact]
    public void Disconnect_5_with_reason_code_and_reason_string_round_trips()
    {
        var bytes = Encode(new DisconnectPacket { ReasonCode = MqttReasonCode.ServerShuttingDown, Properties = new MqttProperties { ReasonString = "bye" } }, MqttProtocolVersion.V500);
        Assert.Equal(Bytes(0xE0, 8, 0x8B, 6, 0x1F, 0, 3, "bye"), bytes);
        var p = Assert.IsType<DisconnectPacket>(Decode(bytes, MqttProtocolVersion.V500));
        Assert.Equal(MqttReasonCode.ServerShuttingDown, p.ReasonCode);
        Assert.Equal(MqttReasonCode.Success, Assert.IsType<DisconnectPacket>(Decode([0xE0, 0x00], MqttProtocolVersion.V500)).ReasonCode);
    }

    [Fact]
    public void Incremental_decoder_waits_for_a_split_packet_and_then_decodes_several_back_to_back()
    {
        var one = Encode(new PublishPacket { Topic = "a/b", QoS = MqttQualityOfService.AtLeastOnce, PacketId = 1, Payload = new byte[300] });
        var two = Encode(new PingRespPacket());
        var all = one.Concat(two).ToArray();
        var decoder = new MqttPacketDecoder(MqttProtocolVersion.V311);
        for (var cut = 0; cut < one.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(all, 0, cut);
            Assert.False(decoder.TryDecode(ref partial, out _));
            Assert.Equal(cut, partial.Length);
        }

        // Multi-segment input: one segment per byte.
        var seq = Segmented(all);
        Assert.True(decoder.TryDecode(ref seq, out var first));
        Assert.Equal(300, Assert.IsType<PublishPacket>(first).Payload.Length);
        Assert.True(decoder.TryDecode(ref seq, out var second));
        Assert.IsType<PingRespPacket>(second);
        Assert.Equal(0, seq.Length);
    }

    [Fact]
    public void Reason_code_descriptions_name_the_meaning_and_the_number()
    {
        Assert.Equal("Bad User Name or Password (0x86)", MqttReasonCodes.Describe(MqttReasonCode.BadUserNameOrPassword));
        Assert.Equal("Not authorized (0x87)", MqttReasonCodes.Describe(MqttReasonCode.NotAuthorized));
        Assert.Equal("Connection refused, bad user name or password (4)", MqttReasonCodes.DescribeV311ConnectReturnCode(4));
        Assert.Equal("Connection refused, not authorized (5)", MqttReasonCodes.DescribeV311ConnectReturnCode(5));
        Assert.All(Enum.GetValues<MqttReasonCode>(), c => Assert.DoesNotContain("Unknown", MqttReasonCodes.Describe(c), StringComparison.Ordinal));
    }

    // Wire values frozen (MQTT 5.0 §2.4 Table 2-6).
    [Theory]
    [InlineData(MqttReasonCode.NoMatchingSubscribers, 0x10)]
    [InlineData(MqttReasonCode.UnspecifiedError, 0x80)]
    [InlineData(MqttReasonCode.BadUserNameOrPassword, 0x86)]
    [InlineData(MqttReasonCode.NotAuthorized, 0x87)]
    [InlineData(MqttReasonCode.PacketTooLarge, 0x95)]
    [InlineData(MqttReasonCode.QuotaExceeded, 0x97)]
    [InlineData(MqttReasonCode.WildcardSubscriptionsNotSupported, 0xA2)]
    public void Reason_code_wire_values_are_frozen(MqttReasonCode code, byte wire) => Assert.Equal(wire, (byte)code);

    internal static ReadOnlySequence<byte> Segmented(byte[] data)
    {
        var first = new Segment(data.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < data.Length; i++)
        {
            last = last.Append(data.AsMemory(i, 1));
        }

        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

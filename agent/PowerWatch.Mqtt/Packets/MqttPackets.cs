namespace PowerWatch.Mqtt.Packets;

/// <summary>Control packet types (MQTT 3.1.1 §2.2.1, MQTT 5.0 §2.1.2).</summary>
internal enum MqttPacketType : byte
{
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

/// <summary>MQTT 5 properties (MQTT 5.0 §2.2.2.2). Only those set are encoded.</summary>
internal sealed class MqttProperties
{
    public byte? PayloadFormatIndicator { get; set; }

    public uint? MessageExpiryInterval { get; set; }

    public string? ContentType { get; set; }

    public string? ResponseTopic { get; set; }

    public byte[]? CorrelationData { get; set; }

    public List<uint>? SubscriptionIdentifiers { get; set; }

    public uint? SessionExpiryInterval { get; set; }

    public string? AssignedClientIdentifier { get; set; }

    public ushort? ServerKeepAlive { get; set; }

    public string? AuthenticationMethod { get; set; }

    public byte[]? AuthenticationData { get; set; }

    public byte? RequestProblemInformation { get; set; }

    public uint? WillDelayInterval { get; set; }

    public byte? RequestResponseInformation { get; set; }

    public string? ResponseInformation { get; set; }

    public string? ServerReference { get; set; }

    public string? ReasonString { get; set; }

    public ushort? ReceiveMaximum { get; set; }

    public ushort? TopicAliasMaximum { get; set; }

    public ushort? TopicAlias { get; set; }

    public byte? MaximumQoS { get; set; }

    public byte? RetainAvailable { get; set; }

    public List<MqttUserProperty>? UserProperties { get; set; }

    public uint? MaximumPacketSize { get; set; }

    public byte? WildcardSubscriptionAvailable { get; set; }

    public byte? SubscriptionIdentifierAvailable { get; set; }

    public byte? SharedSubscriptionAvailable { get; set; }
}

/// <summary>Property identifiers (MQTT 5.0 §2.2.2.2, Table 2-4).</summary>
internal static class MqttPropertyId
{
    public const byte PayloadFormatIndicator = 0x01;
    public const byte MessageExpiryInterval = 0x02;
    public const byte ContentType = 0x03;
    public const byte ResponseTopic = 0x08;
    public const byte CorrelationData = 0x09;
    public const byte SubscriptionIdentifier = 0x0B;
    public const byte SessionExpiryInterval = 0x11;
    public const byte AssignedClientIdentifier = 0x12;
    public const byte ServerKeepAlive = 0x13;
    public const byte AuthenticationMethod = 0x15;
    public const byte AuthenticationData = 0x16;
    public const byte RequestProblemInformation = 0x17;
    public const byte WillDelayInterval = 0x18;
    public const byte RequestResponseInformation = 0x19;
    public const byte ResponseInformation = 0x1A;
    public const byte ServerReference = 0x1C;
    public const byte ReasonString = 0x1F;
    public const byte ReceiveMaximum = 0x21;
    public const byte TopicAliasMaximum = 0x22;
    public const byte TopicAlias = 0x23;
    public const byte MaximumQoS = 0x24;
    public const byte RetainAvailable = 0x25;
    public const byte UserProperty = 0x26;
    public const byte MaximumPacketSize = 0x27;
    public const byte WildcardSubscriptionAvailable = 0x28;
    public const byte SubscriptionIdentifierAvailable = 0x29;
    public const byte SharedSubscriptionAvailable = 0x2A;
}

internal abstract class MqttPacket
{
    public abstract MqttPacketType Type { get; }
}

internal sealed class ConnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Connect;

    public MqttProtocolVersion ProtocolVersion { get; set; } = MqttProtocolVersion.V311;

    public bool CleanStart { get; set; }

    public ushort KeepAliveSeconds { get; set; }

    public string ClientId { get; set; } = "";

    public string? UserName { get; set; }

    public byte[]? Password { get; set; }

    public string? WillTopic { get; set; }

    public byte[]? WillPayload { get; set; }

    public MqttQualityOfService WillQoS { get; set; }

    public bool WillRetain { get; set; }

    public MqttProperties? Properties { get; set; }

    public MqttProperties? WillProperties { get; set; }
}

internal sealed class ConnAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.ConnAck;

    public bool SessionPresent { get; set; }

    /// <summary>3.1.1 return code or 5.0 reason code (the same byte on the wire).</summary>
    public byte ReasonCode { get; set; }

    public MqttProperties? Properties { get; set; }
}

internal sealed class PublishPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Publish;

    public string Topic { get; set; } = "";

    public MqttQualityOfService QoS { get; set; }

    public bool Dup { get; set; }

    public bool Retain { get; set; }

    public ushort PacketId { get; set; }

    public MqttProperties? Properties { get; set; }

    public ReadOnlyMemory<byte> Payload { get; set; }
}

/// <summary>PUBACK, PUBREC, PUBREL or PUBCOMP: packet id plus (MQTT 5) reason code and properties.</summary>
internal sealed class PubAckPacket : MqttPacket
{
    public PubAckPacket(MqttPacketType type)
    {
        if (type is not (MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp))
        {
            throw new ArgumentOutOfRangeException(nameof(type));
        }

        Type = type;
    }

    public override MqttPacketType Type { get; }

    public ushort PacketId { get; set; }

    public MqttReasonCode ReasonCode { get; set; }

    public MqttProperties? Properties { get; set; }
}

internal sealed class SubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Subscribe;

    public ushort PacketId { get; set; }

    public MqttProperties? Properties { get; set; }

    public List<MqttSubscription> Subscriptions { get; } = [];
}

internal sealed class SubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.SubAck;

    public ushort PacketId { get; set; }

    public MqttProperties? Properties { get; set; }

    public List<MqttReasonCode> ReasonCodes { get; } = [];
}

internal sealed class UnsubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;

    public ushort PacketId { get; set; }

    public MqttProperties? Properties { get; set; }

    public List<string> TopicFilters { get; } = [];
}

internal sealed class UnsubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.UnsubAck;

    public ushort PacketId { get; set; }

    public MqttProperties? Properties { get; set; }

    /// <summary>MQTT 5 only (3.1.1 UNSUBACK carries none).</summary>
    public List<MqttReasonCode> ReasonCodes { get; } = [];
}

internal sealed class PingReqPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.PingReq;
}

internal sealed class PingRespPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.PingResp;
}

internal sealed class DisconnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Disconnect;

    public MqttReasonCode ReasonCode { get; set; }

    public MqttProperties? Properties { get; set; }
}

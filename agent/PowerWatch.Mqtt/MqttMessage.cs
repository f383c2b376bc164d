namespace PowerWatch.Mqtt;

/// <summary>An MQTT 5 user property (name/value pair; order and duplicates are preserved).</summary>
public readonly record struct MqttUserProperty(string Name, string Value);

/// <summary>An application message to publish, or one that was received.</summary>
public sealed class MqttMessage
{
    public required string Topic { get; init; }

    public ReadOnlyMemory<byte> Payload { get; init; }

    public MqttQualityOfService QualityOfService { get; init; } = MqttQualityOfService.AtLeastOnce;

    public bool Retain { get; init; }

    /// <summary>MQTT 5 Message Expiry Interval (whole seconds on the wire; ignored for 3.1.1).</summary>
    public TimeSpan? MessageExpiryInterval { get; init; }

    /// <summary>MQTT 5 Payload Format Indicator: true = UTF-8 text (ignored for 3.1.1).</summary>
    public bool? PayloadIsUtf8 { get; init; }

    /// <summary>MQTT 5 Content Type (ignored for 3.1.1).</summary>
    public string? ContentType { get; init; }

    /// <summary>MQTT 5 Response Topic (ignored for 3.1.1).</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5 Correlation Data (ignored for 3.1.1).</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>MQTT 5 User Properties (ignored for 3.1.1).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}

/// <summary>The will message the server publishes if the connection ends without DISCONNECT.</summary>
public sealed class MqttWill
{
    public required MqttMessage Message { get; init; }

    /// <summary>MQTT 5 Will Delay Interval (ignored for 3.1.1).</summary>
    public TimeSpan? Delay { get; init; }
}

/// <summary>A topic filter to subscribe to, with its options.</summary>
public sealed class MqttSubscription
{
    public MqttSubscription(string topicFilter, MqttQualityOfService qualityOfService = MqttQualityOfService.AtLeastOnce)
    {
        TopicFilter = topicFilter;
        QualityOfService = qualityOfService;
    }

    public string TopicFilter { get; }

    public MqttQualityOfService QualityOfService { get; }

    /// <summary>MQTT 5 No Local option.</summary>
    public bool NoLocal { get; init; }

    /// <summary>MQTT 5 Retain As Published option.</summary>
    public bool RetainAsPublished { get; init; }

    /// <summary>MQTT 5 Retain Handling option.</summary>
    public MqttRetainHandling RetainHandling { get; init; }
}

/// <summary>Outcome of one topic filter of a SUBSCRIBE (from the SUBACK).</summary>
/// <param name="TopicFilter">The filter as requested.</param>
/// <param name="ReasonCode">Granted QoS (0x00..0x02) or a failure code (&gt;= 0x80; 3.1.1 failure 0x80 maps to UnspecifiedError).</param>
public readonly record struct MqttSubscribeResult(string TopicFilter, MqttReasonCode ReasonCode)
{
    public bool Succeeded => (byte)ReasonCode < 0x80;

    public MqttQualityOfService? GrantedQualityOfService => Succeeded ? (MqttQualityOfService)(byte)ReasonCode : null;
}

/// <summary>Outcome of a successful CONNECT.</summary>
public sealed class MqttConnectResult
{
    public bool SessionPresent { get; init; }

    /// <summary>The client id the server assigned (MQTT 5, when an empty client id was sent), else the one sent.</summary>
    public string ClientId { get; init; } = "";

    /// <summary>Keep-alive actually used (MQTT 5 Server Keep Alive overrides ours).</summary>
    public TimeSpan KeepAlive { get; init; }

    /// <summary>The server's Receive Maximum (MQTT 5; 65,535 when absent).</summary>
    public int ServerReceiveMaximum { get; init; } = 65_535;

    /// <summary>The server's Maximum QoS (MQTT 5; ExactlyOnce when absent).</summary>
    public MqttQualityOfService MaximumQualityOfService { get; init; } = MqttQualityOfService.ExactlyOnce;

    public bool RetainAvailable { get; init; } = true;

    /// <summary>The server's Maximum Packet Size (MQTT 5), if it sent one.</summary>
    public uint? ServerMaximumPacketSize { get; init; }

    public int TopicAliasMaximum { get; init; }

    public string? ReasonString { get; init; }

    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}

/// <summary>A message delivered to this client by the server.</summary>
public sealed class MqttReceivedMessage
{
    internal MqttReceivedMessage(MqttMessage message, ushort packetId, bool duplicate, MqttConnection? connection, InboundAck? ack)
    {
        Message = message;
        PacketId = packetId;
        Duplicate = duplicate;
        Connection = connection;
        Ack = ack;
    }

    public MqttMessage Message { get; }

    public string Topic => Message.Topic;

    public ReadOnlyMemory<byte> Payload => Message.Payload;

    /// <summary>The packet identifier (0 for QoS 0).</summary>
    public ushort PacketId { get; }

    /// <summary>DUP flag: the server may have delivered this message before.</summary>
    public bool Duplicate { get; }

    /// <summary>True when this message still needs <see cref="MqttClient.AcknowledgeAsync"/> (QoS 1 with manual acknowledgement).</summary>
    public bool NeedsAcknowledgement => Ack is not null;

    internal MqttConnection? Connection { get; }

    internal InboundAck? Ack { get; }
}

/// <summary>Details of a connection state change.</summary>
public sealed class MqttConnectionStateChangedEventArgs : EventArgs
{
    public MqttConnectionStateChangedEventArgs(MqttConnectionState state, Exception? error, bool sessionPresent)
    {
        State = state;
        Error = error;
        SessionPresent = sessionPresent;
    }

    public MqttConnectionState State { get; }

    /// <summary>Why the connection was lost or an attempt failed (null on a clean disconnect or success).</summary>
    public Exception? Error { get; }

    public bool SessionPresent { get; }
}

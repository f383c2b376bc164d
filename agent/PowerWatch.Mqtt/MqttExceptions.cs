namespace PowerWatch.Mqtt;

/// <summary>Why a packet was rejected by the codec or the client's protocol checks.</summary>
public enum MqttProtocolError
{
    /// <summary>A variable byte integer used a fifth byte (MQTT 5.0 §1.5.5, 3.1.1 §2.2.3).</summary>
    VariableByteIntegerTooLong,

    /// <summary>The packet (fixed header + remaining length) exceeds the configured maximum packet size.</summary>
    PacketTooLarge,

    /// <summary>Packet type 0, or 15 (AUTH) which this client does not support.</summary>
    UnknownPacketType,

    /// <summary>Reserved fixed-header flag bits are not the value the spec requires (3.1.1 §2.2.2, 5.0 §2.1.3).</summary>
    InvalidFixedHeaderFlags,

    /// <summary>The remaining length does not match the packet's content (a field runs past the end, or bytes are left over).</summary>
    MalformedLength,

    /// <summary>A UTF-8 string is not well-formed UTF-8 or contains U+0000.</summary>
    InvalidUtf8,

    /// <summary>A topic name or topic filter breaks the topic rules (wildcards, empty, length).</summary>
    InvalidTopic,

    /// <summary>A field has a value the spec forbids (QoS 3, bad protocol name, unknown property, duplicate property...).</summary>
    InvalidValue,

    /// <summary>A packet that is not allowed in the current state (second CONNACK, CONNECT from the server...).</summary>
    UnexpectedPacket,

    /// <summary>An acknowledgement for a packet identifier that is not in flight.</summary>
    UnknownPacketIdentifier,

    /// <summary>The server used a topic alias although this client allows none.</summary>
    TopicAliasNotAllowed,
}

/// <summary>Malformed or out-of-protocol input. The connection that produced it is closed.</summary>
public sealed class MqttProtocolException : Exception
{
    public MqttProtocolException()
        : this(MqttProtocolError.InvalidValue, "MQTT protocol error")
    {
    }

    public MqttProtocolException(string message)
        : this(MqttProtocolError.InvalidValue, message)
    {
    }

    public MqttProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = MqttProtocolError.InvalidValue;
    }

    public MqttProtocolException(MqttProtocolError error, string message)
        : base($"MQTT protocol error {error}: {message}")
    {
        Error = error;
    }

    public MqttProtocolError Error { get; }
}

/// <summary>The connection attempt failed: refused by the server (with its reason code), TLS, timeout or network.</summary>
public sealed class MqttConnectException : Exception
{
    public MqttConnectException()
    {
    }

    public MqttConnectException(string message)
        : base(message)
    {
    }

    public MqttConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal MqttConnectException(string message, byte? returnCode, MqttReasonCode? reasonCode, Exception? innerException = null)
        : base(message, innerException)
    {
        ReturnCode = returnCode;
        ReasonCode = reasonCode;
    }

    /// <summary>MQTT 3.1.1 CONNACK return code when the server refused the connection.</summary>
    public byte? ReturnCode { get; }

    /// <summary>MQTT 5 CONNACK reason code when the server refused the connection.</summary>
    public MqttReasonCode? ReasonCode { get; }
}

/// <summary>The server answered a QoS 1/2 PUBLISH with a failure reason code (MQTT 5, code &gt;= 0x80).</summary>
public sealed class MqttPublishException : Exception
{
    public MqttPublishException()
    {
    }

    public MqttPublishException(string message)
        : base(message)
    {
    }

    public MqttPublishException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal MqttPublishException(MqttReasonCode reasonCode, string topic, string? reasonString)
        : base($"PUBLISH to '{topic}' refused: {MqttReasonCodes.Describe(reasonCode)}{(reasonString is null ? "" : " - " + reasonString)}")
    {
        ReasonCode = reasonCode;
    }

    public MqttReasonCode ReasonCode { get; }
}

/// <summary>The connection was lost (or was never up) before the operation completed.</summary>
public sealed class MqttConnectionLostException : Exception
{
    public MqttConnectionLostException()
        : base("MQTT connection lost")
    {
    }

    public MqttConnectionLostException(string message)
        : base(message)
    {
    }

    public MqttConnectionLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

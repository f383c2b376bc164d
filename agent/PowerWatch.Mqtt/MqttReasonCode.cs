namespace PowerWatch.Mqtt;

/// <summary>
/// MQTT 5.0 reason codes (MQTT 5.0 §2.4, Table 2-6). One value can mean slightly different things in
/// different packets (0x00 is "Success", "Normal disconnection" and "Granted QoS 0").
/// </summary>
public enum MqttReasonCode : byte
{
    Success = 0x00,
    GrantedQoS1 = 0x01,
    GrantedQoS2 = 0x02,
    DisconnectWithWillMessage = 0x04,
    NoMatchingSubscribers = 0x10,
    NoSubscriptionExisted = 0x11,
    ContinueAuthentication = 0x18,
    ReAuthenticate = 0x19,
    UnspecifiedError = 0x80,
    MalformedPacket = 0x81,
    ProtocolError = 0x82,
    ImplementationSpecificError = 0x83,
    UnsupportedProtocolVersion = 0x84,
    ClientIdentifierNotValid = 0x85,
    BadUserNameOrPassword = 0x86,
    NotAuthorized = 0x87,
    ServerUnavailable = 0x88,
    ServerBusy = 0x89,
    Banned = 0x8A,
    ServerShuttingDown = 0x8B,
    BadAuthenticationMethod = 0x8C,
    KeepAliveTimeout = 0x8D,
    SessionTakenOver = 0x8E,
    TopicFilterInvalid = 0x8F,
    TopicNameInvalid = 0x90,
    PacketIdentifierInUse = 0x91,
    PacketIdentifierNotFound = 0x92,
    ReceiveMaximumExceeded = 0x93,
    TopicAliasInvalid = 0x94,
    PacketTooLarge = 0x95,
    MessageRateTooHigh = 0x96,
    QuotaExceeded = 0x97,
    AdministrativeAction = 0x98,
    PayloadFormatInvalid = 0x99,
    RetainNotSupported = 0x9A,
    QoSNotSupported = 0x9B,
    UseAnotherServer = 0x9C,
    ServerMoved = 0x9D,
    SharedSubscriptionsNotSupported = 0x9E,
    ConnectionRateExceeded = 0x9F,
    MaximumConnectTime = 0xA0,
    SubscriptionIdentifiersNotSupported = 0xA1,
    WildcardSubscriptionsNotSupported = 0xA2,
}

/// <summary>Human-readable meanings of reason codes and MQTT 3.1.1 CONNACK return codes.</summary>
public static class MqttReasonCodes
{
    /// <summary>Meaning of an MQTT 5 reason code, e.g. "Bad User Name or Password (0x86)".</summary>
    public static string Describe(MqttReasonCode code) => code switch
    {
        MqttReasonCode.Success => "Success (0x00)",
        MqttReasonCode.GrantedQoS1 => "Granted QoS 1 (0x01)",
        MqttReasonCode.GrantedQoS2 => "Granted QoS 2 (0x02)",
        MqttReasonCode.DisconnectWithWillMessage => "Disconnect with Will Message (0x04)",
        MqttReasonCode.NoMatchingSubscribers => "No matching subscribers (0x10)",
        MqttReasonCode.NoSubscriptionExisted => "No subscription existed (0x11)",
        MqttReasonCode.ContinueAuthentication => "Continue authentication (0x18)",
        MqttReasonCode.ReAuthenticate => "Re-authenticate (0x19)",
        MqttReasonCode.UnspecifiedError => "Unspecified error (0x80)",
        MqttReasonCode.MalformedPacket => "Malformed Packet (0x81)",
        MqttReasonCode.ProtocolError => "Protocol Error (0x82)",
        MqttReasonCode.ImplementationSpecificError => "Implementation specific error (0x83)",
        MqttReasonCode.UnsupportedProtocolVersion => "Unsupported Protocol Version (0x84)",
        MqttReasonCode.ClientIdentifierNotValid => "Client Identifier not valid (0x85)",
        MqttReasonCode.BadUserNameOrPassword => "Bad User Name or Password (0x86)",
        MqttReasonCode.NotAuthorized => "Not authorized (0x87)",
        MqttReasonCode.ServerUnavailable => "Server unavailable (0x88)",
        MqttReasonCode.ServerBusy => "Server busy (0x89)",
        MqttReasonCode.Banned => "Banned (0x8A)",
        MqttReasonCode.ServerShuttingDown => "Server shutting down (0x8B)",
        MqttReasonCode.BadAuthenticationMethod => "Bad authentication method (0x8C)",
        MqttReasonCode.KeepAliveTimeout => "Keep Alive timeout (0x8D)",
        MqttReasonCode.SessionTakenOver => "Session taken over (0x8E)",
        MqttReasonCode.TopicFilterInvalid => "Topic Filter invalid (0x8F)",
        MqttReasonCode.TopicNameInvalid => "Topic Name invalid (0x90)",
        MqttReasonCode.PacketIdentifierInUse => "Packet Identifier in use (0x91)",
        MqttReasonCode.PacketIdentifierNotFound => "Packet Identifier not found (0x92)",
        MqttReasonCode.ReceiveMaximumExceeded => "Receive Maximum exceeded (0x93)",
        MqttReasonCode.TopicAliasInvalid => "Topic Alias invalid (0x94)",
        MqttReasonCode.PacketTooLarge => "Packet too large (0x95)",
        MqttReasonCode.MessageRateTooHigh => "Message rate too high (0x96)",
        MqttReasonCode.QuotaExceeded => "Quota exceeded (0x97)",
        MqttReasonCode.AdministrativeAction => "Administrative action (0x98)",
        MqttReasonCode.PayloadFormatInvalid => "Payload format invalid (0x99)",
        MqttReasonCode.RetainNotSupported => "Retain not supported (0x9A)",
        MqttReasonCode.QoSNotSupported => "QoS not supported (0x9B)",
        MqttReasonCode.UseAnotherServer => "Use another server (0x9C)",
        MqttReasonCode.ServerMoved => "Server moved (0x9D)",
        MqttReasonCode.SharedSubscriptionsNotSupported => "Shared Subscriptions not supported (0x9E)",
        MqttReasonCode.ConnectionRateExceeded => "Connection rate exceeded (0x9F)",
        MqttReasonCode.MaximumConnectTime => "Maximum connect time (0xA0)",
        MqttReasonCode.SubscriptionIdentifiersNotSupported => "Subscription Identifiers not supported (0xA1)",
        MqttReasonCode.WildcardSubscriptionsNotSupported => "Wildcard Subscriptions not supported (0xA2)",
        _ => $"Unknown reason code (0x{(byte)code:X2})",
    };

    /// <summary>Meaning of an MQTT 3.1.1 CONNACK return code (MQTT 3.1.1 §3.2.2.3, Table 3.1).</summary>
    public static string DescribeV311ConnectReturnCode(byte code) => code switch
    {
        0 => "Connection accepted (0)",
        1 => "Connection refused, unacceptable protocol version (1)",
        2 => "Connection refused, identifier rejected (2)",
        3 => "Connection refused, server unavailable (3)",
        4 => "Connection refused, bad user name or password (4)",
        5 => "Connection refused, not authorized (5)",
        _ => $"Connection refused, unknown return code ({code})",
    };
}

namespace PowerWatch.Mqtt;

/// <summary>The MQTT protocol level sent in CONNECT.</summary>
public enum MqttProtocolVersion : byte
{
    /// <summary>MQTT 3.1.1 (protocol level 4).</summary>
    V311 = 4,

    /// <summary>MQTT 5.0 (protocol level 5).</summary>
    V500 = 5,
}

/// <summary>Quality of service of a message or subscription.</summary>
public enum MqttQualityOfService : byte
{
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

/// <summary>MQTT 5 subscription option "Retain Handling" (MQTT 5.0 §3.8.3.1).</summary>
public enum MqttRetainHandling : byte
{
    SendAtSubscribe = 0,
    SendAtSubscribeIfNew = 1,
    DoNotSend = 2,
}

/// <summary>Connection state reported by <see cref="MqttClient.ConnectionStateChanged"/>.</summary>
public enum MqttConnectionState
{
    Disconnected = 0,
    Connecting = 1,
    Connected = 2,
    Disposed = 3,
}

namespace PowerWatch.Mqtt;

/// <summary>Options of one <see cref="MqttClient"/>. Call <see cref="Validate"/> (the client does) before use.</summary>
public sealed class MqttClientOptions
{
    public string Host { get; set; } = "localhost";

    /// <summary>TCP port; 0 means the default (1883 plain, 8883 TLS).</summary>
    public int Port { get; set; }

    public MqttProtocolVersion ProtocolVersion { get; set; } = MqttProtocolVersion.V500;

    /// <summary>Client identifier; empty asks the server to assign one (MQTT 5; MQTT 3.1.1 only with a clean session).</summary>
    public string ClientId { get; set; } = "";

    /// <summary>Clean Start (5) / Clean Session (3.1.1) on the first connect.</summary>
    public bool CleanStart { get; set; } = true;

    /// <summary>MQTT 5 Session Expiry Interval; zero ends the session with the connection. <see cref="TimeSpan.MaxValue"/> = never expires.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.Zero;

    /// <summary>Keep-alive: a PINGREQ is sent when nothing was sent for this long. Zero disables keep-alive.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for PINGRESP before declaring the connection lost.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public MqttWill? Will { get; set; }

    /// <summary>TLS settings; null (or <see cref="MqttTlsOptions.Enabled"/> false) for plain TCP.</summary>
    public MqttTlsOptions? Tls { get; set; }

    /// <summary>Limit for TCP connect + TLS handshake + CONNECT/CONNACK.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most outgoing QoS 1 publishes awaiting PUBACK at once (further bounded by the server's Receive Maximum).</summary>
    public int MaxInFlight { get; set; } = 100;

    /// <summary>MQTT 5 Receive Maximum sent to the server: most unacknowledged QoS 1/2 messages it may send us at once.</summary>
    public int ReceiveMaximum { get; set; } = 100;

    /// <summary>Largest packet accepted from the server (also sent as MQTT 5 Maximum Packet Size).</summary>
    public int MaximumPacketSize { get; set; } = 1024 * 1024;

    /// <summary>Capacity of <see cref="MqttClient.ReceivedMessages"/>; when full, the client stops reading the socket.</summary>
    public int ReceiveBufferCapacity { get; set; } = 1000;

    /// <summary>
    /// True: received QoS 1 messages are acknowledged as soon as they are queued for the application.
    /// False: the application calls <see cref="MqttClient.AcknowledgeAsync"/>; PUBACKs are sent in receive order.
    /// </summary>
    public bool AutoAcknowledge { get; set; } = true;

    /// <summary>After a connection that was up is lost, reconnect in the background with exponential back-off.</summary>
    public bool AutoReconnect { get; set; }

    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Relative jitter applied to each back-off delay (0.2 = ±20 %).</summary>
    public double ReconnectJitter { get; set; } = 0.2;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal bool IsTls => Tls is { Enabled: true };

    internal int EffectivePort => Port != 0 ? Port : IsTls ? 8883 : 1883;

    /// <summary>True when the session outlives a connection, so unacknowledged publishes are kept and resent.</summary>
    internal bool PersistentSession => ProtocolVersion == MqttProtocolVersion.V500 ? SessionExpiry > TimeSpan.Zero : !CleanStart;

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending option.</summary>
    public void Validate()
    {
        Check(!string.IsNullOrWhiteSpace(Host), nameof(Host), "must not be empty");
        Check(Port is >= 0 and <= 65_535, nameof(Port), "must be 0..65535");
        Check(Enum.IsDefined(ProtocolVersion), nameof(ProtocolVersion), "must be V311 or V500");
        Check(ClientId.Length <= 65_535, nameof(ClientId), "is too long");
        Check(ClientId.Length > 0 || ProtocolVersion == MqttProtocolVersion.V500 || CleanStart, nameof(ClientId), "must be set for a persistent MQTT 3.1.1 session");
        Check(SessionExpiry >= TimeSpan.Zero, nameof(SessionExpiry), "must not be negative");
        Check(KeepAlive >= TimeSpan.Zero && KeepAlive <= TimeSpan.FromSeconds(65_535), nameof(KeepAlive), "must be 0..65535 s");
        Check(KeepAlive == TimeSpan.Zero || KeepAlive >= TimeSpan.FromSeconds(1), nameof(KeepAlive), "must be zero or at least 1 s");
        Check(PingTimeout > TimeSpan.Zero, nameof(PingTimeout), "must be positive");
        Check(ConnectTimeout > TimeSpan.Zero, nameof(ConnectTimeout), "must be positive");
        Check(MaxInFlight is >= 1 and <= 65_535, nameof(MaxInFlight), "must be 1..65535");
        Check(ReceiveMaximum is >= 1 and <= 65_535, nameof(ReceiveMaximum), "must be 1..65535");
        Check(MaximumPacketSize >= 64, nameof(MaximumPacketSize), "must be at least 64");
        Check(ReceiveBufferCapacity >= 1, nameof(ReceiveBufferCapacity), "must be at least 1");
        Check(ReconnectMinDelay > TimeSpan.Zero, nameof(ReconnectMinDelay), "must be positive");
        Check(ReconnectMaxDelay >= ReconnectMinDelay, nameof(ReconnectMaxDelay), "must be >= ReconnectMinDelay");
        Check(ReconnectJitter is >= 0 and < 1, nameof(ReconnectJitter), "must be in [0, 1)");
        Check(Password is null || UserName is not null || ProtocolVersion == MqttProtocolVersion.V500, nameof(Password), "needs a UserName with MQTT 3.1.1");
        if (Will is not null)
        {
            Check(MqttTopic.ValidateTopicName(Will.Message.Topic) is null, nameof(Will), MqttTopic.ValidateTopicName(Will.Message.Topic) ?? "");
        }

        if (Tls is { Enabled: true } tls)
        {
            Check(tls.ClientKeyFile is null || tls.ClientCertificateFile is not null, "Tls.ClientKeyFile", "needs Tls.ClientCertificateFile");
            Check(tls.ClientPfxFile is null || tls.ClientCertificateFile is null, "Tls.ClientPfxFile", "and Tls.ClientCertificateFile are mutually exclusive");
        }
    }

    private static void Check(bool ok, string key, string message)
    {
        if (!ok)
        {
            throw new ArgumentException($"MqttClientOptions.{key} {message}", key);
        }
    }
}

/// <summary>TLS for the broker connection.</summary>
public sealed class MqttTlsOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>PEM file with the CA certificate(s) that must have issued the server's certificate. Null: the system trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate (with <see cref="ClientKeyFile"/>, or a PEM file holding both).</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>PEM private key of the client certificate.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>PKCS#12 file with client certificate and key (alternative to the PEM pair).</summary>
    public string? ClientPfxFile { get; set; }

    public string? ClientPfxPassword { get; set; }

    /// <summary>Name expected in the server certificate (SNI and check); default: the Host option.</summary>
    public string? ServerName { get; set; }

    /// <summary>Check that the server certificate matches <see cref="ServerName"/> (default true).</summary>
    public bool CheckServerName { get; set; } = true;

    /// <summary>Accept any server certificate. Only for explicit opt-in in lab setups; never the default.</summary>
    public bool AllowUntrustedCertificates { get; set; }
}

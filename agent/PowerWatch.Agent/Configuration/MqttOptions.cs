namespace PowerWatch.Agent.Configuration;

/// <summary>MQTT output (section <c>PowerWatch:Mqtt</c>), also the broker connection of <c>powerwatch ingest</c>.</summary>
internal sealed class MqttOptions
{
    public const string Section = "PowerWatch:Mqtt";

    /// <summary>Off by default: the demo runs without a broker.</summary>
    public bool Enabled { get; set; }

    /// <summary>Broker host name or IP address.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0 = 1883, or 8883 with TLS.</summary>
    public int Port { get; set; }

    /// <summary>3.1.1 or 5 (the default).</summary>
    public string ProtocolVersion { get; set; } = "5";

    /// <summary>Empty: <c>powerwatch-{site}-{agent}</c> (agent) or <c>powerwatch-ingest-{machine}</c> (ingest).</summary>
    public string ClientId { get; set; } = "";

    /// <summary>Broker user name (optional).</summary>
    public string? Username { get; set; }

    /// <summary>Broker password (optional).</summary>
    public string? Password { get; set; }

    /// <summary>TLS to the broker: present = TLS (default port 8883), absent = plain TCP.</summary>
    public MqttTlsSettings? Tls { get; set; }

    /// <summary>First topic level: topics are <c>{prefix}/{site}/...</c> (docs/mqtt.md); no wildcards, no trailing <c>/</c>.</summary>
    public string TopicPrefix { get; set; } = "powerwatch";

    /// <summary>QoS of telemetry (0 or 1).</summary>
    public int Qos { get; set; } = 1;

    /// <summary>MQTT keep-alive: a PINGREQ is sent when nothing was sent for this long; zero disables it.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First reconnect delay after the connection is lost; doubles per attempt (±20 % jitter).</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the reconnect delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Delay between attempts while the broker refuses the agent's credentials (CONNACK bad user name or password, not
    /// authorized): a configuration error, logged once, shown on /metrics (<c>powerwatch_mqtt_credentials_refused</c>)
    /// and /api/overview; the agent keeps polling and keeps telemetry in the outbox until the broker accepts it.
    /// </summary>
    public TimeSpan RefusedRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>QoS 1 publishes awaiting PUBACK.</summary>
    public int MaxInFlight { get; set; } = 100;

    /// <summary>
    /// When QoS 1 telemetry leaves the outbox: <c>stored</c> once <c>powerwatch ingest</c> confirmed that InfluxDB
    /// accepted it (survives a broker that restarts without its sessions; docs/mqtt.md "End-to-end delivery"), or
    /// <c>broker</c> on the broker's PUBACK (for consumers that do not confirm: Telegraf, third-party subscribers).
    /// </summary>
    public string Delivery { get; set; } = "stored";

    /// <summary>With <c>Delivery = stored</c>: unconfirmed telemetry is sent again after this long without confirmations (doubling per fruitless replay, up to 8×).</summary>
    public TimeSpan StoredTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>With <c>Delivery = stored</c>: most telemetry messages sent and awaiting confirmation; the sender waits beyond it.</summary>
    public int MaxUnconfirmed { get; set; } = 10_000;

    /// <summary>The durable on-disk outbox: telemetry is appended here and removed only once delivered (see <c>Delivery</c>).</summary>
    public MqttOutboxSettings Outbox { get; set; } = new();
}

/// <summary>TLS to the broker (<c>PowerWatch:Mqtt:Tls</c>).</summary>
internal sealed class MqttTlsSettings
{
    /// <summary>PEM file with the CA certificate(s) that must have issued the broker's certificate; unset: the system trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate (with <see cref="ClientKey"/>, or one PEM file holding both).</summary>
    public string? ClientCertificate { get; set; }

    /// <summary>PEM private key of the client certificate.</summary>
    public string? ClientKey { get; set; }

    /// <summary>Name expected in the broker's certificate (SNI and check); unset: <c>Host</c>.</summary>
    public string? ServerName { get; set; }

    /// <summary>Accept any broker certificate. Lab setups only.</summary>
    public bool AllowUntrusted { get; set; }
}

/// <summary>The MQTT outbox (<c>PowerWatch:Mqtt:Outbox</c>).</summary>
internal sealed class MqttOutboxSettings
{
    /// <summary>Relative paths resolve under <c>PowerWatch:DataDirectory</c>.</summary>
    public string Directory { get; set; } = "outbox";

    /// <summary>Disk quota; when full the oldest entries are dropped, counted and alerted.</summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Always (default) | Batched | None (tests only).</summary>
    public string FsyncMode { get; set; } = "Always";
}

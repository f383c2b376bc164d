namespace PowerWatch.Agent.Configuration;

/// <summary>MQTT output (section <c>PowerWatch:Mqtt</c>), also the broker connection of <c>powerwatch ingest</c>.</summary>
public sealed class MqttOptions
{
    public const string Section = "PowerWatch:Mqtt";

    /// <summary>Off by default: the demo runs without a broker.</summary>
    public bool Enabled { get; set; }

    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0 = 1883, or 8883 with TLS.</summary>
    public int Port { get; set; }

    /// <summary>3.1.1 or 5 (the default).</summary>
    public string ProtocolVersion { get; set; } = "5";

    /// <summary>Empty: <c>powerwatch-{site}-{agent}</c> (agent) or <c>powerwatch-ingest-{machine}</c> (ingest).</summary>
    public string ClientId { get; set; } = "";

    public string? Username { get; set; }

    public string? Password { get; set; }

    public MqttTlsSettings? Tls { get; set; }

    public string TopicPrefix { get; set; } = "powerwatch";

    /// <summary>QoS of telemetry (0 or 1).</summary>
    public int Qos { get; set; } = 1;

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>QoS 1 publishes awaiting PUBACK.</summary>
    public int MaxInFlight { get; set; } = 100;

    public MqttOutboxSettings Outbox { get; set; } = new();
}

public sealed class MqttTlsSettings
{
    public string? CaFile { get; set; }

    public string? ClientCertificate { get; set; }

    public string? ClientKey { get; set; }

    public string? ServerName { get; set; }

    public bool AllowUntrusted { get; set; }
}

public sealed class MqttOutboxSettings
{
    /// <summary>Relative paths resolve under <c>PowerWatch:DataDirectory</c>.</summary>
    public string Directory { get; set; } = "outbox";

    /// <summary>Disk quota; when full the oldest entries are dropped, counted and alerted.</summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Always (default) | Batched | None (tests only).</summary>
    public string FsyncMode { get; set; } = "Always";
}

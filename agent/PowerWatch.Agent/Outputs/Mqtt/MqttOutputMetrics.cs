namespace PowerWatch.Agent.Outputs.Mqtt;

/// <summary>
/// Counters and gauges of the MQTT output and its durable outbox at one moment (<see cref="MqttOutput.GetMetrics"/>),
/// exposed on <c>/metrics</c>. Counters count since the agent started.
/// </summary>
internal sealed record MqttOutputMetrics
{
    /// <summary>A broker session is up (CONNACK received and not lost since).</summary>
    public bool Connected { get; init; }

    /// <summary>The broker's last answer refused the credentials (bad user name or password, not authorized); cleared by the next accepted connection.</summary>
    public bool CredentialsRefused { get; init; }

    /// <summary>Successful broker connections since start (the first one included).</summary>
    public long Connects { get; init; }

    /// <summary>Connection attempts that failed before the session was up (refused, timed out, unreachable).</summary>
    public long ConnectFailures { get; init; }

    /// <summary>Outbox entries published at QoS 0 (written to the connection).</summary>
    public long PublishedQos0 { get; init; }

    /// <summary>Outbox entries published at QoS 1 and acknowledged by the broker (PUBACK).</summary>
    public long PublishedQos1 { get; init; }

    /// <summary>Outbox entries the broker refused with a failure reason code (dropped: retrying cannot help).</summary>
    public long PublishesRefused { get; init; }

    /// <summary>Publishes cut short by a lost connection (the entries stay in the outbox and are replayed).</summary>
    public long PublishesInterrupted { get; init; }

    /// <summary>Entries appended to the outbox.</summary>
    public long Appended { get; init; }

    /// <summary>Entries acknowledged in the outbox (published, or refused by the broker).</summary>
    public long Acknowledged { get; init; }

    /// <summary>Pending entries dropped by the outbox quota.</summary>
    public long Dropped { get; init; }

    /// <summary>The outbox is open (false while starting, or when it could not be opened).</summary>
    public bool OutboxOpen { get; init; }

    /// <summary>Entries waiting in the outbox.</summary>
    public long PendingEntries { get; init; }

    /// <summary>On-disk bytes of the pending entries' records.</summary>
    public long PendingBytes { get; init; }

    /// <summary>Bytes of all outbox segment files (what the quota limits).</summary>
    public long DiskBytes { get; init; }

    /// <summary>Append time of the oldest pending entry; null when nothing is pending.</summary>
    public DateTimeOffset? OldestPending { get; init; }

    /// <summary>Telemetry entries confirmed as stored by ingest (<c>Delivery = stored</c>) since start.</summary>
    public long StoredConfirmed { get; init; }

    /// <summary>Telemetry entries sent and awaiting ingest's stored confirmation.</summary>
    public int Unconfirmed { get; init; }

    /// <summary>Replays of unconfirmed telemetry (confirmations stopped for the timeout) since start.</summary>
    public long Replays { get; init; }
}

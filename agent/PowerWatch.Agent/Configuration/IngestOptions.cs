namespace PowerWatch.Agent.Configuration;

/// <summary>
/// <c>powerwatch ingest</c> (section <c>PowerWatch:Ingest</c>); the broker connection is <c>PowerWatch:Mqtt</c>
/// (its <c>Enabled</c> flag is ignored by ingest).
/// </summary>
internal sealed class IngestOptions
{
    public const string Section = "PowerWatch:Ingest";

    /// <summary>The InfluxDB target.</summary>
    public IngestInfluxOptions Influx { get; set; } = new();

    /// <summary>Where malformed messages and refused lines go (tab-separated: time, status, reason, line).</summary>
    public string DeadLetterFile { get; set; } = "data/ingest-dead-letters.txt";

    /// <summary>MQTT 5 shared-subscription group for scale-out (<c>$share/{group}/...</c>); empty: plain subscriptions.</summary>
    public string? SharedGroup { get; set; }

    /// <summary>Persistent-session expiry (MQTT 5) while ingest is down; the broker queues QoS 1 messages meanwhile.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>A batch is written as soon as this many lines are pending.</summary>
    public int MaxBatchLines { get; set; } = 5_000;

    /// <summary>Pending lines are written at the latest this long after the oldest of them arrived.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Unacknowledged messages the broker may have in flight to us (MQTT 5 Receive Maximum).</summary>
    public int ReceiveMaximum { get; set; } = 10_000;

    /// <summary>
    /// Publish a stored confirmation on <c>{prefix}/{site}/{device}/stored</c> after InfluxDB accepted telemetry, so
    /// agents with <c>PowerWatch:Mqtt:Delivery = stored</c> release it from their outbox (docs/ingest.md).
    /// </summary>
    public bool ConfirmStored { get; set; } = true;

    /// <summary>
    /// A device's missing <c>seq</c> is reported as a gap (log event 1206, dead letter, <c>GapsReported</c>) once it has
    /// stayed missing this long; longer than the agents' replay timeout (<c>Mqtt:StoredTimeout</c>, up to 8×).
    /// </summary>
    public TimeSpan GapGrace { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>The InfluxDB target (mirrors PowerWatch.Influx's writer options).</summary>
internal sealed class IngestInfluxOptions
{
    /// <summary>InfluxDB base URL; a path prefix (reverse proxy) is kept.</summary>
    public string Url { get; set; } = "http://127.0.0.1:8086";

    /// <summary>V1 (/write, db/rp, user/password) or V2 (/api/v2/write, org/bucket/token: InfluxDB 2.x, 3.x, VictoriaMetrics).</summary>
    public string ApiVersion { get; set; } = "V1";

    /// <summary>V1: database (<c>db</c>).</summary>
    public string? Database { get; set; } = "powerwatch";

    /// <summary>V1: retention policy (<c>rp</c>); unset: the database's default.</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>V1: user name (optional).</summary>
    public string? Username { get; set; }

    /// <summary>V1: password (optional).</summary>
    public string? Password { get; set; }

    /// <summary>V2: organization (<c>org</c>).</summary>
    public string? Org { get; set; }

    /// <summary>V2: bucket (<c>bucket</c>).</summary>
    public string? Bucket { get; set; }

    /// <summary>V2: API token (<c>Authorization: Token ...</c>).</summary>
    public string? Token { get; set; }

    /// <summary>Compress request bodies with gzip.</summary>
    public bool Gzip { get; set; }

    /// <summary>Timeout of one write request; a timed-out write is retried.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

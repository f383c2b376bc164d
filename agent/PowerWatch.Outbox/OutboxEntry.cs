namespace PowerWatch.Outbox;

/// <summary>Optional per-entry metadata carried alongside the payload (typically the MQTT topic, QoS and retain flag).</summary>
/// <param name="Topic">Topic to publish to; null when the stream key alone decides it.</param>
/// <param name="Qos">QoS 0..3 (two bits on disk).</param>
/// <param name="Retain">Retain flag.</param>
public readonly record struct OutboxMetadata(string? Topic, byte Qos, bool Retain);

/// <summary>One stored entry as handed to the reader.</summary>
/// <param name="Sequence">Outbox sequence, strictly increasing in append order, never reused.</param>
/// <param name="Stream">Stream key (device id or topic); order within a stream is the append order.</param>
/// <param name="Metadata">Metadata given at append time.</param>
/// <param name="Timestamp">When the entry was appended (from the outbox's <see cref="TimeProvider"/>).</param>
/// <param name="Payload">The payload bytes.</param>
public sealed record OutboxEntry(long Sequence, string Stream, OutboxMetadata Metadata, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Payload);

/// <summary>Raised when the quota forced the outbox to drop pending entries.</summary>
public sealed class OutboxDroppedEventArgs : EventArgs
{
    public OutboxDroppedEventArgs(long count, long oldestSequence, long newestSequence, long totalDropped)
    {
        Count = count;
        OldestSequence = oldestSequence;
        NewestSequence = newestSequence;
        TotalDropped = totalDropped;
    }

    /// <summary>Pending (never acknowledged) entries dropped by this event.</summary>
    public long Count { get; }

    /// <summary>Lowest dropped sequence.</summary>
    public long OldestSequence { get; }

    /// <summary>Highest dropped sequence.</summary>
    public long NewestSequence { get; }

    /// <summary><see cref="DurableOutbox.DroppedCount"/> after this drop (persisted across restarts).</summary>
    public long TotalDropped { get; }
}

/// <summary>A byte range of a segment that failed validation and was skipped.</summary>
public sealed record OutboxCorruptRegion(string File, long Offset, long Length);

/// <summary>What opening the outbox found and repaired.</summary>
public sealed record OutboxRecoveryReport
{
    /// <summary>Segment files found.</summary>
    public int Segments { get; init; }

    /// <summary>Entries still pending after recovery.</summary>
    public long PendingEntries { get; init; }

    /// <summary>Bytes cut from the end of the last segment (a write torn by a crash); 0 when clean.</summary>
    public long TruncatedBytes { get; init; }

    /// <summary>Damaged regions skipped inside segments (not at the torn tail).</summary>
    public IReadOnlyList<OutboxCorruptRegion> CorruptRegions { get; init; } = [];

    /// <summary>Entries found missing by this recovery (damaged records, missing segment files).</summary>
    public long LostEntries { get; init; }

    /// <summary>True when the checkpoint file existed but failed its CRC (acknowledgements and counters were reset).</summary>
    public bool CheckpointDamaged { get; init; }
}

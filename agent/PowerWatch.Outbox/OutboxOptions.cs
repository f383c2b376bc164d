namespace PowerWatch.Outbox;

/// <summary>When appended data is forced to stable storage.</summary>
public enum FsyncMode
{
    /// <summary>Every append is on disk (fsync) before <see cref="DurableOutbox.AppendAsync"/> returns; concurrent appends share one fsync.</summary>
    Always,

    /// <summary>Appends return after the write; an fsync follows within <see cref="OutboxOptions.FsyncInterval"/>. A crash may lose that window.</summary>
    Batched,

    /// <summary>Never fsync (tests only): survives a process kill, not a power cut.</summary>
    None,
}

/// <summary>Configuration of a <see cref="DurableOutbox"/>.</summary>
public sealed record OutboxOptions
{
    public const long MinSegmentBytes = 4096;
    public const long MaxSegmentBytes = 256L * 1024 * 1024;

    /// <summary>Directory holding the segments and the checkpoint (created if missing). Required.</summary>
    public string Directory { get; set; } = "";

    /// <summary>Size at which a segment is sealed and a new one started. Default 4 MiB.</summary>
    public long SegmentBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Disk quota for all segments; beyond it the oldest segment is dropped. At least 2 × <see cref="SegmentBytes"/>. Default 256 MiB.</summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Durability of appends. Default <see cref="FsyncMode.Always"/>.</summary>
    public FsyncMode FsyncMode { get; set; } = FsyncMode.Always;

    /// <summary>With <see cref="FsyncMode.Batched"/>: the longest time written data may stay unsynced. Default 200 ms.</summary>
    public TimeSpan FsyncInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often acknowledgements are persisted: by a timer on <see cref="TimeProvider"/> and at the first acknowledgement after the
    /// interval; always on segment deletion, quota drop, <see cref="DurableOutbox.FlushAsync"/> and dispose. Zero persists at every
    /// acknowledgement (no timer). Acknowledgements not yet persisted are re-delivered after a crash. Default 1 s.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most appends written by one group commit. Default 4096.</summary>
    public int MaxBatchEntries { get; set; } = 4096;

    /// <summary>Clock for timestamps and intervals. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The problems with these options, each naming its key; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Directory))
        {
            errors.Add("Outbox:Directory is required.");
        }

        if (SegmentBytes < MinSegmentBytes || SegmentBytes > MaxSegmentBytes)
        {
            errors.Add($"Outbox:SegmentBytes must be between {MinSegmentBytes} and {MaxSegmentBytes} (was {SegmentBytes}).");
        }

        if (MaxBytes < 2 * SegmentBytes)
        {
            errors.Add($"Outbox:MaxBytes must be at least twice Outbox:SegmentBytes ({2 * SegmentBytes}) (was {MaxBytes}).");
        }

        if (!Enum.IsDefined(FsyncMode))
        {
            errors.Add($"Outbox:FsyncMode must be Always, Batched or None (was {FsyncMode}).");
        }

        if (FsyncInterval <= TimeSpan.Zero)
        {
            errors.Add($"Outbox:FsyncInterval must be positive (was {FsyncInterval}).");
        }

        if (CheckpointInterval < TimeSpan.Zero)
        {
            errors.Add($"Outbox:CheckpointInterval must not be negative (was {CheckpointInterval}).");
        }

        if (MaxBatchEntries < 1)
        {
            errors.Add($"Outbox:MaxBatchEntries must be at least 1 (was {MaxBatchEntries}).");
        }

        if (TimeProvider is null)
        {
            errors.Add("Outbox:TimeProvider is required.");
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid outbox options: " + string.Join(" ", errors));
        }
    }
}

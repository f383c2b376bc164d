namespace PowerWatch.Outbox;

/// <summary>
/// The in-memory state of an outbox: its segments, which sequences are pending or retired (acknowledged, dropped or
/// lost), the read cursor and the counters. Every member is guarded by <see cref="Gate"/> (methods ending in
/// <c>Locked</c> expect the caller to hold it), except during recovery, which runs before anyone else can see it.
/// </summary>
internal sealed class OutboxIndex
{
    public Lock Gate { get; } = new();

    /// <summary>Segment files in sequence order; the last one is normally <see cref="Active"/>.</summary>
    public List<Segment> Segments { get; } = [];

    /// <summary>Retired sequences above <see cref="RetiredThrough"/> (acknowledged out of order, dropped or lost).</summary>
    public SortedSet<long> RetiredAbove { get; } = [];

    /// <summary>The segment appended to; written only under <see cref="Gate"/> by the writer (or recovery).</summary>
    public Segment? Active { get; set; }

    /// <summary>Every sequence up to this one is retired.</summary>
    public long RetiredThrough { get; set; }

    /// <summary>Sequence of the next append (owned by the writer once the outbox is open).</summary>
    public long NextSequence { get; set; }

    /// <summary>Highest sequence appended so far (0 when none ever).</summary>
    public long LastSequence { get; set; }

    public long ReadCursor { get; set; }

    public long PendingCount { get; set; }

    public long PendingBytes { get; set; }

    /// <summary>Bytes of all segment files (what the quota limits).</summary>
    public long TotalBytes { get; set; }

    public long DroppedCount { get; set; }

    public long LostCount { get; set; }

    /// <summary>An acknowledgement (or drop, or loss) is not yet in the checkpoint file.</summary>
    public bool CheckpointDirty { get; set; }

    /// <summary>Completed (and replaced) whenever entries are appended.</summary>
    public TaskCompletionSource Appended { get; set; } = NewSignal();

    /// <summary>True when an entry past the read cursor exists.</summary>
    public bool HasUnreadLocked => Math.Max(ReadCursor, RetiredThrough + 1) <= LastSequence;

    public static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Append time of the oldest pending entry; null when nothing is pending.</summary>
    public DateTimeOffset? OldestPendingTimestampLocked()
    {
        for (var seq = RetiredThrough + 1; seq <= LastSequence; seq++)
        {
            if (TryLocatePendingLocked(seq, out var segment, out var index))
            {
                return new DateTimeOffset(segment.Entries[index].TimestampTicks, TimeSpan.Zero);
            }
        }

        return null;
    }

    /// <summary>Up to <paramref name="maxEntries"/> pending entries after the read cursor; moves the cursor past them.</summary>
    public List<(Segment Segment, int Index, EntryInfo Info)> TakeUnreadLocked(int maxEntries)
    {
        var plan = new List<(Segment Segment, int Index, EntryInfo Info)>();
        var seq = Math.Max(ReadCursor, RetiredThrough + 1);
        for (; seq <= LastSequence && plan.Count < maxEntries; seq++)
        {
            if (TryLocatePendingLocked(seq, out var segment, out var index))
            {
                plan.Add((segment, index, segment.Entries[index]));
            }
        }

        ReadCursor = seq;
        return plan;
    }

    /// <summary>Records appended entries (their infos) to the active segment and wakes readers.</summary>
    public void AddAppendedLocked(Segment active, EntryInfo[] infos, int bytes)
    {
        active.Entries.AddRange(infos);
        active.Length += bytes;
        TotalBytes += bytes;
        PendingCount += infos.Length;
        PendingBytes += bytes;
        LastSequence = NextSequence - 1;
    }

    /// <summary>Retires each sequence; true when a segment other than the active one became fully retired.</summary>
    public bool AcknowledgeLocked(IEnumerable<long> sequences)
    {
        var collectable = false;
        foreach (var seq in sequences)
        {
            if (TryLocateLocked(seq, out var segment, out var index) && RetireLocked(segment, index))
            {
                collectable |= segment.FullyRetired && segment != Active;
            }
        }

        return collectable;
    }

    /// <summary>Retires the sequences [from, to] that are not already retired; returns how many were lost.</summary>
    public long RetireGap(long from, long to)
    {
        from = Math.Max(from, RetiredThrough + 1);
        if (from > to)
        {
            return 0;
        }

        var alreadyRetired = RetiredAbove.GetViewBetween(from, to).Count;
        var lost = to - from + 1 - alreadyRetired;
        if (from == RetiredThrough + 1)
        {
            RetiredAbove.RemoveWhere(s => s <= to);
            RetiredThrough = to;
        }
        else
        {
            for (var s = from; s <= to; s++)
            {
                RetiredAbove.Add(s);
            }
        }

        return lost;
    }

    public Checkpoint SnapshotLocked() =>
        new(RetiredThrough, LastSequence + 1, DroppedCount, LostCount, RetiredAbove.ToArray());

    public bool TryLocateLocked(long sequence, out Segment segment, out int index)
    {
        int lo = 0, hi = Segments.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var s = Segments[mid];
            if (sequence < s.FirstSequence)
            {
                hi = mid - 1;
            }
            else if (sequence >= s.EndSequence)
            {
                lo = mid + 1;
            }
            else
            {
                segment = s;
                index = (int)(sequence - s.FirstSequence);
                return true;
            }
        }

        segment = null!;
        index = -1;
        return false;
    }

    /// <summary>Marks one entry no longer pending; false when it already was.</summary>
    public bool RetireLocked(Segment segment, int index)
    {
        var seq = segment.FirstSequence + index;
        if (seq <= RetiredThrough || !RetiredAbove.Add(seq))
        {
            return false;
        }

        segment.RetiredCount++;
        var info = segment.Entries[index];
        if (!info.Missing)
        {
            PendingCount--;
            PendingBytes -= info.Length;
        }

        AdvanceWatermarkLocked();
        CheckpointDirty = true;
        return true;
    }

    public void AdvanceWatermarkLocked()
    {
        while (RetiredAbove.Count > 0 && RetiredAbove.Min == RetiredThrough + 1)
        {
            RetiredAbove.Remove(RetiredThrough + 1);
            RetiredThrough++;
        }
    }

    /// <summary>Disposes every segment's handle and forgets the segments.</summary>
    public void CloseSegmentsLocked()
    {
        foreach (var segment in Segments)
        {
            segment.Dispose();
        }

        Segments.Clear();
    }

    private bool TryLocatePendingLocked(long seq, out Segment segment, out int index)
    {
        if (RetiredAbove.Contains(seq))
        {
            segment = null!;
            index = -1;
            return false;
        }

        return TryLocateLocked(seq, out segment, out index) && !segment.Entries[index].Missing;
    }
}

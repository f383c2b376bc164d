using System.Globalization;

namespace PowerWatch.Outbox;

/// <summary>
/// Rebuilds an outbox's <see cref="OutboxIndex"/> when it is opened: reads the checkpoint, scans every segment file
/// (cutting off a write torn by a crash at the end of the last one, setting damaged files aside, skipping damaged
/// regions), counts what is pending and what was lost, and picks or rolls the active segment.
/// </summary>
internal sealed class OutboxRecovery
{
    private readonly string _directory;
    private readonly OutboxOptions _options;
    private readonly OutboxIndex _index;
    private readonly CheckpointStore _checkpoints;
    private readonly SegmentWriter _writer;

    public OutboxRecovery(string directory, OutboxOptions options, OutboxIndex index, CheckpointStore checkpoints, SegmentWriter writer)
    {
        _directory = directory;
        _options = options;
        _index = index;
        _checkpoints = checkpoints;
        _writer = writer;
    }

    /// <summary>Recovers the index from the files, persists the recovered state, and reports what was found.</summary>
    public OutboxRecoveryReport Recover()
    {
        _checkpoints.DeleteTemporaryFile();
        File.Delete(Path.Combine(_directory, DurableOutbox.SegmentTempFileName));
        var (checkpoint, checkpointFound, checkpointDamaged) = _checkpoints.Read();
        var index = _index;
        var segments = index.Segments;

        index.RetiredThrough = checkpoint.RetiredThrough;
        foreach (var s in checkpoint.RetiredAbove)
        {
            index.RetiredAbove.Add(s);
        }

        index.DroppedCount = checkpoint.DroppedCount;
        index.LostCount = checkpoint.LostCount;

        var files = new List<(long First, string Path)>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + DurableOutbox.SegmentExtension))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name.Length == 20 && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var first))
            {
                files.Add((first, path));
            }
        }

        files.Sort((a, b) => a.First.CompareTo(b.First));
        var regions = new List<OutboxCorruptRegion>();
        long truncated = 0;
        for (var k = 0; k < files.Count; k++)
        {
            var (first, path) = files[k];
            var isLast = k == files.Count - 1;
            if (segments.Count > 0 && first < segments[^1].EndSequence)
            {
                // Overlaps its predecessor: not something this code writes. Keep it aside for inspection.
                regions.Add(new OutboxCorruptRegion(Path.GetFileName(path), 0, new FileInfo(path).Length));
                File.Move(path, path + DurableOutbox.DamagedSuffix, overwrite: true);
                continue;
            }

            segments.Add(LoadSegment(first, path, isLast, regions, ref truncated));
        }

        // Everything the checkpoint says was appended must be in a segment, retired, or is lost.
        var end = Math.Max(checkpoint.NextSequence, index.RetiredThrough + 1);
        if (segments.Count > 0)
        {
            end = Math.Max(end, segments[^1].EndSequence);
        }

        if (!checkpointFound && segments.Count > 0)
        {
            // Without a checkpoint nothing is known below the oldest segment: treat it as gone, not lost.
            index.RetiredThrough = Math.Max(index.RetiredThrough, segments[0].FirstSequence - 1);
        }

        long lost = 0;
        var expected = index.RetiredThrough + 1;
        foreach (var segment in segments)
        {
            lost += index.RetireGap(expected, segment.FirstSequence - 1);
            for (var i = 0; i < segment.Entries.Count; i++)
            {
                var seq = segment.FirstSequence + i;
                var info = segment.Entries[i];
                if (seq <= index.RetiredThrough || index.RetiredAbove.Contains(seq))
                {
                    segment.RetiredCount++;
                }
                else if (info.Missing)
                {
                    index.RetiredAbove.Add(seq);
                    segment.RetiredCount++;
                    lost++;
                }
                else
                {
                    index.PendingCount++;
                    index.PendingBytes += info.Length;
                }
            }

            expected = Math.Max(expected, segment.EndSequence);
            index.TotalBytes += segment.Length;
        }

        lost += index.RetireGap(expected, end - 1);
        index.LostCount += lost;
        index.AdvanceWatermarkLocked();
        index.NextSequence = end;
        index.LastSequence = end - 1;
        index.ReadCursor = index.RetiredThrough + 1;

        var last = segments.Count > 0 ? segments[^1] : null;
        if (last is not null && last.EndSequence == end && last.Length < _options.SegmentBytes)
        {
            index.Active = last;
        }
        else
        {
            _writer.Roll();
        }

        var report = new OutboxRecoveryReport
        {
            Segments = files.Count,
            PendingEntries = index.PendingCount,
            TruncatedBytes = truncated,
            CorruptRegions = regions,
            LostEntries = lost,
            CheckpointDamaged = checkpointDamaged,
        };

        // Persist the recovered state (lost counts, sequence high-water mark) and remove fully retired segments.
        _checkpoints.CollectAndWrite();
        return report;
    }

    private static bool TryRecordAt(byte[] data, int pos, long expected, int maxHole, out long seq, out long ticks, out int size) =>
        RecordCodec.TryReadHeader(data.AsSpan(pos), out seq, out ticks, out size) && seq >= expected && seq - expected <= maxHole;

    private static int FindNextRecord(byte[] data, int from, long expected, int maxHole)
    {
        ReadOnlySpan<byte> magic = [0x50, 0x57, 0x4F, 0x52]; // RecordMagic, big-endian
        var pos = from;
        while (pos < data.Length)
        {
            var hit = data.AsSpan(pos).IndexOf(magic);
            if (hit < 0)
            {
                return -1;
            }

            pos += hit;
            if (TryRecordAt(data, pos, expected, maxHole, out _, out _, out _))
            {
                return pos;
            }

            pos++;
        }

        return -1;
    }

    private Segment LoadSegment(long first, string path, bool isLast, List<OutboxCorruptRegion> regions, ref long truncated)
    {
        var data = File.ReadAllBytes(path);
        var name = Path.GetFileName(path);
        var entries = new List<EntryInfo>();
        long keep = data.Length;
        if (data.Length < RecordCodec.SegmentHeaderSize)
        {
            if (isLast)
            {
                truncated += data.Length;
                keep = 0;
            }
            else
            {
                regions.Add(new OutboxCorruptRegion(name, 0, data.Length));
            }
        }
        else
        {
            if (!RecordCodec.TryReadSegmentHeader(data, out var headerFirst) || headerFirst != first)
            {
                regions.Add(new OutboxCorruptRegion(name, 0, RecordCodec.SegmentHeaderSize));
            }

            var pos = RecordCodec.SegmentHeaderSize;
            var expected = first;
            var maxHole = data.Length / (RecordCodec.FramingSize + RecordCodec.FixedBodySize);
            while (pos < data.Length)
            {
                if (TryRecordAt(data, pos, expected, maxHole, out var seq, out var ticks, out var size))
                {
                    for (; expected < seq; expected++)
                    {
                        entries.Add(default);
                    }

                    entries.Add(new EntryInfo(pos, size, ticks));
                    expected = seq + 1;
                    pos += size;
                    continue;
                }

                var next = FindNextRecord(data, pos + 1, expected, maxHole);
                if (next < 0)
                {
                    if (isLast)
                    {
                        // A write torn by a crash: nothing valid follows. Never acknowledged as durable; cut it off.
                        truncated += data.Length - pos;
                        keep = pos;
                    }
                    else
                    {
                        regions.Add(new OutboxCorruptRegion(name, pos, data.Length - pos));
                    }

                    break;
                }

                regions.Add(new OutboxCorruptRegion(name, pos, next - pos));
                pos = next;
            }
        }

        var handle = File.OpenHandle(path, FileMode.Open, isLast ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read);
        try
        {
            // keep == 0 also covers a last segment that is empty (0 bytes): it must get its header back before
            // anything is appended to it, or the records would start at offset 0 and the next open would find no header.
            if (keep < data.Length || (isLast && keep == 0))
            {
                RandomAccess.SetLength(handle, keep);
                if (keep == 0)
                {
                    Span<byte> header = stackalloc byte[RecordCodec.SegmentHeaderSize];
                    RecordCodec.WriteSegmentHeader(header, first);
                    RandomAccess.Write(handle, header, 0);
                    keep = header.Length;
                }

                if (_options.FsyncMode != FsyncMode.None)
                {
                    RandomAccess.FlushToDisk(handle);
                }
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return new Segment(path, first, handle, keep, entries);
    }
}

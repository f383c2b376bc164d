using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace PowerWatch.Outbox;

/// <summary>
/// Append-only, segmented, checksummed, fsynced store of messages waiting for a broker acknowledgement.
/// Many producers may call <see cref="AppendAsync"/> concurrently (group commit: one write and one fsync per batch);
/// one consumer reads with <see cref="ReadPendingAsync"/> / <see cref="ReadAllAsync"/> and acknowledges, in any order,
/// with <see cref="AcknowledgeAsync(long, CancellationToken)"/>. See README.md for the format and guarantees.
/// </summary>
public sealed class DurableOutbox : IAsyncDisposable
{
    internal const string SegmentExtension = ".seg";
    internal const string CheckpointFileName = "checkpoint";
    internal const string CheckpointTempFileName = "checkpoint.tmp";
    internal const string LockFileName = "outbox.lock";
    internal const string DamagedSuffix = ".damaged";
    internal const string SegmentTempFileName = "segment.tmp";

    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly string _directory;
    private readonly SafeFileHandle _lockHandle;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _fileGate = new(1, 1);
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<Segment> _segments = [];
    private readonly SortedSet<long> _retiredAbove = [];
    private ITimer? _fsyncTimer;
    private ITimer? _checkpointTimer;
    private Task _writer = Task.CompletedTask;
    private Segment? _active;
    private long _retiredThrough;
    private long _nextSequence;
    private long _lastSequence;
    private long _readCursor;
    private long _pendingCount;
    private long _pendingBytes;
    private long _totalBytes;
    private long _droppedCount;
    private long _lostCount;
    private long _fsyncCount;
    private bool _checkpointDirty;
    private long _lastCheckpointTimestamp;
    private bool _unsynced;
    private TaskCompletionSource _appended = NewSignal();
    private volatile Exception? _fault;
    private int _disposed;

    private DurableOutbox(OutboxOptions options, string directory, SafeFileHandle lockHandle)
    {
        _options = options;
        _time = options.TimeProvider;
        _directory = directory;
        _lockHandle = lockHandle;
        Recovery = new OutboxRecoveryReport();
    }

    /// <summary>
    /// Raised (on the writer, after the appends that caused it completed) when the quota dropped pending entries.
    /// Handlers must be quick; exceptions they throw are ignored.
    /// </summary>
    public event EventHandler<OutboxDroppedEventArgs>? EntriesDropped;

    /// <summary>What <see cref="OpenAsync"/> found and repaired.</summary>
    public OutboxRecoveryReport Recovery { get; private set; }

    /// <summary>Entries appended and neither acknowledged, dropped nor lost.</summary>
    public long PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pendingCount;
            }
        }
    }

    /// <summary>On-disk bytes (records with framing) of the pending entries.</summary>
    public long PendingBytes
    {
        get
        {
            lock (_gate)
            {
                return _pendingBytes;
            }
        }
    }

    /// <summary>Bytes of all segment files (what the quota limits).</summary>
    public long DiskBytes
    {
        get
        {
            lock (_gate)
            {
                return _totalBytes;
            }
        }
    }

    /// <summary>Number of segment files.</summary>
    public int SegmentCount
    {
        get
        {
            lock (_gate)
            {
                return _segments.Count;
            }
        }
    }

    /// <summary>Pending entries dropped by the quota since the outbox was created (persisted across restarts).</summary>
    public long DroppedCount
    {
        get
        {
            lock (_gate)
            {
                return _droppedCount;
            }
        }
    }

    /// <summary>Entries lost to damaged records or missing segment files since the outbox was created (persisted).</summary>
    public long LostCount
    {
        get
        {
            lock (_gate)
            {
                return _lostCount;
            }
        }
    }

    /// <summary>fsyncs of segment data so far by this instance (group commit: far fewer than appends under concurrency).</summary>
    public long FsyncCount => Interlocked.Read(ref _fsyncCount);

    /// <summary>Highest sequence appended so far (0 when none ever).</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _lastSequence;
            }
        }
    }

    /// <summary>Append time of the oldest pending entry; null when nothing is pending.</summary>
    public DateTimeOffset? OldestPendingTimestamp
    {
        get
        {
            lock (_gate)
            {
                for (var seq = _retiredThrough + 1; seq <= _lastSequence; seq++)
                {
                    if (!_retiredAbove.Contains(seq) && TryLocateLocked(seq, out var segment, out var index) && !segment.Entries[index].Missing)
                    {
                        return new DateTimeOffset(segment.Entries[index].TimestampTicks, TimeSpan.Zero);
                    }
                }

                return null;
            }
        }
    }

    /// <summary>Opens (creating if needed) the outbox in <see cref="OutboxOptions.Directory"/>, recovering after a crash.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names each key).</exception>
    /// <exception cref="InvalidOperationException">Another instance holds the directory.</exception>
    public static Task<DurableOutbox> OpenAsync(OutboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Task.Run(() => Open(options with { }), cancellationToken);
    }

    /// <summary>
    /// Stores one entry and returns its sequence. With <see cref="FsyncMode.Always"/> the entry is on stable storage
    /// when the task completes. Cancellation abandons the wait only: an entry already handed to the writer may still be stored.
    /// </summary>
    public async Task<long> AppendAsync(string stream, ReadOnlyMemory<byte> payload, OutboxMetadata metadata = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        int streamBytes;
        int topicBytes;
        try
        {
            streamBytes = RecordCodec.GetUtf8Length(stream);
            topicBytes = RecordCodec.GetUtf8Length(metadata.Topic);
        }
        catch (System.Text.EncoderFallbackException ex)
        {
            throw new ArgumentException("Stream and topic must be valid UTF-16 text.", nameof(stream), ex);
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(streamBytes, RecordCodec.MaxStringBytes, nameof(stream));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(topicBytes, RecordCodec.MaxStringBytes, nameof(metadata));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(metadata.Qos, (byte)3, nameof(metadata));
        var size = RecordCodec.GetRecordSize(streamBytes, topicBytes, payload.Length);
        if (size > _options.SegmentBytes - RecordCodec.SegmentHeaderSize)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), $"Record of {size} bytes does not fit a segment (Outbox:SegmentBytes = {_options.SegmentBytes}).");
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ThrowIfFaulted();
        cancellationToken.ThrowIfCancellationRequested();
        var request = new Request(RequestKind.Append, stream, metadata, payload, size);
        ObjectDisposedException.ThrowIf(!_requests.Writer.TryWrite(request), this);
        return await request.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Returns up to <paramref name="maxEntries"/> pending entries after the read cursor, in sequence order, and moves the
    /// cursor past them; empty when there is nothing new. Entries handed out are not handed out again by this instance
    /// unless <see cref="RewindReader"/> is called; after a restart every unacknowledged entry is handed out again.
    /// </summary>
    public async Task<IReadOnlyList<OutboxEntry>> ReadPendingAsync(int maxEntries, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _fileGate.WaitAsync(cancellationToken);
        try
        {
            var plan = new List<(Segment Segment, int Index, EntryInfo Info)>();
            lock (_gate)
            {
                var seq = Math.Max(_readCursor, _retiredThrough + 1);
                for (; seq <= _lastSequence && plan.Count < maxEntries; seq++)
                {
                    if (!_retiredAbove.Contains(seq) && TryLocateLocked(seq, out var segment, out var index) && !segment.Entries[index].Missing)
                    {
                        plan.Add((segment, index, segment.Entries[index]));
                    }
                }

                _readCursor = seq;
            }

            var result = new List<OutboxEntry>(plan.Count);
            foreach (var (segment, index, info) in plan)
            {
                var buffer = new byte[info.Length];
                var read = ReadFully(segment.Handle, buffer, info.Offset);
                var entry = read == buffer.Length ? RecordCodec.TryDecode(buffer) : null;
                if (entry is null || entry.Sequence != segment.FirstSequence + index)
                {
                    // Damaged after recovery (media error): count it, never hand out garbage.
                    lock (_gate)
                    {
                        if (RetireLocked(segment, index))
                        {
                            _lostCount++;
                        }
                    }

                    continue;
                }

                result.Add(entry);
            }

            return result;
        }
        finally
        {
            _fileGate.Release();
        }
    }

    /// <summary>Completes when an entry past the read cursor exists (or the outbox is disposed).</summary>
    public Task WaitForPendingAsync(CancellationToken cancellationToken = default)
    {
        Task signal;
        lock (_gate)
        {
            if (Math.Max(_readCursor, _retiredThrough + 1) <= _lastSequence || _disposed != 0)
            {
                return Task.CompletedTask;
            }

            signal = _appended.Task;
        }

        return signal.WaitAsync(cancellationToken);
    }

    /// <summary>Pending entries in order, waiting for new ones; ends only by cancellation or disposal.</summary>
    public async IAsyncEnumerable<OutboxEntry> ReadAllAsync(int batchSize = 256, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var batch = await ReadPendingAsync(batchSize, cancellationToken);
            if (batch.Count == 0)
            {
                await WaitForPendingAsync(cancellationToken);
                continue;
            }

            foreach (var entry in batch)
            {
                yield return entry;
            }
        }
    }

    /// <summary>Moves the read cursor back to the oldest pending entry (e.g. after the broker session was lost).</summary>
    public void RewindReader()
    {
        lock (_gate)
        {
            _readCursor = _retiredThrough + 1;
        }
    }

    /// <summary>Acknowledges one entry (idempotent; unknown, dropped or already acknowledged sequences are ignored).</summary>
    public ValueTask AcknowledgeAsync(long sequence, CancellationToken cancellationToken = default) =>
        AcknowledgeAsync([sequence], cancellationToken);

    /// <summary>
    /// Acknowledges entries, in any order. Fully acknowledged segments are deleted; the checkpoint is persisted at
    /// most every <see cref="OutboxOptions.CheckpointInterval"/> (acknowledgements not yet persisted are re-delivered after a crash).
    /// </summary>
    public async ValueTask AcknowledgeAsync(IEnumerable<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        bool persist;
        lock (_gate)
        {
            var collectable = false;
            foreach (var seq in sequences)
            {
                if (TryLocateLocked(seq, out var segment, out var index) && RetireLocked(segment, index))
                {
                    collectable |= segment.FullyRetired && segment != _active;
                }
            }

            persist = _checkpointDirty && (collectable || _time.GetElapsedTime(_lastCheckpointTimestamp) >= _options.CheckpointInterval);
        }

        if (persist)
        {
            await CheckpointAsync(cancellationToken);
        }
    }

    /// <summary>Persists the acknowledgements now and, with <see cref="FsyncMode.Batched"/>, fsyncs appended data.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var request = new Request(RequestKind.Sync, "", default, default, 0);
        if (_requests.Writer.TryWrite(request))
        {
            await request.Completion.Task.WaitAsync(cancellationToken);
        }

        await CheckpointAsync(cancellationToken);
    }

    /// <summary>Writes what is queued, fsyncs, persists the checkpoint and releases the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _requests.Writer.TryComplete();
        await _writer;
        if (_fsyncTimer is not null)
        {
            await _fsyncTimer.DisposeAsync();
        }

        if (_checkpointTimer is not null)
        {
            await _checkpointTimer.DisposeAsync();
        }

        try
        {
            if (_fault is null)
            {
                if (_unsynced && _active is not null)
                {
                    RandomAccess.FlushToDisk(_active.Handle);
                }

                await CheckpointAsync(CancellationToken.None);
            }
        }
        finally
        {
            TaskCompletionSource signal;
            lock (_gate)
            {
                foreach (var segment in _segments)
                {
                    segment.Dispose();
                }

                _segments.Clear();
                signal = _appended;
            }

            signal.TrySetResult();
            _lockHandle.Dispose();
            _fileGate.Dispose();
        }
    }

    /// <summary>Test hook: stops like a killed process (no final fsync, no checkpoint) and releases the files.</summary>
    internal async ValueTask AbandonAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _fault = new ObjectDisposedException(nameof(DurableOutbox), "abandoned");
        _requests.Writer.TryComplete();
        await _writer;
        _fsyncTimer?.Dispose();
        _checkpointTimer?.Dispose();
        lock (_gate)
        {
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }

            _segments.Clear();
        }

        _lockHandle.Dispose();
    }

    private static DurableOutbox Open(OutboxOptions options)
    {
        var directory = Path.GetFullPath(options.Directory);
        Directory.CreateDirectory(directory);
        SafeFileHandle lockHandle;
        try
        {
            lockHandle = File.OpenHandle(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"The outbox directory '{directory}' is in use by another instance.", ex);
        }

        var outbox = new DurableOutbox(options, directory, lockHandle);
        try
        {
            outbox.Recover();
            outbox.Start();
            return outbox;
        }
        catch
        {
            lock (outbox._gate)
            {
                foreach (var segment in outbox._segments)
                {
                    segment.Dispose();
                }
            }

            lockHandle.Dispose();
            throw;
        }
    }

    private void Start()
    {
        _lastCheckpointTimestamp = _time.GetTimestamp();
        if (_options.FsyncMode == FsyncMode.Batched)
        {
            _fsyncTimer = _time.CreateTimer(
                static state => ((DurableOutbox)state!)._requests.Writer.TryWrite(new Request(RequestKind.SyncTick, "", default, default, 0)),
                this,
                _options.FsyncInterval,
                _options.FsyncInterval);
        }

        if (_options.CheckpointInterval > TimeSpan.Zero)
        {
            // Persists acknowledgements that arrived just before the publisher went quiet.
            _checkpointTimer = _time.CreateTimer(
                static state => ((DurableOutbox)state!)._requests.Writer.TryWrite(new Request(RequestKind.CheckpointTick, "", default, default, 0)),
                this,
                _options.CheckpointInterval,
                _options.CheckpointInterval);
        }

        _writer = Task.Run(RunWriterAsync);
    }

    // ---------------------------------------------------------------- recovery

    private void Recover()
    {
        var checkpointPath = Path.Combine(_directory, CheckpointFileName);
        File.Delete(Path.Combine(_directory, CheckpointTempFileName));
        File.Delete(Path.Combine(_directory, SegmentTempFileName));
        var checkpoint = Checkpoint.Empty;
        var checkpointFound = false;
        var checkpointDamaged = false;
        if (File.Exists(checkpointPath))
        {
            var decoded = Checkpoint.TryDecode(File.ReadAllBytes(checkpointPath));
            checkpointFound = decoded is not null;
            checkpointDamaged = decoded is null;
            checkpoint = decoded ?? Checkpoint.Empty;
        }

        _retiredThrough = checkpoint.RetiredThrough;
        foreach (var s in checkpoint.RetiredAbove)
        {
            _retiredAbove.Add(s);
        }

        _droppedCount = checkpoint.DroppedCount;
        _lostCount = checkpoint.LostCount;

        var files = new List<(long First, string Path)>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + SegmentExtension))
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
            if (_segments.Count > 0 && first < _segments[^1].EndSequence)
            {
                // Overlaps its predecessor: not something this code writes. Keep it aside for inspection.
                regions.Add(new OutboxCorruptRegion(Path.GetFileName(path), 0, new FileInfo(path).Length));
                File.Move(path, path + DamagedSuffix, overwrite: true);
                continue;
            }

            _segments.Add(LoadSegment(first, path, isLast, regions, ref truncated));
        }

        // Everything the checkpoint says was appended must be in a segment, retired, or is lost.
        var end = Math.Max(checkpoint.NextSequence, _retiredThrough + 1);
        if (_segments.Count > 0)
        {
            end = Math.Max(end, _segments[^1].EndSequence);
        }

        if (!checkpointFound && _segments.Count > 0)
        {
            // Without a checkpoint nothing is known below the oldest segment: treat it as gone, not lost.
            _retiredThrough = Math.Max(_retiredThrough, _segments[0].FirstSequence - 1);
        }

        long lost = 0;
        var expected = _retiredThrough + 1;
        foreach (var segment in _segments)
        {
            lost += RetireGap(expected, segment.FirstSequence - 1);
            for (var i = 0; i < segment.Entries.Count; i++)
            {
                var seq = segment.FirstSequence + i;
                var info = segment.Entries[i];
                if (seq <= _retiredThrough || _retiredAbove.Contains(seq))
                {
                    segment.RetiredCount++;
                }
                else if (info.Missing)
                {
                    _retiredAbove.Add(seq);
                    segment.RetiredCount++;
                    lost++;
                }
                else
                {
                    _pendingCount++;
                    _pendingBytes += info.Length;
                }
            }

            expected = Math.Max(expected, segment.EndSequence);
            _totalBytes += segment.Length;
        }

        lost += RetireGap(expected, end - 1);
        _lostCount += lost;
        AdvanceWatermarkLocked();
        _nextSequence = end;
        _lastSequence = end - 1;
        _readCursor = _retiredThrough + 1;

        var last = _segments.Count > 0 ? _segments[^1] : null;
        if (last is not null && last.EndSequence == end && last.Length < _options.SegmentBytes)
        {
            _active = last;
        }
        else
        {
            Roll();
        }

        Recovery = new OutboxRecoveryReport
        {
            Segments = files.Count,
            PendingEntries = _pendingCount,
            TruncatedBytes = truncated,
            CorruptRegions = regions,
            LostEntries = lost,
            CheckpointDamaged = checkpointDamaged,
        };

        // Persist the recovered state (lost counts, sequence high-water mark) and remove fully retired segments.
        CollectAndWriteCheckpoint();
    }

    /// <summary>Retires the sequences [from, to] that are not already retired; returns how many were lost.</summary>
    private long RetireGap(long from, long to)
    {
        from = Math.Max(from, _retiredThrough + 1);
        if (from > to)
        {
            return 0;
        }

        var alreadyRetired = _retiredAbove.GetViewBetween(from, to).Count;
        var lost = to - from + 1 - alreadyRetired;
        if (from == _retiredThrough + 1)
        {
            _retiredAbove.RemoveWhere(s => s <= to);
            _retiredThrough = to;
        }
        else
        {
            for (var s = from; s <= to; s++)
            {
                _retiredAbove.Add(s);
            }
        }

        return lost;
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

    // ---------------------------------------------------------------- writer

    private async Task RunWriterAsync()
    {
        var reader = _requests.Reader;
        var batch = new List<Request>();
        var syncs = new List<Request>();
        while (await reader.WaitToReadAsync())
        {
            if (_options.FsyncMode == FsyncMode.Always)
            {
                // Group commit: let producers whose previous append just completed queue their next one, so that
                // they share this fsync instead of waiting for the next.
                await Task.Yield();
            }

            batch.Clear();
            syncs.Clear();
            var tick = false;
            var checkpointTick = false;
            while (batch.Count < _options.MaxBatchEntries && reader.TryRead(out var request))
            {
                switch (request.Kind)
                {
                    case RequestKind.Append:
                        batch.Add(request);
                        break;
                    case RequestKind.Sync:
                        syncs.Add(request);
                        break;
                    case RequestKind.CheckpointTick:
                        checkpointTick = true;
                        break;
                    default:
                        tick = true;
                        break;
                }
            }

            if (checkpointTick)
            {
                await CheckpointIfDirtyAsync();
            }

            var drops = new List<OutboxDroppedEventArgs>();
            var done = 0;
            try
            {
                ThrowIfFaulted();
                done = await WriteBatchAsync(batch, drops);
                if ((tick || syncs.Count > 0) && _unsynced && _active is not null)
                {
                    FlushData(_active);
                    _unsynced = false;
                }

                foreach (var s in syncs)
                {
                    s.Completion.TrySetResult(0);
                }
            }
#pragma warning disable CA1031 // The writer must outlive any one failure: it is reported to each waiting caller.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var error = ex as IOException ?? new IOException("The outbox could not store the entries.", ex);
                for (var i = done; i < batch.Count; i++)
                {
                    batch[i].Completion.TrySetException(error);
                }

                foreach (var s in syncs)
                {
                    s.Completion.TrySetException(error);
                }
            }

            foreach (var drop in drops)
            {
                RaiseDropped(drop);
            }
        }
    }

    /// <summary>Writes the batch in runs that fit the active segment; returns how many requests completed.</summary>
    private async Task<int> WriteBatchAsync(List<Request> batch, List<OutboxDroppedEventArgs> drops)
    {
        var i = 0;
        while (i < batch.Count)
        {
            var active = _active!;
            if (active.Entries.Count > 0 && active.Length + batch[i].Size > _options.SegmentBytes)
            {
                active = Roll();
            }

            var room = _options.SegmentBytes - active.Length;
            var j = i;
            long bytes = 0;
            while (j < batch.Count && (j == i || bytes + batch[j].Size <= room))
            {
                bytes += batch[j].Size;
                j++;
            }

            await EnforceQuotaAsync(bytes, drops);

            var buffer = ArrayPool<byte>.Shared.Rent((int)bytes);
            try
            {
                var ticks = _time.GetUtcNow().UtcTicks;
                var infos = new EntryInfo[j - i];
                var offset = active.Length;
                var pos = 0;
                for (var k = i; k < j; k++)
                {
                    var r = batch[k];
                    var size = RecordCodec.Encode(buffer.AsSpan(pos), _nextSequence + (k - i), ticks, r.Stream, r.Metadata, r.Payload.Span);
                    infos[k - i] = new EntryInfo((int)(offset + pos), size, ticks);
                    pos += size;
                }

                try
                {
                    RandomAccess.Write(active.Handle, buffer.AsSpan(0, pos), offset);
                    if (_options.FsyncMode == FsyncMode.Always)
                    {
                        FlushData(active);
                    }
                    else if (_options.FsyncMode == FsyncMode.Batched)
                    {
                        _unsynced = true;
                    }
                }
                catch
                {
                    // Undo the partial write so the next batch starts on a record boundary; if even that fails, stop.
                    try
                    {
                        RandomAccess.SetLength(active.Handle, offset);
                    }
#pragma warning disable CA1031 // Any failure here means the file state is unknown: fault the outbox.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        _fault = ex;
                    }

                    throw;
                }

                var first = _nextSequence;
                _nextSequence += j - i;
                TaskCompletionSource signal;
                lock (_gate)
                {
                    active.Entries.AddRange(infos);
                    active.Length += pos;
                    _totalBytes += pos;
                    _pendingCount += j - i;
                    _pendingBytes += pos;
                    _lastSequence = _nextSequence - 1;
                    signal = _appended;
                    _appended = NewSignal();
                }

                signal.TrySetResult();
                for (var k = i; k < j; k++)
                {
                    batch[k].Completion.TrySetResult(first + (k - i));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            i = j;
        }

        return i;
    }

    /// <summary>Starts a new active segment named after the next sequence.</summary>
    private Segment Roll()
    {
        var previous = _active;
        if (previous is not null && _unsynced)
        {
            FlushData(previous);
            _unsynced = false;
        }

        var path = Path.Combine(_directory, _nextSequence.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension);
        var temp = Path.Combine(_directory, SegmentTempFileName);

        // The header is written to a temporary file that is renamed into place, so a segment file never exists without
        // its header: a kill between creating the file and writing the header used to leave an empty segment, which
        // recovery kept as the active segment, so the next records started at offset 0 and the next open counted one as lost.
        using (var tempHandle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Span<byte> header = stackalloc byte[RecordCodec.SegmentHeaderSize];
            RecordCodec.WriteSegmentHeader(header, _nextSequence);
            RandomAccess.Write(tempHandle, header, 0);
            if (_options.FsyncMode != FsyncMode.None)
            {
                RandomAccess.FlushToDisk(tempHandle);
            }
        }

        File.Move(temp, path, overwrite: false);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        try
        {
            if (_options.FsyncMode != FsyncMode.None)
            {
                DirectorySync.Flush(_directory);
            }
        }
        catch
        {
            handle.Dispose();
            File.Delete(path);
            throw;
        }

        var segment = new Segment(path, _nextSequence, handle, RecordCodec.SegmentHeaderSize, []);
        lock (_gate)
        {
            _segments.Add(segment);
            _totalBytes += segment.Length;
            _active = segment;
        }

        return segment;
    }

    /// <summary>Drops whole oldest segments until <paramref name="incoming"/> more bytes fit the quota.</summary>
    private async Task EnforceQuotaAsync(long incoming, List<OutboxDroppedEventArgs> drops)
    {
        lock (_gate)
        {
            if (_totalBytes + incoming <= _options.MaxBytes)
            {
                return;
            }
        }

        await _fileGate.WaitAsync();
        try
        {
            var victims = new List<Segment>();
            Checkpoint snapshot;
            lock (_gate)
            {
                while (_totalBytes + incoming > _options.MaxBytes && _segments.Count > 1 && _segments[0] != _active)
                {
                    var victim = _segments[0];
                    long count = 0;
                    long oldest = 0;
                    long newest = 0;
                    for (var i = 0; i < victim.Entries.Count; i++)
                    {
                        if (RetireLocked(victim, i))
                        {
                            var seq = victim.FirstSequence + i;
                            oldest = count == 0 ? seq : oldest;
                            newest = seq;
                            count++;
                        }
                    }

                    _segments.RemoveAt(0);
                    _totalBytes -= victim.Length;
                    victims.Add(victim);
                    if (count > 0)
                    {
                        _droppedCount += count;
                        drops.Add(new OutboxDroppedEventArgs(count, oldest, newest, _droppedCount));
                    }
                }

                snapshot = SnapshotLocked();
            }

            // Counts first, files second: a crash in between can only leave an already-retired file behind.
            WriteCheckpointFile(snapshot);
            DeleteSegments(victims);
        }
        finally
        {
            _fileGate.Release();
        }
    }

    private void RaiseDropped(OutboxDroppedEventArgs args)
    {
        try
        {
            EntriesDropped?.Invoke(this, args);
        }
#pragma warning disable CA1031 // A subscriber's failure must not stop the writer; the counts are persisted regardless.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    // ---------------------------------------------------------------- checkpoint

    private async Task CheckpointIfDirtyAsync()
    {
        lock (_gate)
        {
            if (!_checkpointDirty || _fault is not null)
            {
                return;
            }
        }

        try
        {
            await CheckpointAsync(CancellationToken.None);
        }
#pragma warning disable CA1031 // A failed periodic checkpoint only means re-delivery after a crash; it is retried at the next tick or acknowledgement.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await _fileGate.WaitAsync(cancellationToken);
        try
        {
            CollectAndWriteCheckpoint();
        }
        finally
        {
            _fileGate.Release();
        }
    }

    /// <summary>Persists the checkpoint, then deletes fully retired segments other than the active one. Caller holds the file gate (or is recovering).</summary>
    private void CollectAndWriteCheckpoint()
    {
        Checkpoint snapshot;
        List<Segment> victims;
        lock (_gate)
        {
            snapshot = SnapshotLocked();
            victims = _segments.Where(s => s != _active && s.FullyRetired).ToList();
            _checkpointDirty = false;
            _lastCheckpointTimestamp = _time.GetTimestamp();
        }

        try
        {
            WriteCheckpointFile(snapshot);
        }
        catch
        {
            lock (_gate)
            {
                _checkpointDirty = true;
            }

            throw;
        }

        if (victims.Count > 0)
        {
            lock (_gate)
            {
                foreach (var v in victims)
                {
                    _segments.Remove(v);
                    _totalBytes -= v.Length;
                }
            }

            DeleteSegments(victims);
        }
    }

    private Checkpoint SnapshotLocked() =>
        new(_retiredThrough, _lastSequence + 1, _droppedCount, _lostCount, _retiredAbove.ToArray());

    private void WriteCheckpointFile(Checkpoint checkpoint)
    {
        var bytes = new byte[checkpoint.EncodedSize];
        checkpoint.Encode(bytes);
        var temp = Path.Combine(_directory, CheckpointTempFileName);
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, bytes, 0);
            if (_options.FsyncMode != FsyncMode.None)
            {
                RandomAccess.FlushToDisk(handle);
            }
        }

        File.Move(temp, Path.Combine(_directory, CheckpointFileName), overwrite: true);
        if (_options.FsyncMode != FsyncMode.None)
        {
            DirectorySync.Flush(_directory);
        }
    }

    private void DeleteSegments(List<Segment> victims)
    {
        if (victims.Count == 0)
        {
            return;
        }

        foreach (var v in victims)
        {
            v.Dispose();
            File.Delete(v.Path);
        }

        if (_options.FsyncMode != FsyncMode.None)
        {
            DirectorySync.Flush(_directory);
        }
    }

    // ---------------------------------------------------------------- state helpers (under _gate)

    private bool TryLocateLocked(long sequence, out Segment segment, out int index)
    {
        int lo = 0, hi = _segments.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var s = _segments[mid];
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
    private bool RetireLocked(Segment segment, int index)
    {
        var seq = segment.FirstSequence + index;
        if (seq <= _retiredThrough || !_retiredAbove.Add(seq))
        {
            return false;
        }

        segment.RetiredCount++;
        var info = segment.Entries[index];
        if (!info.Missing)
        {
            _pendingCount--;
            _pendingBytes -= info.Length;
        }

        AdvanceWatermarkLocked();
        _checkpointDirty = true;
        return true;
    }

    private void AdvanceWatermarkLocked()
    {
        while (_retiredAbove.Count > 0 && _retiredAbove.Min == _retiredThrough + 1)
        {
            _retiredAbove.Remove(_retiredThrough + 1);
            _retiredThrough++;
        }
    }

    private void ThrowIfFaulted()
    {
        if (_fault is { } fault)
        {
            throw new IOException("The outbox stopped after an unrecoverable storage error.", fault);
        }
    }

    private void FlushData(Segment segment)
    {
        RandomAccess.FlushToDisk(segment.Handle);
        Interlocked.Increment(ref _fsyncCount);
    }

    private static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private enum RequestKind
    {
        Append,
        Sync,
        SyncTick,
        CheckpointTick,
    }

    private sealed class Request
    {
        public Request(RequestKind kind, string stream, OutboxMetadata metadata, ReadOnlyMemory<byte> payload, int size)
        {
            Kind = kind;
            Stream = stream;
            Metadata = metadata;
            Payload = payload;
            Size = size;
        }

        public RequestKind Kind { get; }

        public string Stream { get; }

        public OutboxMetadata Metadata { get; }

        public ReadOnlyMemory<byte> Payload { get; }

        public int Size { get; }

        public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

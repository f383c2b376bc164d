using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace PowerWatch.Outbox;

/// <summary>
/// Append-only, segmented, checksummed, fsynced store of messages waiting for a broker acknowledgement.
/// Many producers may call <see cref="AppendAsync"/> concurrently (group commit: one write and one fsync per batch);
/// one consumer reads with <see cref="ReadPendingAsync"/> / <see cref="ReadAllAsync"/> and acknowledges, in any order,
/// with <see cref="AcknowledgeAsync(long, CancellationToken)"/>. See README.md for the format and guarantees.
/// </summary>
/// <remarks>
/// A facade over collaborating parts: <see cref="OutboxIndex"/> (pending/acknowledgement state, under one lock),
/// <see cref="SegmentWriter"/> (group commit, segment roll, quota), <see cref="CheckpointStore"/> (checkpoint file,
/// deletion of retired segments) and <see cref="OutboxRecovery"/> (scan and repair at open).
/// </remarks>
public sealed class DurableOutbox : IAsyncDisposable
{
    internal const string SegmentExtension = ".seg";
    internal const string CheckpointFileName = "checkpoint";
    internal const string CheckpointTempFileName = "checkpoint.tmp";
    internal const string LockFileName = "outbox.lock";
    internal const string DamagedSuffix = ".damaged";
    internal const string SegmentTempFileName = "segment.tmp";

    private readonly OutboxOptions _options;
    private readonly SafeFileHandle _lockHandle;
    private readonly OutboxIndex _index = new();
    private readonly CheckpointStore _checkpoints;
    private readonly SegmentWriter _writer;
    private int _disposed;

    private DurableOutbox(OutboxOptions options, string directory, SafeFileHandle lockHandle)
    {
        _options = options;
        _lockHandle = lockHandle;
        _checkpoints = new CheckpointStore(directory, options, _index);
        _writer = new SegmentWriter(directory, options, _index, _checkpoints, RaiseDropped);
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
            lock (_index.Gate)
            {
                return _index.PendingCount;
            }
        }
    }

    /// <summary>On-disk bytes (records with framing) of the pending entries.</summary>
    public long PendingBytes
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.PendingBytes;
            }
        }
    }

    /// <summary>Bytes of all segment files (what the quota limits).</summary>
    public long DiskBytes
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.TotalBytes;
            }
        }
    }

    /// <summary>Number of segment files.</summary>
    public int SegmentCount
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.Segments.Count;
            }
        }
    }

    /// <summary>Pending entries dropped by the quota since the outbox was created (persisted across restarts).</summary>
    public long DroppedCount
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.DroppedCount;
            }
        }
    }

    /// <summary>Entries lost to damaged records or missing segment files since the outbox was created (persisted).</summary>
    public long LostCount
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.LostCount;
            }
        }
    }

    /// <summary>fsyncs of segment data so far by this instance (group commit: far fewer than appends under concurrency).</summary>
    public long FsyncCount => _writer.FsyncCount;

    /// <summary>Highest sequence appended so far (0 when none ever).</summary>
    public long LastSequence
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.LastSequence;
            }
        }
    }

    /// <summary>Append time of the oldest pending entry; null when nothing is pending.</summary>
    public DateTimeOffset? OldestPendingTimestamp
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.OldestPendingTimestampLocked();
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
        _writer.ThrowIfFaulted();
        cancellationToken.ThrowIfCancellationRequested();
        var request = new WriteRequest(WriteRequestKind.Append, stream, metadata, payload, size);
        ObjectDisposedException.ThrowIf(!_writer.TryPost(request), this);
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
        await _checkpoints.FileGate.WaitAsync(cancellationToken);
        try
        {
            List<(Segment Segment, int Index, EntryInfo Info)> plan;
            lock (_index.Gate)
            {
                plan = _index.TakeUnreadLocked(maxEntries);
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
                    lock (_index.Gate)
                    {
                        if (_index.RetireLocked(segment, index))
                        {
                            _index.LostCount++;
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
            _checkpoints.FileGate.Release();
        }
    }

    /// <summary>Completes when an entry past the read cursor exists (or the outbox is disposed).</summary>
    public Task WaitForPendingAsync(CancellationToken cancellationToken = default)
    {
        Task signal;
        lock (_index.Gate)
        {
            if (_index.HasUnreadLocked || _disposed != 0)
            {
                return Task.CompletedTask;
            }

            signal = _index.Appended.Task;
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
        lock (_index.Gate)
        {
            _index.ReadCursor = _index.RetiredThrough + 1;
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
        lock (_index.Gate)
        {
            persist = _checkpoints.IsDueLocked(_index.AcknowledgeLocked(sequences));
        }

        if (persist)
        {
            await _checkpoints.PersistAsync(cancellationToken);
        }
    }

    /// <summary>Persists the acknowledgements now and, with <see cref="FsyncMode.Batched"/>, fsyncs appended data.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var request = new WriteRequest(WriteRequestKind.Sync);
        if (_writer.TryPost(request))
        {
            await request.Completion.Task.WaitAsync(cancellationToken);
        }

        await _checkpoints.PersistAsync(cancellationToken);
    }

    /// <summary>Writes what is queued, fsyncs, persists the checkpoint and releases the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writer.StopAsync();
        try
        {
            if (_writer.Fault is null)
            {
                _writer.FlushOnClose();
                await _checkpoints.PersistAsync(CancellationToken.None);
            }
        }
        finally
        {
            TaskCompletionSource signal;
            lock (_index.Gate)
            {
                _index.CloseSegmentsLocked();
                signal = _index.Appended;
            }

            signal.TrySetResult();
            _lockHandle.Dispose();
            _checkpoints.Dispose();
        }
    }

    /// <summary>Test hook: stops like a killed process (no final fsync, no checkpoint) and releases the files.</summary>
    internal async ValueTask AbandonAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writer.AbandonAsync();
        lock (_index.Gate)
        {
            _index.CloseSegmentsLocked();
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
            outbox.Recovery = new OutboxRecovery(directory, options, outbox._index, outbox._checkpoints, outbox._writer).Recover();
            outbox._checkpoints.Restart();
            outbox._writer.Start();
            return outbox;
        }
        catch
        {
            lock (outbox._index.Gate)
            {
                outbox._index.CloseSegmentsLocked();
            }

            lockHandle.Dispose();
            throw;
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
}

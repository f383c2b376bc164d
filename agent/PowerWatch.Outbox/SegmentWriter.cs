using System.Buffers;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace PowerWatch.Outbox;

/// <summary>
/// The single writer of an outbox: takes appends from many producers off a queue and writes them in group commits
/// (one write and one fsync per batch), rolls to a new segment when the active one is full, enforces the disk quota
/// by dropping whole oldest segments, and runs the periodic fsync and checkpoint ticks.
/// </summary>
internal sealed class SegmentWriter
{
    private readonly string _directory;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly OutboxIndex _index;
    private readonly CheckpointStore _checkpoints;
    private readonly Action<OutboxDroppedEventArgs> _dropped;
    private readonly Channel<WriteRequest> _requests = Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = true });
    private ITimer? _fsyncTimer;
    private ITimer? _checkpointTimer;
    private Task _writer = Task.CompletedTask;
    private bool _unsynced;
    private long _fsyncCount;
    private volatile Exception? _fault;

    /// <param name="dropped">Told (on the writer, after the appends that caused it completed) of entries the quota dropped.</param>
    public SegmentWriter(string directory, OutboxOptions options, OutboxIndex index, CheckpointStore checkpoints, Action<OutboxDroppedEventArgs> dropped)
    {
        _directory = directory;
        _options = options;
        _time = options.TimeProvider;
        _index = index;
        _checkpoints = checkpoints;
        _dropped = dropped;
    }

    /// <summary>The unrecoverable storage error that stopped the writer, if any.</summary>
    public Exception? Fault => _fault;

    public long FsyncCount => Interlocked.Read(ref _fsyncCount);

    /// <summary>Queues a request for the writer; false once the writer is stopping.</summary>
    public bool TryPost(WriteRequest request) => _requests.Writer.TryWrite(request);

    public void ThrowIfFaulted()
    {
        if (_fault is { } fault)
        {
            throw new IOException("The outbox stopped after an unrecoverable storage error.", fault);
        }
    }

    /// <summary>Starts the timers and the writer loop.</summary>
    public void Start()
    {
        if (_options.FsyncMode == FsyncMode.Batched)
        {
            _fsyncTimer = _time.CreateTimer(
                static state => ((SegmentWriter)state!).TryPost(new WriteRequest(WriteRequestKind.SyncTick)),
                this,
                _options.FsyncInterval,
                _options.FsyncInterval);
        }

        if (_options.CheckpointInterval > TimeSpan.Zero)
        {
            // Persists acknowledgements that arrived just before the publisher went quiet.
            _checkpointTimer = _time.CreateTimer(
                static state => ((SegmentWriter)state!).TryPost(new WriteRequest(WriteRequestKind.CheckpointTick)),
                this,
                _options.CheckpointInterval,
                _options.CheckpointInterval);
        }

        _writer = Task.Run(RunAsync);
    }

    /// <summary>Writes what is queued, then stops the writer and the timers.</summary>
    public async Task StopAsync()
    {
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
    }

    /// <summary>Test hook: faults the writer so queued appends fail, as if the process were killed.</summary>
    public async Task AbandonAsync()
    {
        _fault = new ObjectDisposedException(nameof(DurableOutbox), "abandoned");
        _requests.Writer.TryComplete();
        await _writer;
        _fsyncTimer?.Dispose();
        _checkpointTimer?.Dispose();
    }

    /// <summary>fsyncs appended data not yet fsynced (batched mode), when closing.</summary>
    public void FlushOnClose()
    {
        if (_unsynced && _index.Active is not null)
        {
            RandomAccess.FlushToDisk(_index.Active.Handle);
        }
    }

    /// <summary>Starts a new active segment named after the next sequence.</summary>
    public Segment Roll()
    {
        var previous = _index.Active;
        if (previous is not null && _unsynced)
        {
            FlushData(previous);
            _unsynced = false;
        }

        var next = _index.NextSequence;
        var path = Path.Combine(_directory, next.ToString("D20", CultureInfo.InvariantCulture) + DurableOutbox.SegmentExtension);
        var temp = Path.Combine(_directory, DurableOutbox.SegmentTempFileName);

        // The header is written to a temporary file that is renamed into place, so a segment file never exists without
        // its header: a kill between creating the file and writing the header used to leave an empty segment, which
        // recovery kept as the active segment, so the next records started at offset 0 and the next open counted one as lost.
        using (var tempHandle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Span<byte> header = stackalloc byte[RecordCodec.SegmentHeaderSize];
            RecordCodec.WriteSegmentHeader(header, next);
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

        var segment = new Segment(path, next, handle, RecordCodec.SegmentHeaderSize, []);
        lock (_index.Gate)
        {
            _index.Segments.Add(segment);
            _index.TotalBytes += segment.Length;
            _index.Active = segment;
        }

        return segment;
    }

    private async Task RunAsync()
    {
        var reader = _requests.Reader;
        var batch = new List<WriteRequest>();
        var syncs = new List<WriteRequest>();
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
                    case WriteRequestKind.Append:
                        batch.Add(request);
                        break;
                    case WriteRequestKind.Sync:
                        syncs.Add(request);
                        break;
                    case WriteRequestKind.CheckpointTick:
                        checkpointTick = true;
                        break;
                    default:
                        tick = true;
                        break;
                }
            }

            if (checkpointTick && _fault is null)
            {
                await _checkpoints.PersistIfDirtyAsync();
            }

            var drops = new List<OutboxDroppedEventArgs>();
            var done = 0;
            try
            {
                ThrowIfFaulted();
                done = await WriteBatchAsync(batch, drops);
                if ((tick || syncs.Count > 0) && _unsynced && _index.Active is not null)
                {
                    FlushData(_index.Active);
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
                _dropped(drop);
            }
        }
    }

    /// <summary>Writes the batch in runs that fit the active segment; returns how many requests completed.</summary>
    private async Task<int> WriteBatchAsync(List<WriteRequest> batch, List<OutboxDroppedEventArgs> drops)
    {
        var i = 0;
        while (i < batch.Count)
        {
            var active = _index.Active!;
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
                    var size = RecordCodec.Encode(buffer.AsSpan(pos), _index.NextSequence + (k - i), ticks, r.Stream, r.Metadata, r.Payload.Span);
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

                var first = _index.NextSequence;
                TaskCompletionSource signal;
                lock (_index.Gate)
                {
                    _index.NextSequence += j - i;
                    _index.AddAppendedLocked(active, infos, pos);
                    signal = _index.Appended;
                    _index.Appended = OutboxIndex.NewSignal();
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

    /// <summary>Drops whole oldest segments until <paramref name="incoming"/> more bytes fit the quota.</summary>
    private async Task EnforceQuotaAsync(long incoming, List<OutboxDroppedEventArgs> drops)
    {
        lock (_index.Gate)
        {
            if (_index.TotalBytes + incoming <= _options.MaxBytes)
            {
                return;
            }
        }

        await _checkpoints.FileGate.WaitAsync();
        try
        {
            var victims = new List<Segment>();
            Checkpoint snapshot;
            lock (_index.Gate)
            {
                var segments = _index.Segments;
                while (_index.TotalBytes + incoming > _options.MaxBytes && segments.Count > 1 && segments[0] != _index.Active)
                {
                    var victim = segments[0];
                    long count = 0;
                    long oldest = 0;
                    long newest = 0;
                    for (var i = 0; i < victim.Entries.Count; i++)
                    {
                        if (_index.RetireLocked(victim, i))
                        {
                            var seq = victim.FirstSequence + i;
                            oldest = count == 0 ? seq : oldest;
                            newest = seq;
                            count++;
                        }
                    }

                    segments.RemoveAt(0);
                    _index.TotalBytes -= victim.Length;
                    victims.Add(victim);
                    if (count > 0)
                    {
                        _index.DroppedCount += count;
                        drops.Add(new OutboxDroppedEventArgs(count, oldest, newest, _index.DroppedCount));
                    }
                }

                snapshot = _index.SnapshotLocked();
            }

            // Counts first, files second: a crash in between can only leave an already-retired file behind.
            _checkpoints.WriteFile(snapshot);
            _checkpoints.DeleteSegments(victims);
        }
        finally
        {
            _checkpoints.FileGate.Release();
        }
    }

    private void FlushData(Segment segment)
    {
        RandomAccess.FlushToDisk(segment.Handle);
        Interlocked.Increment(ref _fsyncCount);
    }
}

internal enum WriteRequestKind
{
    Append,
    Sync,
    SyncTick,
    CheckpointTick,
}

/// <summary>One append, or a request to fsync (<see cref="WriteRequestKind.Sync"/>) or tick, for the <see cref="SegmentWriter"/>.</summary>
internal sealed class WriteRequest
{
    public WriteRequest(WriteRequestKind kind, string stream = "", OutboxMetadata metadata = default, ReadOnlyMemory<byte> payload = default, int size = 0)
    {
        Kind = kind;
        Stream = stream;
        Metadata = metadata;
        Payload = payload;
        Size = size;
    }

    public WriteRequestKind Kind { get; }

    public string Stream { get; }

    public OutboxMetadata Metadata { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    public int Size { get; }

    public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

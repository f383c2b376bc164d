namespace PowerWatch.Outbox;

/// <summary>
/// Persists the acknowledgement state (<see cref="Checkpoint"/>) atomically (temporary file, fsync, rename, directory
/// fsync) and deletes segment files once they are fully retired. Holds the file gate that serialises every change to
/// the set of files with reads of them.
/// </summary>
internal sealed class CheckpointStore : IDisposable
{
    private readonly string _directory;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly OutboxIndex _index;
    private long _lastCheckpointTimestamp;

    public CheckpointStore(string directory, OutboxOptions options, OutboxIndex index)
    {
        _directory = directory;
        _options = options;
        _time = options.TimeProvider;
        _index = index;
    }

    /// <summary>Serialises reads of segment files with their deletion and with checkpoint writes.</summary>
    public SemaphoreSlim FileGate { get; } = new(1, 1);

    /// <summary>Starts the checkpoint interval from now.</summary>
    public void Restart() => _lastCheckpointTimestamp = _time.GetTimestamp();

    /// <summary>Whether acknowledgements just made should be persisted now. Caller holds the index gate.</summary>
    public bool IsDueLocked(bool collectable) =>
        _index.CheckpointDirty && (collectable || _time.GetElapsedTime(_lastCheckpointTimestamp) >= _options.CheckpointInterval);

    /// <summary>Periodic checkpoint: persists only when something changed; a failure is retried at the next tick or acknowledgement.</summary>
    public async Task PersistIfDirtyAsync()
    {
        lock (_index.Gate)
        {
            if (!_index.CheckpointDirty)
            {
                return;
            }
        }

        try
        {
            await PersistAsync(CancellationToken.None);
        }
#pragma warning disable CA1031 // A failed periodic checkpoint only means re-delivery after a crash; it is retried at the next tick or acknowledgement.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    public async Task PersistAsync(CancellationToken cancellationToken)
    {
        await FileGate.WaitAsync(cancellationToken);
        try
        {
            CollectAndWrite();
        }
        finally
        {
            FileGate.Release();
        }
    }

    /// <summary>Persists the checkpoint, then deletes fully retired segments other than the active one. Caller holds the file gate (or is recovering).</summary>
    public void CollectAndWrite()
    {
        Checkpoint snapshot;
        List<Segment> victims;
        lock (_index.Gate)
        {
            snapshot = _index.SnapshotLocked();
            victims = _index.Segments.Where(s => s != _index.Active && s.FullyRetired).ToList();
            _index.CheckpointDirty = false;
            _lastCheckpointTimestamp = _time.GetTimestamp();
        }

        try
        {
            WriteFile(snapshot);
        }
        catch
        {
            lock (_index.Gate)
            {
                _index.CheckpointDirty = true;
            }

            throw;
        }

        if (victims.Count > 0)
        {
            lock (_index.Gate)
            {
                foreach (var v in victims)
                {
                    _index.Segments.Remove(v);
                    _index.TotalBytes -= v.Length;
                }
            }

            DeleteSegments(victims);
        }
    }

    /// <summary>Reads the checkpoint file: (checkpoint, found and valid, found but damaged).</summary>
    public (Checkpoint Checkpoint, bool Found, bool Damaged) Read()
    {
        var path = Path.Combine(_directory, DurableOutbox.CheckpointFileName);
        if (!File.Exists(path))
        {
            return (Checkpoint.Empty, false, false);
        }

        var decoded = Checkpoint.TryDecode(File.ReadAllBytes(path));
        return (decoded ?? Checkpoint.Empty, decoded is not null, decoded is null);
    }

    /// <summary>Removes what a crash mid-write may have left.</summary>
    public void DeleteTemporaryFile() => File.Delete(Path.Combine(_directory, DurableOutbox.CheckpointTempFileName));

    public void WriteFile(Checkpoint checkpoint)
    {
        var bytes = new byte[checkpoint.EncodedSize];
        checkpoint.Encode(bytes);
        var temp = Path.Combine(_directory, DurableOutbox.CheckpointTempFileName);
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, bytes, 0);
            if (_options.FsyncMode != FsyncMode.None)
            {
                RandomAccess.FlushToDisk(handle);
            }
        }

        File.Move(temp, Path.Combine(_directory, DurableOutbox.CheckpointFileName), overwrite: true);
        if (_options.FsyncMode != FsyncMode.None)
        {
            DirectorySync.Flush(_directory);
        }
    }

    public void DeleteSegments(List<Segment> victims)
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

    public void Dispose() => FileGate.Dispose();
}

namespace PowerWatch.Agent.Outputs.Mqtt;

/// <summary>
/// The agent's side of end-to-end delivery (<c>PowerWatch:Mqtt:Delivery = stored</c>, docs/mqtt.md): telemetry
/// entries that were handed to the broker but not yet confirmed as stored by ingest. Pure logic on a
/// <see cref="TimeProvider"/>; thread-safe (the sender registers, the receiver of confirmations confirms).
/// <list type="bullet">
/// <item><see cref="Sent"/> registers an outbox entry under its telemetry key when it is handed to the client (before
/// the PUBACK, so a confirmation that overtakes the PUBACK still finds it); a resend refreshes its send time.</item>
/// <item><see cref="Confirm"/> returns the outbox sequences a stored confirmation covers (to acknowledge in the outbox)
/// and counts as progress.</item>
/// <item><see cref="ReplayDue"/>: the oldest unconfirmed entry has waited <see cref="CurrentTimeout"/> and either
/// nothing was confirmed for that long (the consumer stalled, or what it was sent was lost) or it has waited four
/// times that long (its own confirmation was lost while others arrive). Then the sender calls <see cref="BeginReplay"/>
/// and rewinds the outbox: every unconfirmed entry is sent again. Each replay without progress doubles the timeout,
/// up to <see cref="MaxTimeoutFactor"/> × the configured one; progress resets it.</item>
/// </list>
/// </summary>
internal sealed class StoredDeliveryTracker
{
    /// <summary>The replay timeout grows to at most this many times the configured one.</summary>
    public const int MaxTimeoutFactor = 8;

    /// <summary>An unconfirmed entry is replayed after this many timeouts even while other entries are confirmed.</summary>
    public const int StuckFactor = 4;

    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly Lock _gate = new();
    private readonly Dictionary<TelemetryKey, long> _byKey = [];
    private readonly Dictionary<long, (TelemetryKey Key, long SentAt)> _bySequence = [];
    private readonly Dictionary<TelemetryKey, List<long>> _twins = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastProgress;
    private int _replaysWithoutProgress;
    private long _confirmed;
    private long _replays;

    public StoredDeliveryTracker(TimeSpan timeout, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeout = timeout;
        _time = timeProvider;
        _lastProgress = timeProvider.GetTimestamp();
    }

    /// <summary>Entries sent and not yet confirmed as stored.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _bySequence.Count;
            }
        }
    }

    /// <summary>Entries confirmed as stored since start.</summary>
    public long Confirmed => Interlocked.Read(ref _confirmed);

    /// <summary>Replays (rewinds of the outbox) since start.</summary>
    public long Replays => Interlocked.Read(ref _replays);

    /// <summary>The timeout in force: the configured one, doubled per replay without progress, capped.</summary>
    public TimeSpan CurrentTimeout
    {
        get
        {
            lock (_gate)
            {
                return CurrentTimeoutLocked();
            }
        }
    }

    /// <summary>How long the oldest unconfirmed entry has waited since it was (last) sent; zero when none.</summary>
    public TimeSpan OldestWait
    {
        get
        {
            lock (_gate)
            {
                return OldestWaitLocked();
            }
        }
    }

    /// <summary>Registers (or refreshes) an entry handed to the broker.</summary>
    public void Sent(long outboxSequence, TelemetryKey key)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var previous) && previous != outboxSequence && _bySequence.ContainsKey(previous))
            {
                // The same poll in two entries (not produced by the agent; tolerated): one confirmation covers both.
                (_twins.TryGetValue(key, out var list) ? list : _twins[key] = []).Add(previous);
            }

            _byKey[key] = outboxSequence;
            _bySequence[outboxSequence] = (key, _time.GetTimestamp());
        }
    }

    /// <summary>Outbox sequences covered by <paramref name="ack"/>, removed from the unconfirmed set; progress when any.</summary>
    public List<long> Confirm(StoredAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        var covered = new List<long>();
        TaskCompletionSource? signal = null;
        lock (_gate)
        {
            foreach (var range in ack.Seqs)
            {
                // Walk the smaller side: the range or the unconfirmed set.
                if (range.Count <= _byKey.Count)
                {
                    for (var s = range.From; s <= range.To; s++)
                    {
                        Take(new TelemetryKey(ack.Device, ack.Run, s));
                    }
                }
                else
                {
                    foreach (var key in _byKey.Keys.Where(k => k.Seq >= range.From && k.Seq <= range.To && k.Device == ack.Device && k.Run == ack.Run).ToList())
                    {
                        Take(key);
                    }
                }
            }

            if (covered.Count > 0)
            {
                _lastProgress = _time.GetTimestamp();
                _replaysWithoutProgress = 0;
                signal = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        Interlocked.Add(ref _confirmed, covered.Count);
        signal?.TrySetResult();
        return covered;

        void Take(TelemetryKey key)
        {
            if (_byKey.Remove(key, out var sequence))
            {
                _bySequence.Remove(sequence);
                covered.Add(sequence);
                if (_twins.Remove(key, out var twins))
                {
                    foreach (var t in twins.Where(_bySequence.Remove))
                    {
                        covered.Add(t);
                    }
                }
            }
        }
    }

    /// <summary>Stops tracking entries (refused by the broker, or dropped by the outbox quota).</summary>
    public void Forget(long fromSequence, long toSequence)
    {
        TaskCompletionSource? signal;
        lock (_gate)
        {
            foreach (var s in _bySequence.Keys.Where(s => s >= fromSequence && s <= toSequence).ToList())
            {
                var key = _bySequence[s].Key;
                _bySequence.Remove(s);
                if (_byKey.TryGetValue(key, out var current) && current == s)
                {
                    _byKey.Remove(key);
                }
            }

            signal = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }

    /// <summary>True when the unconfirmed entries should be sent again (see the type's summary).</summary>
    public bool ReplayDue()
    {
        lock (_gate)
        {
            if (_bySequence.Count == 0)
            {
                return false;
            }

            var timeout = CurrentTimeoutLocked();
            var oldest = OldestWaitLocked();
            return oldest >= timeout && (_time.GetElapsedTime(_lastProgress) >= timeout || oldest >= timeout * StuckFactor);
        }
    }

    /// <summary>
    /// Forgets every unconfirmed entry (the caller rewinds the outbox, so they are sent, and registered, again).
    /// <paramref name="backOff"/>: a replay for lack of confirmations doubles the timeout; a reconnect does not.
    /// Returns how many entries were unconfirmed.
    /// </summary>
    public int BeginReplay(bool backOff = true)
    {
        TaskCompletionSource signal;
        int count;
        lock (_gate)
        {
            count = _bySequence.Count;
            _byKey.Clear();
            _bySequence.Clear();
            _twins.Clear();
            if (backOff && count > 0)
            {
                _replaysWithoutProgress++;
                Interlocked.Increment(ref _replays);
            }

            // A fresh start for the "no progress" clock: the replayed entries get a full timeout to be confirmed.
            _lastProgress = _time.GetTimestamp();
            signal = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
        return count;
    }

    /// <summary>Completes at the next confirmation, forget or replay (for a sender waiting for room).</summary>
    public Task Changed()
    {
        lock (_gate)
        {
            return _changed.Task;
        }
    }

    private TimeSpan CurrentTimeoutLocked() =>
        TimeSpan.FromTicks(_timeout.Ticks * Math.Min(MaxTimeoutFactor, 1L << Math.Min(_replaysWithoutProgress, 30)));

    private TimeSpan OldestWaitLocked()
    {
        if (_bySequence.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var oldest = long.MaxValue;
        foreach (var (_, sentAt) in _bySequence.Values)
        {
            oldest = Math.Min(oldest, sentAt);
        }

        return _time.GetElapsedTime(oldest);
    }
}

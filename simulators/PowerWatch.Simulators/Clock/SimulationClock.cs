using PowerWatch.Core.Time;

namespace PowerWatch.Simulators;

/// <summary>
/// The one virtual clock of a simulated site. Two modes:
/// <list type="bullet">
/// <item><b>Live</b> (<see cref="CreateLive(TimeProvider, double, DateTimeOffset?)"/>): virtual time = start + ((base elapsed − held) × speed). Timers created
/// on this clock (so <c>Task.Delay(d, clock)</c> and <c>CancelAfter</c>) fire when virtual time reaches their due time:
/// after d / speed of base time when nothing holds the clock. <see cref="Hold"/> stops virtual time until every hold
/// is released (an agent's device exchange in the demo takes no site time, however fast the clock runs).</item>
/// <item><b>Stepped</b> (<see cref="CreateStepped"/>): time moves only through <see cref="Advance"/>, which the
/// <see cref="Site"/> calls as it integrates; due timers fire in order on the advancing thread (a
/// <see cref="ManualClock"/> underneath). Used by tests
/// and headless scenario runs, so days of simulated time cost only CPU.</item>
/// </list>
/// </summary>
public sealed class SimulationClock : TimeProvider
{
    private readonly TimeProvider? _base;
    private readonly ManualClock? _stepped;
    private readonly long _baseStartTimestamp;
    private readonly DateTimeOffset _start;
    private readonly Lock _gate = new();
    private readonly List<ScaledTimer> _parked = [];
    private readonly HashSet<ScaledTimer> _pending = [];
    private int _holds;
    private long _holdStart;
    private long _held;

    private SimulationClock(TimeProvider? baseProvider, double speed, DateTimeOffset start)
    {
        _base = baseProvider;
        Speed = speed;
        _start = start;
        _baseStartTimestamp = baseProvider?.GetTimestamp() ?? 0;
        _stepped = baseProvider is null ? new ManualClock(start) : null;
    }

    /// <summary>Default start instant for simulations: 2026-01-01T00:00:00Z.</summary>
    public static DateTimeOffset DefaultStart { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Speed-up factor over the base provider (live mode); 1 in stepped mode.</summary>
    public double Speed { get; }

    /// <summary>True when time only moves through <see cref="Advance"/>.</summary>
    public bool IsStepped => _base is null;

    /// <summary>The virtual instant the simulation started at.</summary>
    public DateTimeOffset Start => _start;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>A clock that runs <paramref name="speed"/> times faster than <paramref name="baseProvider"/>.</summary>
    public static SimulationClock CreateLive(TimeProvider baseProvider, double speed, DateTimeOffset? start = null)
    {
        ArgumentNullException.ThrowIfNull(baseProvider);
        if (!(speed > 0) || double.IsInfinity(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "speed must be a positive finite factor");
        }

        return new SimulationClock(baseProvider, speed, start ?? DefaultStart);
    }

    /// <summary>
    /// A live clock created held, at exactly its start: virtual time does not move until <paramref name="hold"/> (and any
    /// other hold) is disposed. A demo or an acceptance run starts the site and the agent before time runs, so the
    /// agent's polls fall on whole seconds of site time in every run, whatever the start-up took.
    /// </summary>
    public static SimulationClock CreateLive(TimeProvider baseProvider, double speed, out IDisposable hold, DateTimeOffset? start = null)
    {
        var clock = CreateLive(baseProvider, speed, start);
        lock (clock._gate)
        {
            clock._holds = 1;
            clock._holdStart = clock._baseStartTimestamp;
        }

        hold = new ClockHold(clock);
        return clock;
    }

    /// <summary>A clock that moves only when <see cref="Advance"/> is called.</summary>
    public static SimulationClock CreateStepped(DateTimeOffset? start = null) => new(null, 1, start ?? DefaultStart);

    /// <summary>Virtual time elapsed since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed
    {
        get
        {
            if (_base is null)
            {
                return _stepped!.GetUtcNow() - _start;
            }

            lock (_gate)
            {
                var raw = RawElapsed(_base.GetTimestamp());
                var barrier = Barrier();
                return barrier is { } b && raw > b ? b : raw;
            }
        }
    }

    /// <summary>Live mode, under the gate: virtual time from the base clock, less the held base time.</summary>
    private TimeSpan RawElapsed(long now)
    {
        var running = now - _baseStartTimestamp - _held - (_holds > 0 ? now - _holdStart : 0);
        var real = running * (double)TimeSpan.TicksPerSecond / _base!.TimestampFrequency;
        return TimeSpan.FromTicks(checked((long)(real * Speed)));
    }

    /// <summary>
    /// Live mode, under the gate: the earliest due time of a timer that has not fired yet. Virtual time never passes it:
    /// an OS timer fires a millisecond or so late, which is a second of virtual time at 1000×; instead the clock waits at
    /// the due instant until the callback runs (<see cref="Unblock"/>), so every timer fires at exactly its virtual time.
    /// </summary>
    private TimeSpan? Barrier()
    {
        TimeSpan? min = null;
        foreach (var t in _pending)
        {
            if (t.Due is { } due && (min is null || due < min))
            {
                min = due;
            }
        }

        return min;
    }

    /// <summary>
    /// Live mode, under the gate: a timer due at <paramref name="due"/> fires now; the base time the clock spent waiting
    /// at that instant counts as held, so virtual time goes on from <paramref name="due"/> without a jump.
    /// </summary>
    private void Unblock(TimeSpan due)
    {
        var raw = RawElapsed(_base!.GetTimestamp());
        if (raw > due)
        {
            var excess = (raw - due).Ticks / Speed;
            _held += (long)(excess * _base.TimestampFrequency / TimeSpan.TicksPerSecond);
        }
    }

    /// <summary>True while at least one <see cref="Hold"/> is in force (live mode).</summary>
    public bool IsHeld
    {
        get
        {
            lock (_gate)
            {
                return _holds > 0;
            }
        }
    }

    /// <summary>
    /// Live mode: stops virtual time until the returned handle (and every other hold) is disposed; timers due meanwhile
    /// fire once time runs again. The demo holds the clock while the agent exchanges frames with a simulated device, so
    /// the exchange takes no site time at any speed (the clock is paced by I/O instead of I/O racing the clock).
    /// A stepped clock only moves through <see cref="Advance"/>: there the hold does nothing.
    /// </summary>
    public IDisposable Hold()
    {
        if (_base is null)
        {
            return NoHold.Instance;
        }

        lock (_gate)
        {
            if (_holds++ == 0)
            {
                _holdStart = _base.GetTimestamp();
            }
        }

        return new ClockHold(this);
    }

    private void Release()
    {
        List<ScaledTimer>? parked = null;
        lock (_gate)
        {
            if (--_holds == 0)
            {
                _held += _base!.GetTimestamp() - _holdStart;
                if (_parked.Count > 0)
                {
                    parked = [.. _parked];
                    _parked.Clear();
                }
            }
        }

        if (parked is not null)
        {
            foreach (var t in parked)
            {
                t.Arm();
            }
        }
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _start + Elapsed;

    /// <inheritdoc />
    public override long GetTimestamp() => Elapsed.Ticks;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (_base is not null)
        {
            var scaled = new ScaledTimer(this, callback, state);
            scaled.Change(dueTime, period);
            return scaled;
        }

        return _stepped!.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Stepped mode only: moves virtual time forward, firing due timers in order.</summary>
    public void Advance(TimeSpan delta)
    {
        if (_base is not null)
        {
            throw new InvalidOperationException("A live clock follows its base provider and cannot be advanced.");
        }

        _stepped!.Advance(delta);
    }

    private TimeSpan Scale(TimeSpan virtualSpan) =>
        virtualSpan == Timeout.InfiniteTimeSpan || virtualSpan <= TimeSpan.Zero
            ? virtualSpan
            : TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling(virtualSpan.Ticks / Speed)));

    private sealed class NoHold : IDisposable
    {
        public static readonly NoHold Instance = new();

        public void Dispose()
        {
        }
    }

    private sealed class ClockHold(SimulationClock owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release();
            }
        }
    }

    /// <summary>
    /// A live timer: a one-shot base timer armed for the scaled remaining virtual time; when it fires early (the clock
    /// was held meanwhile) it re-arms for the rest, or, while the clock is held, parks until the holds are released.
    /// </summary>
    private sealed class ScaledTimer : ITimer
    {
        private readonly SimulationClock _owner;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private readonly ITimer _inner;
        private TimeSpan? _due;
        private TimeSpan _period;
        private bool _disposed;

        /// <summary>Virtual due time (null: not armed). Read under the clock's gate.</summary>
        public TimeSpan? Due => _due;

        public ScaledTimer(SimulationClock owner, TimerCallback callback, object? state)
        {
            _owner = owner;
            _callback = callback;
            _state = state;
            _inner = owner._base!.CreateTimer(static s => ((ScaledTimer)s!).OnFire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_owner._gate)
            {
                if (_disposed)
                {
                    return false;
                }

                _period = period;
                _due = dueTime == Timeout.InfiniteTimeSpan ? null : _owner.Elapsed + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                _owner._parked.Remove(this);
                if (_due is null)
                {
                    _owner._pending.Remove(this);
                }
                else
                {
                    _owner._pending.Add(this);
                }
            }

            Arm();
            return true;
        }

        /// <summary>Arms the base timer for the virtual time left (or parks while the clock is held).</summary>
        public void Arm()
        {
            TimeSpan wait;
            lock (_owner._gate)
            {
                if (_disposed)
                {
                    return;
                }

                if (_due is not { } due)
                {
                    wait = Timeout.InfiniteTimeSpan;
                }
                else
                {
                    var left = due - _owner.Elapsed;
                    if (left > TimeSpan.Zero && _owner._holds > 0)
                    {
                        // Parked: the release re-arms it. The base timer is left alone — disarming it here could
                        // overwrite, outside the gate, the arming a concurrent release has just done (a lost wake-up).
                        if (!_owner._parked.Contains(this))
                        {
                            _owner._parked.Add(this);
                        }

                        return;
                    }
                    else
                    {
                        wait = left > TimeSpan.Zero ? _owner.Scale(left) : TimeSpan.Zero;
                    }
                }
            }

            _inner.Change(wait, Timeout.InfiniteTimeSpan);
        }

        private void OnFire()
        {
            bool fire;
            lock (_owner._gate)
            {
                if (_disposed || _due is not { } due)
                {
                    return;
                }

                var now = _owner.Elapsed;

                // Early when the clock was held while this timer ran: then only wait for the rest (Arm parks while held).
                fire = now >= due;
                if (fire)
                {
                    _owner.Unblock(due);
                }

                if (fire && _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
                {
                    // Periodic: the next tick follows this one; ticks missed while the callback lagged are skipped.
                    var next = due + _period;
                    _due = next > now ? next : now + _period;
                }
                else if (fire)
                {
                    _due = null;
                    _owner._pending.Remove(this);
                }
            }

            Arm();
            if (fire)
            {
                _callback(_state);
            }
        }

        public void Dispose()
        {
            lock (_owner._gate)
            {
                _disposed = true;
                _due = null;
                _owner._parked.Remove(this);
                _owner._pending.Remove(this);
            }

            _inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

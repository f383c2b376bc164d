namespace PowerWatch.Simulators;

/// <summary>
/// The one virtual clock of a simulated site. Two modes:
/// <list type="bullet">
/// <item><b>Live</b> (<see cref="CreateLive"/>): virtual time = start + (base elapsed × speed). Timers created on this
/// clock (so <c>Task.Delay(d, clock)</c> and <c>CancelAfter</c>) fire after d / speed of base time.</item>
/// <item><b>Stepped</b> (<see cref="CreateStepped"/>): time moves only through <see cref="Advance"/>, which the
/// <see cref="Site"/> calls as it integrates; due timers fire in order on the advancing thread. Used by tests
/// and headless scenario runs, so days of simulated time cost only CPU.</item>
/// </list>
/// </summary>
public sealed class SimulationClock : TimeProvider
{
    private readonly TimeProvider? _base;
    private readonly long _baseStartTimestamp;
    private readonly DateTimeOffset _start;
    private readonly Lock _gate = new();
    private readonly List<SteppedTimer> _timers = [];
    private TimeSpan _steppedElapsed;
    private long _sequence;

    private SimulationClock(TimeProvider? baseProvider, double speed, DateTimeOffset start)
    {
        _base = baseProvider;
        Speed = speed;
        _start = start;
        _baseStartTimestamp = baseProvider?.GetTimestamp() ?? 0;
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

    /// <summary>A clock that moves only when <see cref="Advance"/> is called.</summary>
    public static SimulationClock CreateStepped(DateTimeOffset? start = null) => new(null, 1, start ?? DefaultStart);

    /// <summary>Virtual time elapsed since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed
    {
        get
        {
            if (_base is null)
            {
                lock (_gate)
                {
                    return _steppedElapsed;
                }
            }

            var real = _base.GetElapsedTime(_baseStartTimestamp);
            return TimeSpan.FromTicks(checked((long)(real.Ticks * Speed)));
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
            return new ScaledTimer(_base.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);
        }

        var timer = new SteppedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Stepped mode only: moves virtual time forward, firing due timers in order.</summary>
    public void Advance(TimeSpan delta)
    {
        if (_base is not null)
        {
            throw new InvalidOperationException("A live clock follows its base provider and cannot be advanced.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        TimeSpan target;
        lock (_gate)
        {
            target = _steppedElapsed + delta;
        }

        while (true)
        {
            SteppedTimer? next = null;
            lock (_gate)
            {
                foreach (var t in _timers)
                {
                    if (t.DueAt is { } due && due <= target &&
                        (next is null || due < next.DueAt || (due == next.DueAt && t.Sequence < next.Sequence)))
                    {
                        next = t;
                    }
                }

                if (next is null)
                {
                    _steppedElapsed = target;
                    return;
                }

                if (next.DueAt!.Value > _steppedElapsed)
                {
                    _steppedElapsed = next.DueAt.Value;
                }

                next.Rearm();
            }

            next.Fire();
        }
    }

    private TimeSpan Scale(TimeSpan virtualSpan) =>
        virtualSpan == Timeout.InfiniteTimeSpan || virtualSpan <= TimeSpan.Zero
            ? virtualSpan
            : TimeSpan.FromTicks(Math.Max(1, (long)(virtualSpan.Ticks / Speed)));

    private sealed class ScaledTimer(ITimer inner, SimulationClock owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(owner.Scale(dueTime), owner.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class SteppedTimer : ITimer
    {
        private readonly SimulationClock _owner;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private TimeSpan _period;

        public SteppedTimer(SimulationClock owner, TimerCallback callback, object? state)
        {
            _owner = owner;
            _callback = callback;
            _state = state;
            lock (owner._gate)
            {
                owner._timers.Add(this);
            }
        }

        public TimeSpan? DueAt { get; private set; }

        public long Sequence { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_owner._gate)
            {
                _period = period;
                Sequence = ++_owner._sequence;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : _owner._steppedElapsed + dueTime;
            }

            return true;
        }

        public void Rearm()
        {
            DueAt = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? DueAt + _period : null;
            Sequence = ++_owner._sequence;
        }

        public void Fire() => _callback(_state);

        public void Dispose()
        {
            lock (_owner._gate)
            {
                DueAt = null;
                _owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

namespace PowerWatch.Simulators;

/// <summary>
/// A simulated site on one virtual clock: utility → ATS ← generator; ATS → UPS → PDUs (+ meter). Physics is
/// integrated in fixed steps (<see cref="Step"/>, <see cref="RunFor"/>), deterministically for a given seed and step.
/// All model state is guarded by one lock: read a consistent view with <see cref="Read{T}"/>; model commands take
/// the same lock. Events are published after the lock is released.
/// </summary>
public sealed class Site
{
    /// <summary>Default integration step (100 ms): every default timer is a whole number of steps.</summary>
    public static readonly TimeSpan DefaultStep = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();

    // One integrator at a time: the live physics loop and a face catching the physics up to the clock (SiteHost.HoldTime).
    private readonly Lock _advance = new();
    private readonly List<ScheduledAction> _scheduled = [];
    private readonly EventLog _log = new();
    private readonly Random _random;
    private readonly Pdu[] _pdus;
    private UpsStatus _lastUpsStatus;

    private Site(SiteDescription description, SimulationClock clock)
    {
        Description = description;
        Clock = clock;
        _random = new Random(description.Seed);
        Utility = new UtilitySupply(description.Utility, _gate, _log);
        Generator = new Generator(description.Generator, _gate, _log);
        Ats = new TransferSwitch(description.Ats, _gate, _log, clock.Start,
            description.Utility.NominalVoltage, description.Utility.NominalFrequency,
            description.Generator.NominalVoltage, description.Generator.NominalFrequency);
        Ups = new Ups(description.Ups, _gate, _log);
        _pdus = [.. description.Pdus.Select(p => new Pdu(p, _gate, _log, _random))];
        Meter = description.Meter is null ? null : new PowerMeter(description.Meter);
        foreach (var pdu in _pdus)
        {
            pdu.ResampleNoise(_random);
        }

        // Settle the initial electrical state without moving time, and start with an empty timeline.
        lock (_gate)
        {
            StepCore(TimeSpan.Zero);
            StepCore(TimeSpan.Zero);
            _lastUpsStatus = Ups.Status;
            _log.Drain();
        }
    }

    /// <summary>Raised after each step, outside the lock, for every event of that step in order.</summary>
    public event EventHandler<SimulationEvent>? EventOccurred;

    public SiteDescription Description { get; }

    public string Name => Description.Name;

    public SimulationClock Clock { get; }

    public UtilitySupply Utility { get; }

    public TransferSwitch Ats { get; }

    public Generator Generator { get; }

    public Ups Ups { get; }

    public IReadOnlyList<Pdu> Pdus => _pdus;

    public PowerMeter? Meter { get; }

    /// <summary>Virtual time integrated so far.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Virtual wall-clock instant of the integrated state.</summary>
    public DateTimeOffset Now => Clock.Start + Elapsed;

    /// <summary>Creates a site; without a clock it gets a stepped clock that follows <see cref="Step"/>.</summary>
    public static Site Create(SiteDescription? description = null, SimulationClock? clock = null)
    {
        description ??= new SiteDescription();
        description.Validate();
        return new Site(description, clock ?? SimulationClock.CreateStepped());
    }

    /// <summary>Finds a device model by name (utility, ATS, generator, UPS, PDU or meter), or null; <c>pdu</c> = the first PDU.</summary>
    public object? FindDevice(string name)
    {
        if (name == Utility.Name)
        {
            return Utility;
        }

        if (name == Ats.Name)
        {
            return Ats;
        }

        if (name == Generator.Name)
        {
            return Generator;
        }

        if (name == Ups.Name)
        {
            return Ups;
        }

        if (Meter is not null && name == Meter.Name)
        {
            return Meter;
        }

        var pdu = _pdus.FirstOrDefault(p => p.Name == name);

        // "pdu" addresses the first PDU when no device has that exact name (scenario shorthand).
        return pdu ?? (name == "pdu" && _pdus.Length > 0 ? _pdus[0] : null);
    }

    /// <summary>Runs <paramref name="reader"/> under the site lock: a consistent view of every model.</summary>
    public T Read<T>(Func<Site, T> reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        lock (_gate)
        {
            return reader(this);
        }
    }

    /// <summary>Runs <paramref name="action"/> under the site lock (several commands applied atomically).</summary>
    public void Write(Action<Site> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            action(this);
        }

        Publish();
    }

    /// <summary>
    /// Scales every energised outlet's nominal load so the UPS carries <paramref name="percent"/> % of its rating
    /// (a load step). The PDU sum still equals the UPS load.
    /// </summary>
    public void SetUpsLoadPercent(double percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        lock (_gate)
        {
            var nominal = _pdus.SelectMany(p => p.Outlets).Where(o => o.On).Sum(o => o.NominalPowerW);
            if (nominal <= 0)
            {
                return;
            }

            var factor = percent / 100 * Ups.Options.RatedPowerW / nominal;
            foreach (var pdu in _pdus)
            {
                pdu.ScaleLoads(factor);
            }

            _log.Add(Ups.Name, "load", $"load step to {percent:0.#} %");
        }
    }

    /// <summary>Integrates one fixed step of <paramref name="dt"/> (stepped clocks advance with it).</summary>
    public void Step(TimeSpan dt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(dt, TimeSpan.Zero);
        UpsStatusChangedEventArgs? changed = null;
        lock (_gate)
        {
            StepCore(dt);
            Elapsed += dt;
            if (Ups.Status != _lastUpsStatus)
            {
                changed = new UpsStatusChangedEventArgs(_lastUpsStatus, Ups.Status, Elapsed);
                _lastUpsStatus = Ups.Status;
            }
        }

        if (Clock.IsStepped)
        {
            Clock.Advance(dt);
        }

        Publish();
        if (changed is not null)
        {
            Ups.RaiseStatusChanged(changed);
        }
    }

    /// <summary>Integrates <paramref name="duration"/> in steps of <paramref name="step"/> (the last one may be shorter).</summary>
    public void RunFor(TimeSpan duration, TimeSpan step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        AdvanceTo(Elapsed + duration, step);
    }

    /// <summary>
    /// Integrates up to <paramref name="elapsed"/> in fixed steps; a step never crosses the time of a
    /// <see cref="Schedule">scheduled</see> action, which is applied at exactly its time, before the step that starts there.
    /// </summary>
    public void AdvanceTo(TimeSpan elapsed, TimeSpan step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        lock (_advance)
        {
            ApplyScheduled();
            while (Elapsed < elapsed)
            {
                var left = elapsed - Elapsed;
                var dt = left < step ? left : step;
                var next = NextScheduled();
                if (next is { } at && at > Elapsed && at < Elapsed + dt)
                {
                    dt = at - Elapsed;
                }

                Step(dt);
                ApplyScheduled();
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="action"/> (under the site lock) when the integrated time reaches <paramref name="at"/>
    /// (at once if it already has): on a live site, scenario events land on their exact virtual instant whatever the
    /// speed, instead of whenever a timer callback gets round to them. <paramref name="applied"/> runs after it, outside
    /// the lock, with the time it was applied at.
    /// </summary>
    public void Schedule(TimeSpan at, Action<Site> action, Action<TimeSpan>? applied = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            _scheduled.Add(new ScheduledAction(at, _scheduled.Count == 0 ? 0 : _scheduled.Max(a => a.Order) + 1, action, applied));
        }

        if (Clock.IsStepped || Elapsed >= at)
        {
            lock (_advance)
            {
                ApplyScheduled();
            }
        }
    }

    private TimeSpan? NextScheduled()
    {
        lock (_gate)
        {
            return _scheduled.Count == 0 ? null : _scheduled.Min(a => a.At);
        }
    }

    private void ApplyScheduled()
    {
        while (true)
        {
            ScheduledAction? due = null;
            TimeSpan now;
            lock (_gate)
            {
                now = Elapsed;
                foreach (var a in _scheduled)
                {
                    if (a.At <= now && (due is null || a.At < due.At || (a.At == due.At && a.Order < due.Order)))
                    {
                        due = a;
                    }
                }

                if (due is null)
                {
                    return;
                }

                _scheduled.Remove(due);
                due.Action(this);
            }

            Publish();
            due.Applied?.Invoke(now);
        }
    }

    private sealed record ScheduledAction(TimeSpan At, long Order, Action<Site> Action, Action<TimeSpan>? Applied);

    /// <summary>
    /// Live mode: follows <see cref="Clock"/> (which must not be stepped), integrating in <paramref name="step"/>
    /// increments until cancelled. Cancellation is the normal way to stop and is not an error.
    /// </summary>
    public async Task RunLiveAsync(TimeSpan step, CancellationToken cancellationToken)
    {
        if (Clock.IsStepped)
        {
            throw new InvalidOperationException("RunLiveAsync needs a live clock; use Step/RunFor with a stepped clock.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        using var timer = new PeriodicTimer(step, Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                AdvanceTo(Clock.Elapsed, step);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void StepCore(TimeSpan dt)
    {
        var end = Elapsed + dt;
        _log.Now = end;
        if (Generator.TransferRequest != 0)
        {
            Ats.Command(Generator.TransferRequest == 1 ? 1 : 2);
            Generator.TransferRequest = 0;
        }

        Ats.Step(dt, Utility.Voltage, Utility.Frequency, Generator.OutputVoltage, Generator.OutputFrequency);
        var onLoad = Ats.Position == AtsPosition.Source2;
        Generator.Step(dt, Ats.EngineStartContactClosed, onLoad ? Ups.InputPowerW : 0, onLoad);

        Ups.Step(dt, Ats.OutputVoltage, Ats.OutputFrequency);
        if (Math.Floor(end.TotalSeconds) > Math.Floor(Elapsed.TotalSeconds))
        {
            foreach (var pdu in _pdus)
            {
                pdu.ResampleNoise(_random);
            }
        }

        double total = 0;
        foreach (var pdu in _pdus)
        {
            pdu.Step(dt, Ups.OutputVoltage, Ups.OutputFrequency);
            total += pdu.PowerW;
        }

        Ups.SetLoad(total);
        Ats.SetLoadCurrent(Ups.InputCurrent);
        if (Meter is not null)
        {
            if (Meter.Options.Location == MeterLocation.Utility)
            {
                Meter.Step(dt, Utility.Voltage, Utility.Frequency, Ats.Position == AtsPosition.Source1 ? Ups.InputPowerW : 0, Ups.Options.InputPowerFactor);
            }
            else
            {
                Meter.Step(dt, Ats.OutputVoltage, Ats.OutputFrequency, Ups.InputPowerW, Ups.Options.InputPowerFactor);
            }
        }
    }

    private void Publish()
    {
        SimulationEvent[] events;
        lock (_gate)
        {
            if (!_log.HasPending)
            {
                return;
            }

            events = _log.Drain();
        }

        var handler = EventOccurred;
        if (handler is null)
        {
            return;
        }

        foreach (var e in events)
        {
            handler(this, e);
        }
    }
}

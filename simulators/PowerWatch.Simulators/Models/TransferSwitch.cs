namespace PowerWatch.Simulators;

/// <summary>
/// ATS options; defaults from SPEC-DEVICES §8 (Cummins/ASCO values quoted in §7), except the two timers on the path to
/// load acceptance, set for NFPA 110 Type 10 with the generator defaults: engine-start delay 1 s and transfer delay 1 s
/// (§8 quotes 3 s and 5 s: <see cref="SiteTimers.DseFactory"/>).
/// </summary>
public sealed class AtsOptions
{
    public string Name { get; set; } = "ats";

    /// <summary>Source 1 must stay lost this long before the engine-start contact closes (default 1 s; §8: 3 s).</summary>
    public TimeSpan EngineStartDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Source 2 must be continuously available this long before the transfer (default 1 s; §8: 5 s).</summary>
    public TimeSpan TransferDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Open transition: time the load is without any source during a transfer (§8: 100 ms).</summary>
    public TimeSpan OpenTransition { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Utility must be good this long before retransfer to source 1 (§8: 300 s).</summary>
    public TimeSpan RetransferDelay { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Generator unloaded cool-down before the start contact opens (§8: 60 s).</summary>
    public TimeSpan CoolDown { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A source is acceptable when its voltage is within ± this fraction of nominal (default 10 %).</summary>
    public double VoltageTolerance { get; set; } = 0.10;

    /// <summary>A source is acceptable when its frequency is within ± this fraction of nominal (default 5 %).</summary>
    public double FrequencyTolerance { get; set; } = 0.05;

    internal void Validate(string key)
    {
        Check.NonNegative(EngineStartDelay, $"{key}.engineStartDelay");
        Check.NonNegative(TransferDelay, $"{key}.transferDelay");
        Check.NonNegative(OpenTransition, $"{key}.openTransition");
        Check.NonNegative(RetransferDelay, $"{key}.retransferDelay");
        Check.NonNegative(CoolDown, $"{key}.coolDown");
        Check.Range(VoltageTolerance, 0, 1, $"{key}.voltageTolerance");
        Check.Range(FrequencyTolerance, 0, 1, $"{key}.frequencyTolerance");
    }
}

/// <summary>ATS position, numbered as §8 register 1.</summary>
public enum AtsPosition
{
    Neutral = 0,
    Source1 = 1,
    Source2 = 2,
}

/// <summary>Model-level ATS faults.</summary>
public enum AtsFault
{
    None,

    /// <summary>The transfer mechanism never moves: every transfer attempt fails and sets the fault bit.</summary>
    FailToTransfer,
}

/// <summary>§8 register 0 bits.</summary>
[Flags]
public enum AtsStatusBits
{
    None = 0,
    Source1Available = 1 << 0,
    Source2Available = 1 << 1,
    ConnectedToSource1 = 1 << 2,
    ConnectedToSource2 = 1 << 3,
    TransferInProgress = 1 << 4,
    EngineStartContactClosed = 1 << 5,
    RetransferTimerRunning = 1 << 6,
    TestInProgress = 1 << 7,
    Fault = 1 << 8,
    NotInAutomatic = 1 << 9,
}

/// <summary>
/// Automatic transfer switch between source 1 (utility) and source 2 (generator), per SPEC-DEVICES §8:
/// engine-start delay → start contact; transfer once source 2 has been available for the transfer delay, through
/// an open transition; retransfer after the retransfer delay of good utility; generator cool-down, then the start
/// contact opens. Commands 1/2/3 as the §8 command pair.
/// </summary>
public sealed class TransferSwitch
{
    private readonly Lock _gate;
    private readonly EventLog _log;
    private readonly DateTimeOffset _siteStart;
    private TimeSpan? _engineStartRemaining;
    private TimeSpan _source2StableFor;
    private TimeSpan? _retransferRemaining;
    private TimeSpan? _coolDownRemaining;
    private TimeSpan? _transitionRemaining;
    private AtsPosition _transitionTarget;
    private AtsPosition _transitionFrom;
    private bool _bypassDelays;
    private bool _retransferNow;
    private bool _faultReported;
    private readonly double _source1Nominal;
    private readonly double _source1NominalHz;
    private readonly double _source2Nominal;
    private readonly double _source2NominalHz;

    internal TransferSwitch(AtsOptions options, Lock gate, EventLog log, DateTimeOffset siteStart,
        double source1NominalV, double source1NominalHz, double source2NominalV, double source2NominalHz)
    {
        Options = options;
        _gate = gate;
        _log = log;
        _siteStart = siteStart;
        _source1Nominal = source1NominalV;
        _source1NominalHz = source1NominalHz;
        _source2Nominal = source2NominalV;
        _source2NominalHz = source2NominalHz;
        Position = AtsPosition.Source1;
    }

    public AtsOptions Options { get; }

    public string Name => Options.Name;

    public AtsPosition Position { get; private set; }

    public bool Source1Available { get; private set; }

    public bool Source2Available { get; private set; }

    public double Source1Voltage { get; private set; }

    public double Source1Frequency { get; private set; }

    public double Source2Voltage { get; private set; }

    public double Source2Frequency { get; private set; }

    /// <summary>Voltage at the load terminals (0 in neutral or on a dead source).</summary>
    public double OutputVoltage { get; private set; }

    public double OutputFrequency { get; private set; }

    /// <summary>Load current drawn through the switch, A.</summary>
    public double LoadCurrent { get; private set; }

    /// <summary>The engine-start contact is closed: the ATS asks the generator to run.</summary>
    public bool EngineStartContactClosed { get; private set; }

    public bool TransferInProgress => _transitionRemaining is not null;

    public bool TestInProgress { get; private set; }

    /// <summary>Fault indication (bit 8): a transfer failed.</summary>
    public bool FaultActive { get; private set; }

    /// <summary>Automatic mode; when false the ATS takes no automatic action (bit 9 "not in automatic").</summary>
    public bool Automatic { get; private set; } = true;

    public AtsFault InjectedFault { get; private set; }

    /// <summary>Completed transfers (wraps at 65535 on the wire; not here).</summary>
    public long TransferCount { get; private set; }

    /// <summary>Instant the last transfer completed, or null if none yet.</summary>
    public DateTimeOffset? LastTransferTime { get; private set; }

    /// <summary>Load without power during the last transfer (the open transition).</summary>
    public TimeSpan LastTransferDuration { get; private set; }

    public TimeSpan? EngineStartDelayRemaining => _engineStartRemaining;

    public TimeSpan? RetransferDelayRemaining => _retransferRemaining;

    public TimeSpan? CoolDownRemaining => _coolDownRemaining;

    /// <summary>§8 register 0.</summary>
    public AtsStatusBits StatusBits
    {
        get
        {
            var bits = AtsStatusBits.None;
            if (Source1Available)
            {
                bits |= AtsStatusBits.Source1Available;
            }

            if (Source2Available)
            {
                bits |= AtsStatusBits.Source2Available;
            }

            if (Position == AtsPosition.Source1)
            {
                bits |= AtsStatusBits.ConnectedToSource1;
            }

            if (Position == AtsPosition.Source2)
            {
                bits |= AtsStatusBits.ConnectedToSource2;
            }

            if (TransferInProgress)
            {
                bits |= AtsStatusBits.TransferInProgress;
            }

            if (EngineStartContactClosed)
            {
                bits |= AtsStatusBits.EngineStartContactClosed;
            }

            if (_retransferRemaining is not null)
            {
                bits |= AtsStatusBits.RetransferTimerRunning;
            }

            if (TestInProgress)
            {
                bits |= AtsStatusBits.TestInProgress;
            }

            if (FaultActive)
            {
                bits |= AtsStatusBits.Fault;
            }

            if (!Automatic)
            {
                bits |= AtsStatusBits.NotInAutomatic;
            }

            return bits;
        }
    }

    /// <summary>
    /// §8 command keys: 1 test transfer to source 2, 2 retransfer to source 1 now, 3 bypass the running delay.
    /// Returns false for an unknown key (a face answers exception 03).
    /// </summary>
    public bool Command(int key)
    {
        lock (_gate)
        {
            switch (key)
            {
                case 1:
                    TestInProgress = true;
                    _log.Add(Name, "command", "test transfer to source 2");
                    return true;
                case 2:
                    TestInProgress = false;
                    _retransferNow = true;
                    _log.Add(Name, "command", "retransfer to source 1 now");
                    return true;
                case 3:
                    _bypassDelays = true;
                    _log.Add(Name, "command", "bypass running delay");
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>Switches automatic mode on or off.</summary>
    public void SetAutomatic(bool automatic)
    {
        lock (_gate)
        {
            Automatic = automatic;
            _log.Add(Name, "mode", automatic ? "automatic" : "not in automatic");
        }
    }

    /// <summary>Injects (or clears with <see cref="AtsFault.None"/>) a model-level fault. Clearing also resets the fault bit.</summary>
    public void SetFault(AtsFault fault)
    {
        lock (_gate)
        {
            InjectedFault = fault;
            if (fault == AtsFault.None)
            {
                FaultActive = false;
                _faultReported = false;
            }

            _log.Add(Name, "fault", fault == AtsFault.None ? "fault cleared" : $"fault injected: {FaultName(fault)}");
        }
    }

    internal static string FaultName(AtsFault fault) => fault switch
    {
        AtsFault.FailToTransfer => "fail-to-transfer",
        _ => "none",
    };

    internal static string PositionName(AtsPosition position) => position switch
    {
        AtsPosition.Source1 => "source1",
        AtsPosition.Source2 => "source2",
        _ => "neutral",
    };

    internal void SetLoadCurrent(double amps) => LoadCurrent = OutputVoltage > 0 ? amps : 0;

    internal void Step(TimeSpan dt, double s1Volts, double s1Hertz, double s2Volts, double s2Hertz)
    {
        Source1Voltage = s1Volts;
        Source1Frequency = s1Hertz;
        Source2Voltage = s2Volts;
        Source2Frequency = s2Hertz;
        var s1Ok = Acceptable(s1Volts, s1Hertz, _source1Nominal, _source1NominalHz);
        var s2Ok = Acceptable(s2Volts, s2Hertz, _source2Nominal, _source2NominalHz);
        if (s1Ok != Source1Available)
        {
            _log.Add(Name, "source", s1Ok ? "source 1 available" : "source 1 lost");
        }

        if (s2Ok != Source2Available)
        {
            _log.Add(Name, "source", s2Ok ? "source 2 available" : "source 2 lost");
        }

        Source1Available = s1Ok;
        Source2Available = s2Ok;
        var bypass = _bypassDelays;
        _bypassDelays = false;

        var completed = false;
        if (_transitionRemaining is { } remaining)
        {
            remaining -= dt;
            if (remaining <= TimeSpan.Zero)
            {
                CompleteTransfer();
                completed = true;
            }
            else
            {
                _transitionRemaining = remaining;
            }
        }
        else if (_retransferNow)
        {
            if (Position == AtsPosition.Source2 && s1Ok)
            {
                BeginTransfer(AtsPosition.Source1);
            }
        }

        _retransferNow = false;

        // Timers that start on a completed transfer count from the next step, so they run their full length.
        if (Automatic && _transitionRemaining is null && !completed)
        {
            Automation(dt, s1Ok, s2Ok, bypass);
        }

        UpdateOutput();
    }

    private void Automation(TimeSpan dt, bool s1Ok, bool s2Ok, bool bypass)
    {
        var wantSource2 = !s1Ok || TestInProgress;
        if (wantSource2)
        {
            _retransferRemaining = null;
            if (_coolDownRemaining is not null)
            {
                _coolDownRemaining = null;
                _log.Add(Name, "timer", "cool-down cancelled");
            }

            if (!EngineStartContactClosed)
            {
                var left = TestInProgress ? TimeSpan.Zero : (_engineStartRemaining ?? Options.EngineStartDelay) - dt;
                if (bypass || left <= TimeSpan.Zero)
                {
                    _engineStartRemaining = null;
                    EngineStartContactClosed = true;
                    _log.Add(Name, "contact", "engine-start contact closed");
                }
                else
                {
                    _engineStartRemaining = left;
                }
            }

            if (EngineStartContactClosed && Position != AtsPosition.Source2)
            {
                _source2StableFor = s2Ok ? _source2StableFor + dt : TimeSpan.Zero;
                if (s2Ok && (bypass || _source2StableFor >= Options.TransferDelay))
                {
                    BeginTransfer(AtsPosition.Source2);
                }
            }

            return;
        }

        // Source 1 is good and no test is running.
        _engineStartRemaining = null;
        _source2StableFor = TimeSpan.Zero;
        if (Position == AtsPosition.Source2)
        {
            if (!s2Ok)
            {
                // Generator lost while utility is good: go back at once.
                _retransferRemaining = null;
                BeginTransfer(AtsPosition.Source1);
                return;
            }

            var left = (_retransferRemaining ?? Options.RetransferDelay) - dt;
            if (bypass || left <= TimeSpan.Zero)
            {
                _retransferRemaining = null;
                BeginTransfer(AtsPosition.Source1);
            }
            else
            {
                _retransferRemaining = left;
            }

            return;
        }

        if (Position == AtsPosition.Neutral)
        {
            BeginTransfer(AtsPosition.Source1);
            return;
        }

        if (EngineStartContactClosed)
        {
            var left = (_coolDownRemaining ?? Options.CoolDown) - dt;
            if (bypass || left <= TimeSpan.Zero)
            {
                _coolDownRemaining = null;
                EngineStartContactClosed = false;
                _log.Add(Name, "contact", "engine-start contact opened");
            }
            else
            {
                _coolDownRemaining = left;
            }
        }
    }

    private void BeginTransfer(AtsPosition target)
    {
        if (InjectedFault == AtsFault.FailToTransfer)
        {
            FaultActive = true;
            if (!_faultReported)
            {
                _faultReported = true;
                _log.Add(Name, "fault", $"failed to transfer to {PositionName(target)}");
            }

            return;
        }

        _transitionFrom = Position;
        _transitionTarget = target;
        Position = AtsPosition.Neutral;
        _source2StableFor = TimeSpan.Zero;
        if (Options.OpenTransition <= TimeSpan.Zero)
        {
            CompleteTransfer();
        }
        else
        {
            _transitionRemaining = Options.OpenTransition;
            _log.Add(Name, "transfer", $"transfer to {PositionName(target)} started");
        }
    }

    private void CompleteTransfer()
    {
        _transitionRemaining = null;
        Position = _transitionTarget;
        TransferCount++;
        LastTransferTime = _siteStart + _log.Now;
        LastTransferDuration = Options.OpenTransition;
        if (_transitionTarget == AtsPosition.Source1)
        {
            TestInProgress = false;
        }

        _log.Add(Name, "transfer", $"on {PositionName(Position)} (from {PositionName(_transitionFrom)}, {LastTransferDuration.TotalMilliseconds:0} ms without power)");
    }

    private void UpdateOutput()
    {
        (OutputVoltage, OutputFrequency) = Position switch
        {
            AtsPosition.Source1 => (Source1Voltage, Source1Frequency),
            AtsPosition.Source2 => (Source2Voltage, Source2Frequency),
            _ => (0d, 0d),
        };
    }

    private bool Acceptable(double volts, double hertz, double nominalV, double nominalHz) =>
        Math.Abs(volts - nominalV) <= Options.VoltageTolerance * nominalV &&
        Math.Abs(hertz - nominalHz) <= Options.FrequencyTolerance * nominalHz;
}

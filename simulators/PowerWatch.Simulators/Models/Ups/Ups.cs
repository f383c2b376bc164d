namespace PowerWatch.Simulators;

/// <summary>
/// An on-line UPS (SPEC-DEVICES §2, §5, §6, §7, §10). The battery is a normalised charge c ∈ [0, 1] that drains at
/// dc/dt = −1 / t(L) on battery, with t(L) the fitted runtime curve, so a constant load drains a full battery in
/// exactly t(L) and the remaining runtime is c · t(L). It recharges linearly over <see cref="UpsOptions.RechargeTime"/>.
/// </summary>
public sealed class Ups
{
    private readonly Lock _gate;
    private readonly EventLog _log;
    private bool _outputOn = true;
    private bool _offByLowBattery;
    private bool _bypassCommanded;
    private TimeSpan? _shutdownRemaining;
    private bool _returnWhenPowerRestored;
    private bool _sawInputLossWhileOff;
    private TimeSpan? _selfTestRemaining;
    private double _loadW;
    private UpsMode _lastMode;

    internal Ups(UpsOptions options, Lock gate, EventLog log)
    {
        Options = options;
        _gate = gate;
        _log = log;
        Curve = RuntimeCurve.FromTwoPoints(1.0, options.RuntimeAtFullLoad, 0.5, options.RuntimeAtHalfLoad);
        Charge = options.InitialChargePercent / 100;
        RuntimeBias = options.RuntimeBias;
        Temperature = options.AmbientTemperature;
        Mode = UpsMode.Online;
        _lastMode = Mode;
    }

    /// <summary>Raised (outside the site lock) after a step that changed <see cref="Status"/>.</summary>
    public event EventHandler<UpsStatusChangedEventArgs>? StatusChanged;

    public UpsOptions Options { get; }

    public string Name => Options.Name;

    public RuntimeCurve Curve { get; }

    public UpsMode Mode { get; private set; }

    public UpsFault InjectedFault { get; private set; }

    public UpsStatus Status { get; private set; }

    /// <summary>Normalised battery charge, 0–1 (state of charge = 100 × this).</summary>
    public double Charge { get; private set; }

    public double ChargePercent => Charge * 100;

    public double RuntimeBias { get; private set; }

    /// <summary>Runtime the battery really has at the present load, s.</summary>
    public double TrueRuntimeSeconds => InjectedFault == UpsFault.BatteryDisconnected ? 0 : Charge * Curve.SecondsAt(EffectiveLoadFraction);

    /// <summary>Runtime the UPS reports (true × bias), s.</summary>
    public double ReportedRuntimeSeconds => TrueRuntimeSeconds * RuntimeBias;

    public double InputVoltage { get; private set; }

    public double InputFrequency { get; private set; }

    /// <summary>Input voltage when the UPS last went to battery (Q1 "input fault voltage").</summary>
    public double InputFaultVoltage { get; private set; }

    public bool InputAcceptable { get; private set; }

    public double InputPowerW { get; private set; }

    public double InputCurrent => InputVoltage > 0 ? InputPowerW / (InputVoltage * Options.InputPowerFactor) : 0;

    public double OutputVoltage { get; private set; }

    public double OutputFrequency { get; private set; }

    /// <summary>Real power delivered to the load (the sum of downstream PDUs), W.</summary>
    public double LoadW => _loadW;

    /// <summary>Load as % of the real-power rating (APC reg 136, NUT ups.load).</summary>
    public double LoadPercent => _loadW / Options.RatedPowerW * 100;

    public double ApparentPowerVa => _loadW / Options.OutputPowerFactor;

    public double ApparentLoadPercent => ApparentPowerVa / Options.RatedApparentPowerVa * 100;

    public double OutputCurrent => OutputVoltage > 0 ? ApparentPowerVa / OutputVoltage : 0;

    /// <summary>Battery string voltage, V (NUT-QX bounds per 12 V block: 10.4 empty – 13.0 full, float 13.6).</summary>
    public double BatteryVoltage => BatteryVoltagePerBlock * Options.BatteryBlocks;

    public double BatteryVoltagePerBlock
    {
        get
        {
            if (InjectedFault == UpsFault.BatteryDisconnected)
            {
                return 0;
            }

            var open = 10.4 + (2.6 * Charge);
            return Mode == UpsMode.OnBattery ? open : Math.Min(13.6, open + 0.6);
        }
    }

    public double NominalBatteryVoltage => 12.0 * Options.BatteryBlocks;

    public double Temperature { get; private set; }

    public double OutputEnergyWh { get; private set; }

    public SelfTestResult LastSelfTest { get; private set; }

    public TransferCause LastTransferCause { get; private set; }

    public bool ShutdownPending => _shutdownRemaining is not null;

    public TimeSpan? ShutdownRemaining => _shutdownRemaining;

    public bool OutputOn => OutputVoltage > 0;

    public bool BeeperOn { get; set; } = true;

    private double EffectiveLoadFraction => Math.Max(_loadW / Options.RatedPowerW, Options.MinimumLoadFraction);

    /// <summary>Turns the output off now; it stays off until <see cref="TurnOutputOn"/>.</summary>
    public void TurnOutputOff()
    {
        lock (_gate)
        {
            _outputOn = false;
            _offByLowBattery = false;
            _returnWhenPowerRestored = false;
            _shutdownRemaining = null;
            _log.Add(Name, "command", "output off");
        }
    }

    /// <summary>Turns the output on (cancels any pending shutdown).</summary>
    public void TurnOutputOn()
    {
        lock (_gate)
        {
            _outputOn = true;
            _offByLowBattery = false;
            _shutdownRemaining = null;
            _log.Add(Name, "command", "output on");
        }
    }

    /// <summary>
    /// Shuts the output down after <paramref name="delay"/> (FSD while pending). With
    /// <paramref name="returnWhenPowerRestored"/> the output comes back once the input has failed and returned.
    /// </summary>
    public void Shutdown(TimeSpan delay, bool returnWhenPowerRestored)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_gate)
        {
            _shutdownRemaining = delay;
            _returnWhenPowerRestored = returnWhenPowerRestored;
            _log.Add(Name, "command", $"shutdown in {delay.TotalSeconds:0.#} s{(returnWhenPowerRestored ? ", return when power restored" : ", stay off")}");
        }
    }

    /// <summary>Cancels a pending shutdown.</summary>
    public void CancelShutdown()
    {
        lock (_gate)
        {
            if (_shutdownRemaining is not null)
            {
                _shutdownRemaining = null;
                _log.Add(Name, "command", "shutdown cancelled");
            }
        }
    }

    /// <summary>Starts a battery self-test (refused when the input is bad or the charge is below 50 %).</summary>
    public SelfTestResult StartSelfTest()
    {
        lock (_gate)
        {
            if (!InputAcceptable || Charge < 0.5 || !_outputOn || Mode == UpsMode.Bypass)
            {
                LastSelfTest = SelfTestResult.Refused;
            }
            else
            {
                _selfTestRemaining = Options.SelfTestDuration;
                LastSelfTest = SelfTestResult.InProgress;
            }

            _log.Add(Name, "command", $"self-test {(LastSelfTest == SelfTestResult.Refused ? "refused" : "started")}");
            return LastSelfTest;
        }
    }

    /// <summary>Aborts a running self-test.</summary>
    public void AbortSelfTest()
    {
        lock (_gate)
        {
            if (_selfTestRemaining is not null)
            {
                _selfTestRemaining = null;
                LastSelfTest = SelfTestResult.None;
                _log.Add(Name, "command", "self-test aborted");
            }
        }
    }

    /// <summary>Puts the output into (or takes it out of) bypass, as APC UPSCommand_BF bits 4/5.</summary>
    public void SetBypass(bool bypass)
    {
        lock (_gate)
        {
            _bypassCommanded = bypass;
            _log.Add(Name, "command", bypass ? "output into bypass" : "output out of bypass");
        }
    }

    /// <summary>Sets the reported-runtime bias (reported = true × bias).</summary>
    public void SetRuntimeBias(double bias)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bias);
        lock (_gate)
        {
            RuntimeBias = bias;
            _log.Add(Name, "config", $"runtime bias {bias:0.###}");
        }
    }

    /// <summary>Sets the battery charge, % (test set-up).</summary>
    public void SetChargePercent(double percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        lock (_gate)
        {
            Charge = percent / 100;
            _log.Add(Name, "config", $"battery charge set to {percent:0.#} %");
        }
    }

    /// <summary>Injects a model-level fault (or clears it with <see cref="UpsFault.None"/>).</summary>
    public void SetFault(UpsFault fault)
    {
        lock (_gate)
        {
            InjectedFault = fault;
            _log.Add(Name, "fault", fault == UpsFault.None ? "fault cleared" : $"fault injected: {FaultName(fault)}");
        }
    }

    internal static string FaultName(UpsFault fault) => fault switch
    {
        UpsFault.Inverter => "inverter",
        UpsFault.BatteryDisconnected => "battery-disconnected",
        _ => "none",
    };

    internal static string ModeName(UpsMode mode) => mode switch
    {
        UpsMode.Online => "online",
        UpsMode.OnBattery => "on-battery",
        UpsMode.Bypass => "bypass",
        _ => "off",
    };

    /// <summary>Sets the load the PDUs drew at the end of the step (used for the next step's integration).</summary>
    internal void SetLoad(double watts)
    {
        _loadW = OutputVoltage > 0 ? watts : 0;
    }

    internal void RaiseStatusChanged(UpsStatusChangedEventArgs args) => StatusChanged?.Invoke(this, args);

    internal void Step(TimeSpan dt, double inputVolts, double inputHertz)
    {
        var seconds = dt.TotalSeconds;
        InputVoltage = inputVolts;
        InputFrequency = inputHertz;
        var nominal = Options.NominalVoltage;
        var inputOk = inputVolts >= Options.LowTransferFraction * nominal &&
                      inputVolts <= Options.HighTransferFraction * nominal &&
                      Math.Abs(inputHertz - Options.NominalFrequency) <= Options.FrequencyTolerance * Options.NominalFrequency;
        InputAcceptable = inputOk;

        if (_shutdownRemaining is { } left)
        {
            left -= dt;
            if (left <= TimeSpan.Zero)
            {
                _shutdownRemaining = null;
                _outputOn = false;
                _offByLowBattery = false;
                _sawInputLossWhileOff = !inputOk;
                _log.Add(Name, "state", "output off (shutdown)");
            }
            else
            {
                _shutdownRemaining = left;
            }
        }

        if (!_outputOn)
        {
            _sawInputLossWhileOff |= !inputOk;
            if (inputOk && ((_offByLowBattery && Options.AutoRestart) || (_returnWhenPowerRestored && _sawInputLossWhileOff)))
            {
                _outputOn = true;
                _offByLowBattery = false;
                _returnWhenPowerRestored = false;
                _log.Add(Name, "state", "output restored with input");
            }
        }

        if (_selfTestRemaining is { } test)
        {
            test -= dt;
            if (test <= TimeSpan.Zero || !inputOk)
            {
                _selfTestRemaining = null;
                LastSelfTest = InjectedFault == UpsFault.BatteryDisconnected ? SelfTestResult.Failed : SelfTestResult.Passed;
                _log.Add(Name, "test", $"self-test {(LastSelfTest == SelfTestResult.Passed ? "passed" : "failed")}");
            }
            else
            {
                _selfTestRemaining = test;
            }
        }

        var batteryUsable = InjectedFault != UpsFault.BatteryDisconnected && Charge > 0;
        UpsMode mode;
        if (!_outputOn)
        {
            mode = UpsMode.Off;
        }
        else if (_bypassCommanded || InjectedFault == UpsFault.Inverter)
        {
            mode = inputOk ? UpsMode.Bypass : UpsMode.Off;
        }
        else if (inputOk && _selfTestRemaining is null)
        {
            mode = UpsMode.Online;
        }
        else if (batteryUsable)
        {
            mode = UpsMode.OnBattery;
        }
        else
        {
            mode = UpsMode.Off;
            _outputOn = false;
            _offByLowBattery = true;
            _log.Add(Name, "state", "output off (no battery)");
        }

        if (mode == UpsMode.OnBattery && _lastMode != UpsMode.OnBattery)
        {
            InputFaultVoltage = inputVolts;
            LastTransferCause = _selfTestRemaining is not null ? TransferCause.SelfTest
                : inputVolts < Options.LowTransferFraction * nominal ? TransferCause.LowInputVoltage
                : inputVolts > Options.HighTransferFraction * nominal ? TransferCause.HighInputVoltage
                : TransferCause.InputFrequency;
        }

        // Battery.
        var load = _loadW;
        if (mode == UpsMode.OnBattery)
        {
            var fraction = Math.Max(load / Options.RatedPowerW, Options.MinimumLoadFraction);
            Charge -= seconds / Curve.SecondsAt(fraction);
            if (Charge <= 0)
            {
                Charge = 0;
                mode = UpsMode.Off;
                _outputOn = false;
                _offByLowBattery = true;
                _log.Add(Name, "state", "output off (battery exhausted)");
            }
        }
        else if (inputOk && InjectedFault != UpsFault.BatteryDisconnected)
        {
            Charge = Math.Min(1, Charge + (seconds / Options.RechargeTime.TotalSeconds));
        }

        Mode = mode;
        (OutputVoltage, OutputFrequency) = mode switch
        {
            UpsMode.Online => (nominal, inputHertz),
            UpsMode.OnBattery => (nominal, Options.NominalFrequency),
            UpsMode.Bypass => (inputVolts, inputHertz),
            _ => (0d, 0d),
        };

        var charging = inputOk && Charge < 1 && InjectedFault != UpsFault.BatteryDisconnected;
        var deliveredW = OutputVoltage > 0 ? load : 0;
        InputPowerW = !inputOk ? 0
            : (mode switch
            {
                UpsMode.Online => deliveredW / Options.Efficiency,
                UpsMode.Bypass => deliveredW,
                _ => 0,
            }) + (charging ? Options.ChargerPowerFraction * Options.RatedPowerW : 0);
        OutputEnergyWh += deliveredW * seconds / 3600;
        var fractionNow = deliveredW / Options.RatedPowerW;
        var target = Options.AmbientTemperature + ((mode == UpsMode.OnBattery ? 15 : 10) * fractionNow);
        Temperature += (target - Temperature) * (1 - Math.Exp(-seconds / 600));

        if (mode != _lastMode)
        {
            _log.Add(Name, "state", ModeName(mode));
            _lastMode = mode;
        }

        Status = ComputeStatus(inputOk, charging);
    }

    private UpsStatus ComputeStatus(bool inputOk, bool charging)
    {
        var s = UpsStatus.None;
        switch (Mode)
        {
            case UpsMode.Online:
                s |= UpsStatus.Online;
                break;
            case UpsMode.Bypass:
                s |= UpsStatus.Online | UpsStatus.Bypass;
                break;
            case UpsMode.OnBattery:
                s |= UpsStatus.OnBattery | UpsStatus.Discharging;
                break;
            default:
                s |= UpsStatus.Off | (inputOk ? UpsStatus.Online : UpsStatus.OnBattery);
                break;
        }

        if (charging && Mode != UpsMode.OnBattery)
        {
            s |= UpsStatus.Charging;
        }

        if (!inputOk)
        {
            s |= UpsStatus.InputBad;
        }

        if ((Mode == UpsMode.OnBattery && ReportedRuntimeSeconds <= Options.LowBatteryRuntime.TotalSeconds) ||
            (Mode == UpsMode.Off && _offByLowBattery && !inputOk))
        {
            s |= UpsStatus.LowBattery;
        }

        if (InjectedFault == UpsFault.BatteryDisconnected || LastSelfTest == SelfTestResult.Failed)
        {
            s |= UpsStatus.ReplaceBattery;
        }

        if (InjectedFault == UpsFault.Inverter)
        {
            s |= UpsStatus.Fault;
        }

        if (_shutdownRemaining is not null)
        {
            s |= UpsStatus.ForcedShutdown;
        }

        if (_selfTestRemaining is not null)
        {
            s |= UpsStatus.TestInProgress;
        }

        if (LoadPercent > 100)
        {
            s |= UpsStatus.Overload;
        }

        if (Mode == UpsMode.Online && inputOk)
        {
            if (InputVoltage < 0.94 * Options.NominalVoltage)
            {
                s |= UpsStatus.Boost;
            }
            else if (InputVoltage > 1.06 * Options.NominalVoltage)
            {
                s |= UpsStatus.Trim;
            }
        }

        return s;
    }
}

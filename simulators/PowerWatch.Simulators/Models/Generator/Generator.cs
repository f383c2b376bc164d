namespace PowerWatch.Simulators;

/// <summary>
/// Generator set options. Timer defaults are a controller set up for NFPA 110 Type 10 (load accepted within 10 s of
/// utility loss, together with the ATS defaults of <see cref="AtsOptions"/>): start delay 1 s, preheat 0 s, the engine
/// fires 2.5 s into the first crank, safety delay 2 s, warm-up 0 s; cranking keeps the DSE cycle (crank 10 s, rest 10 s,
/// 3 attempts: §10, "commonly 3", unconfirmed [U]); cooling 60 s. The DSE5110 factory timers (SPEC-DEVICES §7,
/// easymanua.ls 057-009: start delay 5 s, safety delay 8 s, which miss the 10 s deadline) are
/// <see cref="SiteTimers.DseFactory"/>.
/// </summary>
public sealed class GeneratorOptions
{
    public string Name { get; set; } = "generator";

    public double RatedPowerKw { get; set; } = 20;

    public int Phases { get; set; } = 3;

    public double NominalVoltage { get; set; } = 230;

    public double NominalFrequency { get; set; } = 50;

    public double RatedRpm { get; set; } = 1500;

    public double PowerFactor { get; set; } = 0.95;

    public double TankLitres { get; set; } = 500;

    public double InitialFuelPercent { get; set; } = 100;

    /// <summary>Low-fuel warning threshold, % of tank.</summary>
    public double LowFuelPercent { get; set; } = 10;

    public GeneratorMode InitialMode { get; set; } = GeneratorMode.Auto;

    public TimeSpan StartDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan Preheat { get; set; } = TimeSpan.Zero;

    public TimeSpan CrankTime { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan CrankRest { get; set; } = TimeSpan.FromSeconds(10);

    public int CrankAttempts { get; set; } = 3;

    /// <summary>How long into a (healthy) crank the engine fires and the crank disconnects.</summary>
    public TimeSpan FiringTime { get; set; } = TimeSpan.FromSeconds(2.5);

    public TimeSpan SafetyDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan WarmUp { get; set; } = TimeSpan.Zero;

    public TimeSpan CoolDown { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Frequency tolerance of the under/over-frequency protection (±5 %, §10).</summary>
    public double FrequencyTolerance { get; set; } = 0.05;

    /// <summary>Time out of the frequency band before the under/over-frequency shutdown.</summary>
    public TimeSpan FrequencyTripDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>kW overload trip level as a fraction of rated power.</summary>
    public double OverloadTripFraction { get; set; } = 1.0;

    public TimeSpan OverloadTripDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Lightly loaded engines are billed fuel for at least this fraction of rated power.</summary>
    public double IdleFuelFraction { get; set; } = 0.1;

    public IReadOnlyList<FuelPoint> FuelTable { get; set; } = FuelCurve.Default;

    public double AmbientTemperature { get; set; } = 25;

    internal void Validate(string key)
    {
        Check.Positive(RatedPowerKw, $"{key}.ratedPowerKw");
        Check.Range(Phases, 1, 3, $"{key}.phases");
        Check.Positive(NominalVoltage, $"{key}.nominalVoltage");
        Check.Positive(NominalFrequency, $"{key}.nominalFrequency");
        Check.Positive(RatedRpm, $"{key}.ratedRpm");
        Check.Range(PowerFactor, 0.01, 1, $"{key}.powerFactor");
        Check.Positive(TankLitres, $"{key}.tankLitres");
        Check.Range(InitialFuelPercent, 0, 100, $"{key}.initialFuelPercent");
        Check.Range(LowFuelPercent, 0, 100, $"{key}.lowFuelPercent");
        Check.NonNegative(StartDelay, $"{key}.startDelay");
        Check.NonNegative(Preheat, $"{key}.preheat");
        Check.Positive(CrankTime, $"{key}.crankTime");
        Check.NonNegative(CrankRest, $"{key}.crankRest");
        Check.Range(CrankAttempts, 1, 100, $"{key}.crankAttempts");
        Check.Positive(FiringTime, $"{key}.firingTime");
        if (FiringTime > CrankTime)
        {
            throw new SiteConfigurationException($"{key}.firingTime must not exceed {key}.crankTime");
        }

        Check.NonNegative(SafetyDelay, $"{key}.safetyDelay");
        Check.NonNegative(WarmUp, $"{key}.warmUp");
        Check.NonNegative(CoolDown, $"{key}.coolDown");
        Check.Range(FrequencyTolerance, 0, 1, $"{key}.frequencyTolerance");
        Check.NonNegative(FrequencyTripDelay, $"{key}.frequencyTripDelay");
        Check.Positive(OverloadTripFraction, $"{key}.overloadTripFraction");
        Check.NonNegative(OverloadTripDelay, $"{key}.overloadTripDelay");
        Check.Range(IdleFuelFraction, 0, 1, $"{key}.idleFuelFraction");
        if (FuelTable.Count == 0)
        {
            throw new SiteConfigurationException($"{key}.fuelTable must have at least one point");
        }
    }
}

/// <summary>
/// A diesel generator set with a DSE-like controller (SPEC-DEVICES §3, §7, §10). Modes stop/auto/manual; in auto it
/// runs while the ATS engine-start contact is closed or a telemetry start (key 35732) is active. Sequence: start
/// delay → preheat → crank attempts (crank/rest) → crank disconnect → safety delay → warm-up → available → on load
/// (through the ATS) → cool-down on stop. Every delay counts in simulated time, at the site's step resolution.
/// </summary>
public sealed class Generator
{
    private const double CrankingRpm = 250;
    private const double RampRpmPerSecond = 600;
    private const double SpinDownRpmPerSecond = 300;
    private const double HuntingPeriodSeconds = 4;

    private readonly Lock _gate;
    private readonly EventLog _log;
    private readonly Dictionary<GeneratorAlarm, AlarmCondition> _alarms = [];
    private Phase _phase;
    private TimeSpan _phaseTime;
    private int _attempt;
    private TimeSpan _runningFor;
    private TimeSpan? _outOfBandFor;
    private TimeSpan? _overloadFor;
    private bool _breakerTripped;
    private bool _firedThisRun;
    private GeneratorState _lastState;

    internal Generator(GeneratorOptions options, Lock gate, EventLog log)
    {
        Options = options;
        _gate = gate;
        _log = log;
        Mode = options.InitialMode;
        FuelLitres = options.TankLitres * options.InitialFuelPercent / 100;
        CoolantTemperature = options.AmbientTemperature;
        OilTemperature = options.AmbientTemperature;
        BatteryVoltage = 25.4;
    }

    private enum Phase
    {
        Idle,
        StartDelay,
        Preheat,
        Cranking,
        CrankRest,
        SafetyDelay,
        WarmUp,
        Running,
        CoolDown,
    }

    public GeneratorOptions Options { get; }

    public string Name => Options.Name;

    /// <summary>Control mode (register 772).</summary>
    public GeneratorMode Mode { get; private set; }

    public GeneratorFault InjectedFault { get; private set; }

    /// <summary>The ATS engine-start contact as the controller sees it (remote start input).</summary>
    public bool StartContactClosed { get; private set; }

    /// <summary>A telemetry start (key 35732) is active.</summary>
    public bool TelemetryStartActive { get; private set; }

    /// <summary>Start requested by key 35705 in manual or test mode.</summary>
    public bool ManualRunRequested { get; private set; }

    public bool AlarmsMuted { get; private set; }

    /// <summary>Latched mains-failure indication, cleared by key 35710.</summary>
    public bool MainsFailureLatched { get; private set; }

    /// <summary>The controller's start/run request given its mode and inputs.</summary>
    public bool RunRequested => Mode switch
    {
        GeneratorMode.Auto or GeneratorMode.AutoWithManualRestore => StartContactClosed || TelemetryStartActive,
        GeneratorMode.Manual => ManualRunRequested,
        GeneratorMode.TestOnLoad or GeneratorMode.TestOffLoad => true,
        _ => false,
    };

    public GeneratorState State { get; private set; }

    /// <summary>Engine operating state (register 1408).</summary>
    public EngineOperatingState EngineState => _phase switch
    {
        Phase.Idle => EngineOperatingState.Stopped,
        Phase.StartDelay or Phase.Preheat or Phase.Cranking or Phase.CrankRest => EngineOperatingState.PreStart,
        Phase.SafetyDelay or Phase.WarmUp => EngineOperatingState.WarmingUp,
        Phase.Running => EngineOperatingState.Running,
        _ => EngineOperatingState.CoolingDown,
    };

    /// <summary>Current crank attempt (1-based) while cranking or resting, else 0.</summary>
    public int CrankAttempt => _phase is Phase.Cranking or Phase.CrankRest ? _attempt : 0;

    /// <summary>Output breaker closed: generator voltage reaches the ATS (available, on load, cooling).</summary>
    public bool Available => _phase is Phase.Running or Phase.CoolDown && !_breakerTripped;

    /// <summary>The ATS has connected the load to the generator.</summary>
    public bool OnLoad { get; private set; }

    public double EngineSpeed { get; private set; }

    /// <summary>Alternator frequency, Hz.</summary>
    public double Frequency { get; private set; }

    /// <summary>Alternator line-to-neutral voltage, V.</summary>
    public double Voltage { get; private set; }

    /// <summary>Line-to-line voltage (√3 × L-N for three phases; equal to L-N for one phase), V.</summary>
    public double VoltageLineToLine => Options.Phases == 3 ? Voltage * Math.Sqrt(3) : Voltage;

    /// <summary>Voltage at the output terminals after the breaker (what the ATS sees), V.</summary>
    public double OutputVoltage => Available ? Voltage : 0;

    public double OutputFrequency => Available ? Frequency : 0;

    /// <summary>Total real power delivered, W.</summary>
    public double PowerW { get; private set; }

    public double PowerPerPhaseW => PowerW / Options.Phases;

    /// <summary>Current per phase (balanced), A.</summary>
    public double CurrentPerPhase => Voltage > 0 ? PowerPerPhaseW / (Voltage * Options.PowerFactor) : 0;

    /// <summary>Load as % of rated power.</summary>
    public double LoadPercent => PowerW / (Options.RatedPowerKw * 10);

    public double FuelLitres { get; private set; }

    public double FuelPercent => FuelLitres / Options.TankLitres * 100;

    /// <summary>Current fuel burn, L/h.</summary>
    public double FuelRateLitresPerHour { get; private set; }

    public double OilPressureKpa { get; private set; }

    public double CoolantTemperature { get; private set; }

    public double OilTemperature { get; private set; }

    /// <summary>Engine starter battery voltage (24 V system), V.</summary>
    public double BatteryVoltage { get; private set; }

    public double ChargeAlternatorVoltage { get; private set; }

    public TimeSpan RunTime { get; private set; }

    public long Starts { get; private set; }

    public double EnergyKwh { get; private set; }

    /// <summary>Active alarms and their condition codes (a copy).</summary>
    public IReadOnlyDictionary<GeneratorAlarm, AlarmCondition> Alarms
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<GeneratorAlarm, AlarmCondition>(_alarms);
            }
        }
    }

    public bool HasWarning => _alarms.ContainsValue(AlarmCondition.Warning);

    public bool HasShutdown => _alarms.ContainsValue(AlarmCondition.Shutdown);

    public bool HasElectricalTrip => _alarms.ContainsValue(AlarmCondition.ElectricalTrip);

    /// <summary>Keys this controller executes (the SCF capability bitmap of registers 4096–4103).</summary>
    public static bool SupportsKey(int key) => key is >= 35700 and <= 35710 or >= 35732 and <= 35735;

    /// <summary>Selects a control mode, as the mode keys do.</summary>
    public void SetMode(GeneratorMode mode)
    {
        lock (_gate)
        {
            if (Mode == mode)
            {
                return;
            }

            var running = _phase is not Phase.Idle;
            Mode = mode;
            ManualRunRequested = mode == GeneratorMode.Manual && running;
            _log.Add(Name, "mode", $"mode {mode.ToText()}");
        }
    }

    /// <summary>
    /// Executes a GenComm system-control key (SPEC-DEVICES §3.6). Returns false for a key this controller does not
    /// support (a face answers with an exception). Keys 35708/35709 ask the site's ATS to transfer.
    /// </summary>
    public bool PressKey(int key)
    {
        lock (_gate)
        {
            if (!SupportsKey(key))
            {
                return false;
            }

            _log.Add(Name, "key", $"key {key}");
            switch (key)
            {
                case 35700: SetMode(GeneratorMode.Stop); break;
                case 35701: SetMode(GeneratorMode.Auto); break;
                case 35702: SetMode(GeneratorMode.Manual); break;
                case 35703: SetMode(GeneratorMode.TestOnLoad); break;
                case 35704: SetMode(GeneratorMode.AutoWithManualRestore); break;
                case 35705:
                    if (Mode is GeneratorMode.Manual or GeneratorMode.TestOnLoad or GeneratorMode.TestOffLoad)
                    {
                        ManualRunRequested = true;
                    }

                    break;
                case 35706: AlarmsMuted = true; break;
                case 35707 or 35734: ResetAlarms(); break;
                case 35708: TransferRequest = 1; break;
                case 35709: TransferRequest = 2; break;
                case 35710: MainsFailureLatched = false; break;
                case 35732:
                    if (Mode is GeneratorMode.Auto or GeneratorMode.AutoWithManualRestore)
                    {
                        TelemetryStartActive = true;
                    }

                    break;
                case 35733: TelemetryStartActive = false; break;
                default: break;
            }

            return true;
        }
    }

    /// <summary>Clears latched alarms (conditions still present re-raise on the next step).</summary>
    public void ResetAlarms()
    {
        lock (_gate)
        {
            if (_alarms.Count > 0)
            {
                _alarms.Clear();
                _breakerTripped = false;
                _log.Add(Name, "alarm", "alarms reset");
            }

            AlarmsMuted = false;
        }
    }

    /// <summary>Injects a model-level fault (or clears it with <see cref="GeneratorFault.None"/>).</summary>
    public void SetFault(GeneratorFault fault)
    {
        lock (_gate)
        {
            InjectedFault = fault;
            if (fault == GeneratorFault.LowFuel)
            {
                FuelLitres = Math.Min(FuelLitres, Options.TankLitres * Options.LowFuelPercent / 100);
            }

            _log.Add(Name, "fault", fault == GeneratorFault.None ? "fault cleared" : $"fault injected: {FaultName(fault)}");
        }
    }

    /// <summary>Sets the fuel level (refuelling or draining), % of tank.</summary>
    public void SetFuelPercent(double percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        lock (_gate)
        {
            FuelLitres = Options.TankLitres * percent / 100;
            _log.Add(Name, "fuel", $"fuel set to {percent:0.#} %");
        }
    }

    internal static string FaultName(GeneratorFault fault) => fault switch
    {
        GeneratorFault.FailToStart => "fail-to-start",
        GeneratorFault.FailToStabilise => "fail-to-stabilise",
        GeneratorFault.Overload => "overload",
        GeneratorFault.LowFuel => "low-fuel",
        _ => "none",
    };

    /// <summary>Pending ATS request from keys 35708 (1) / 35709 (2); the site consumes it.</summary>
    internal int TransferRequest { get; set; }

    internal void Step(TimeSpan dt, bool startContact, double loadW, bool onLoad)
    {
        if (startContact && !StartContactClosed)
        {
            MainsFailureLatched = true;
        }

        StartContactClosed = startContact;
        var seconds = dt.TotalSeconds;
        Sequence(dt);
        Physics(seconds, loadW, onLoad);
        Protections(dt);
        UpdateState();
    }

    private void Sequence(TimeSpan dt)
    {
        var latched = HasShutdown || HasElectricalTrip;
        var request = RunRequested && !latched && FuelLitres > 0;
        if (Mode == GeneratorMode.Stop && _phase != Phase.Idle)
        {
            Enter(Phase.Idle, "stopped (stop mode)");
            return;
        }

        _phaseTime += dt;
        switch (_phase)
        {
            case Phase.Idle:
                if (request)
                {
                    _attempt = 0;
                    Enter(Phase.StartDelay, "start requested");
                    Advance(Options.StartDelay, Phase.StartDelay);
                }

                break;
            case Phase.StartDelay:
            case Phase.Preheat:
            case Phase.CrankRest:
                if (!request)
                {
                    Enter(Phase.Idle, "start cancelled");
                    break;
                }

                Advance(_phase switch
                {
                    Phase.StartDelay => Options.StartDelay,
                    Phase.Preheat => Options.Preheat,
                    _ => Options.CrankRest,
                }, _phase);
                break;
            case Phase.Cranking:
                if (!request)
                {
                    Enter(Phase.Idle, "start cancelled");
                    break;
                }

                if (InjectedFault != GeneratorFault.FailToStart && _phaseTime >= Options.FiringTime)
                {
                    Starts++;
                    _firedThisRun = true;
                    Enter(Phase.SafetyDelay, $"crank disconnect (attempt {_attempt})");
                    Advance(Options.SafetyDelay, Phase.SafetyDelay);
                }
                else if (_phaseTime >= Options.CrankTime)
                {
                    if (_attempt >= Options.CrankAttempts)
                    {
                        Raise(GeneratorAlarm.FailToStart, AlarmCondition.Shutdown);
                        Enter(Phase.Idle, $"fail to start after {_attempt} attempts");
                    }
                    else
                    {
                        Enter(Phase.CrankRest, $"crank attempt {_attempt} failed");
                        Advance(Options.CrankRest, Phase.CrankRest);
                    }
                }

                break;
            case Phase.SafetyDelay:
            case Phase.WarmUp:
                if (!request)
                {
                    Enter(Phase.Idle, "stopped before available");
                    break;
                }

                Advance(_phase == Phase.SafetyDelay ? Options.SafetyDelay : Options.WarmUp, _phase);
                break;
            case Phase.Running:
                if (latched)
                {
                    if (HasShutdown)
                    {
                        Enter(Phase.Idle, "shutdown");
                    }
                    else
                    {
                        _breakerTripped = true;
                        Enter(Phase.CoolDown, "electrical trip: breaker open, cooling down");
                    }
                }
                else if (FuelLitres <= 0)
                {
                    Enter(Phase.Idle, "out of fuel");
                }
                else if (!request)
                {
                    Enter(Phase.CoolDown, "cooling down");
                }

                break;
            case Phase.CoolDown:
                if (HasShutdown || FuelLitres <= 0)
                {
                    Enter(Phase.Idle, "shutdown");
                }
                else if (request && !_breakerTripped)
                {
                    Enter(Phase.Running, "available again");
                }
                else if (_phaseTime >= Options.CoolDown)
                {
                    Enter(Phase.Idle, "stopped after cool-down");
                }

                break;
            default:
                break;
        }
    }

    // Leaves a timed phase when its time is up (zero-length phases are skipped within the same step).
    private void Advance(TimeSpan duration, Phase current)
    {
        if (_phase != current || _phaseTime < duration)
        {
            return;
        }

        switch (current)
        {
            case Phase.StartDelay when Options.Preheat > TimeSpan.Zero:
                Enter(Phase.Preheat, "preheat");
                break;
            case Phase.StartDelay:
            case Phase.Preheat:
            case Phase.CrankRest:
                _attempt++;
                Enter(Phase.Cranking, $"crank attempt {_attempt}");
                break;
            case Phase.SafetyDelay when Options.WarmUp > TimeSpan.Zero:
                Enter(Phase.WarmUp, "safety delay over, warming up");
                break;
            case Phase.SafetyDelay:
            case Phase.WarmUp:
                _runningFor = TimeSpan.Zero;
                Enter(Phase.Running, "available");
                break;
            default:
                break;
        }
    }

    private void Enter(Phase phase, string message)
    {
        _phase = phase;
        _phaseTime = TimeSpan.Zero;
        _outOfBandFor = null;
        _overloadFor = null;
        if (phase == Phase.Idle)
        {
            _firedThisRun = false;
            _breakerTripped = false;
        }

        _log.Add(Name, "sequence", message);
    }

    private void Physics(double seconds, double loadW, bool onLoad)
    {
        var rated = Options.RatedRpm;
        var fired = _firedThisRun && _phase is Phase.SafetyDelay or Phase.WarmUp or Phase.Running or Phase.CoolDown;
        double deviation = 0;
        if (_phase == Phase.Running)
        {
            _runningFor += TimeSpan.FromSeconds(seconds);
            var t = _runningFor.TotalSeconds;
            deviation = InjectedFault == GeneratorFault.FailToStabilise
                ? (0.01 + (0.005 * t)) * Math.Sin(2 * Math.PI * t / HuntingPeriodSeconds)
                : -0.025 * Math.Exp(-t);
        }

        if (fired)
        {
            var target = rated * (1 + deviation);
            EngineSpeed = EngineSpeed < target * 0.98 && _phase is Phase.SafetyDelay or Phase.WarmUp
                ? Math.Min(target, EngineSpeed + (RampRpmPerSecond * seconds))
                : target;
        }
        else if (_phase == Phase.Cranking)
        {
            EngineSpeed = CrankingRpm;
        }
        else
        {
            EngineSpeed = Math.Max(0, EngineSpeed - (SpinDownRpmPerSecond * seconds));
        }

        var ratio = EngineSpeed / rated;
        Frequency = Options.NominalFrequency * ratio;
        Voltage = fired ? Options.NominalVoltage * Math.Min(1, ratio) : 0;
        OnLoad = onLoad && Available;
        var measured = OnLoad ? loadW : 0;
        if (OnLoad && InjectedFault == GeneratorFault.Overload)
        {
            measured = Math.Max(measured, 1.2 * Options.RatedPowerKw * 1000);
        }

        PowerW = measured;

        FuelRateLitresPerHour = fired
            ? FuelCurve.LitresPerHour(Options.FuelTable, measured / 1000, Options.RatedPowerKw, Options.IdleFuelFraction)
            : 0;
        FuelLitres = Math.Max(0, FuelLitres - (FuelRateLitresPerHour * seconds / 3600));
        if (fired)
        {
            RunTime += TimeSpan.FromSeconds(seconds);
            EnergyKwh += measured / 1000 * seconds / 3600;
        }

        OilPressureKpa = fired ? 400 * ratio * ratio : 0;
        var loadFraction = measured / (Options.RatedPowerKw * 1000);
        var coolantTarget = fired ? 80 + (10 * Math.Min(loadFraction, 1.5)) : Options.AmbientTemperature;
        var tau = fired ? 300.0 : 1200.0;
        var k = 1 - Math.Exp(-seconds / tau);
        CoolantTemperature += (coolantTarget - CoolantTemperature) * k;
        OilTemperature += (coolantTarget + 5 - OilTemperature) * k;
        BatteryVoltage = _phase == Phase.Cranking ? 21.5 : fired ? 27.6 : 25.4;
        ChargeAlternatorVoltage = fired ? 28.0 : 0;
    }

    private void Protections(TimeSpan dt)
    {
        // Low fuel: live warning at the threshold; empty = shutdown.
        var lowFuel = FuelPercent <= Options.LowFuelPercent;
        if (FuelLitres <= 0)
        {
            Raise(GeneratorAlarm.LowFuelLevel, AlarmCondition.Shutdown);
        }
        else if (lowFuel && !_alarms.ContainsKey(GeneratorAlarm.LowFuelLevel))
        {
            Raise(GeneratorAlarm.LowFuelLevel, AlarmCondition.Warning);
        }
        else if (!lowFuel && _alarms.TryGetValue(GeneratorAlarm.LowFuelLevel, out var c) && c == AlarmCondition.Warning)
        {
            _alarms.Remove(GeneratorAlarm.LowFuelLevel);
            _log.Add(Name, "alarm", "low-fuel-level cleared");
        }

        if (_phase == Phase.Running)
        {
            var nominal = Options.NominalFrequency;
            var band = Options.FrequencyTolerance * nominal;
            if (Math.Abs(Frequency - nominal) > band)
            {
                // The delay counts from the step after the excursion appeared.
                _outOfBandFor = _outOfBandFor is { } o ? o + dt : TimeSpan.Zero;
                if (_outOfBandFor >= Options.FrequencyTripDelay)
                {
                    Raise(Frequency > nominal ? GeneratorAlarm.GeneratorOverFrequency : GeneratorAlarm.GeneratorUnderFrequency,
                        AlarmCondition.Shutdown);
                }
            }
            else
            {
                _outOfBandFor = null;
            }

            if (PowerW > Options.OverloadTripFraction * Options.RatedPowerKw * 1000)
            {
                _overloadFor = _overloadFor is { } o ? o + dt : TimeSpan.Zero;
                if (_overloadFor >= Options.OverloadTripDelay)
                {
                    Raise(GeneratorAlarm.KilowattOverload, AlarmCondition.ElectricalTrip);
                }
            }
            else
            {
                _overloadFor = null;
            }
        }

        if ((HasShutdown || HasElectricalTrip) && _phase == Phase.Running)
        {
            // Act within the same step so the breaker opens at the moment of the trip.
            Sequence(TimeSpan.Zero);
            if (!Available)
            {
                PowerW = 0;
                OnLoad = false;
            }
        }
    }

    private void Raise(GeneratorAlarm alarm, AlarmCondition condition)
    {
        if (_alarms.TryGetValue(alarm, out var existing) && existing >= condition)
        {
            return;
        }

        _alarms[alarm] = condition;
        AlarmsMuted = false;
        _log.Add(Name, "alarm", $"{alarm.ToText()} {(condition == AlarmCondition.Warning ? "warning" : condition == AlarmCondition.ElectricalTrip ? "electrical trip" : "shutdown")}");
    }

    private void UpdateState()
    {
        State = HasShutdown || HasElectricalTrip
            ? GeneratorState.Failed
            : _phase switch
            {
                Phase.Idle => GeneratorState.Stopped,
                Phase.StartDelay or Phase.Preheat => GeneratorState.Starting,
                Phase.Cranking or Phase.CrankRest => GeneratorState.Cranking,
                Phase.SafetyDelay or Phase.WarmUp => GeneratorState.Warming,
                Phase.Running => OnLoad ? GeneratorState.OnLoad : GeneratorState.Available,
                _ => GeneratorState.Cooling,
            };
        if (State != _lastState)
        {
            _log.Add(Name, "state", State.ToText());
            _lastState = State;
        }
    }
}

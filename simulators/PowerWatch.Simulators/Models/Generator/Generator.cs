namespace PowerWatch.Simulators;

/// <summary>
/// A diesel generator set with a DSE-like controller (SPEC-DEVICES §3, §7, §10). Modes stop/auto/manual; in auto it
/// runs while the ATS engine-start contact is closed or a telemetry start (key 35732) is active. Sequence: start
/// delay → preheat → crank attempts (crank/rest) → crank disconnect → safety delay → warm-up → available → on load
/// (through the ATS) → cool-down on stop. Every delay counts in simulated time, at the site's step resolution.
/// </summary>
public sealed partial class Generator
{
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

    public bool HasControlledShutdown => _alarms.ContainsValue(AlarmCondition.ControlledShutdown);

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
}

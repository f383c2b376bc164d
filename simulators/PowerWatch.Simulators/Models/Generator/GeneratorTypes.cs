namespace PowerWatch.Simulators;

/// <summary>DSE control mode, numbered as GenComm register 772 (SPEC-DEVICES §3.2).</summary>
public enum GeneratorMode
{
    Stop = 0,
    Auto = 1,
    Manual = 2,
    TestOnLoad = 3,
    AutoWithManualRestore = 4,
    UserConfiguration = 5,
    TestOffLoad = 6,
    Off = 7,
}

/// <summary>Engine operating state, numbered as GenComm register 1408 (SPEC-DEVICES §3.4).</summary>
public enum EngineOperatingState
{
    Stopped = 0,
    PreStart = 1,
    WarmingUp = 2,
    Running = 3,
    CoolingDown = 4,
    StoppedAlt = 5,
    PostRun = 6,
    NotAvailable = 15,
}

/// <summary>The <c>generator.state</c> values of the metric catalogue (DESIGN.md).</summary>
public enum GeneratorState
{
    Stopped,
    Starting,
    Cranking,
    Warming,
    Available,
    OnLoad,
    Cooling,
    Failed,
}

/// <summary>Model-level generator faults (SPEC-DEVICES §10).</summary>
public enum GeneratorFault
{
    None,

    /// <summary>Every crank attempt fails; after the last one the fail-to-start shutdown alarm latches.</summary>
    FailToStart,

    /// <summary>Once available the frequency hunts with growing amplitude; outside ±5 % for the trip delay → shutdown.</summary>
    FailToStabilise,

    /// <summary>The load reads 120 % of rating while the generator is on load → kW overload electrical trip.</summary>
    Overload,

    /// <summary>Sets the fuel level to the low-fuel threshold (the alarm raises at once; the engine stops when empty).</summary>
    LowFuel,
}

/// <summary>
/// Alarms in the order of the DSE named-alarm page 154 (SPEC-DEVICES §3.5, 73xx MkII / DSE3110 order).
/// The value is the alarm's index: register 39425 + index / 4, nibble 3 − index % 4 (first alarm in bits 15–12).
/// </summary>
public enum GeneratorAlarm
{
    EmergencyStop = 0,
    LowOilPressure = 1,
    HighCoolantTemperature = 2,
    LowCoolantTemperature = 3,
    UnderSpeed = 4,
    OverSpeed = 5,
    GeneratorUnderFrequency = 6,
    GeneratorOverFrequency = 7,
    GeneratorLowVoltage = 8,
    GeneratorHighVoltage = 9,
    BatteryLowVoltage = 10,
    BatteryHighVoltage = 11,
    ChargeAlternatorFailure = 12,
    FailToStart = 13,
    FailToStop = 14,
    GeneratorFailToClose = 15,
    MainsFailToClose = 16,
    OilPressureSender = 17,
    LossOfMagneticPickup = 18,
    MagneticPickupOpenCircuit = 19,
    GeneratorHighCurrent = 20,
    CalibrationLost = 21,
    LowFuelLevel = 22,
    CanEcuWarning = 23,
    EcuShutdown = 24,
    EcuDataFail = 25,
    LowOilLevelSwitch = 26,
    HighTemperatureSwitch = 27,
    LowFuelSwitch = 28,
    ExpansionWatchdog = 29,
    KilowattOverload = 30,
    NegativePhaseSequenceCurrent = 31,
}

/// <summary>DSE 4-bit alarm condition codes (SPEC-DEVICES §3.5).</summary>
public enum AlarmCondition
{
    DisabledDigitalInput = 0,
    NotActive = 1,
    Warning = 2,
    Shutdown = 3,
    ElectricalTrip = 4,
    ControlledShutdown = 5,
    Unimplemented = 15,
}

/// <summary>Names and page-154 packing for generator alarms and states.</summary>
public static class GeneratorText
{
    /// <summary>Number of alarms in <see cref="GeneratorAlarm"/> (8 registers of page 154).</summary>
    public const int AlarmCount = 32;

    /// <summary>The catalogue string of a state: stopped|starting|cranking|warming|available|on-load|cooling|failed.</summary>
    public static string ToText(this GeneratorState state) => state switch
    {
        GeneratorState.Stopped => "stopped",
        GeneratorState.Starting => "starting",
        GeneratorState.Cranking => "cranking",
        GeneratorState.Warming => "warming",
        GeneratorState.Available => "available",
        GeneratorState.OnLoad => "on-load",
        GeneratorState.Cooling => "cooling",
        _ => "failed",
    };

    /// <summary>The catalogue string of a mode (stop|auto|manual|…).</summary>
    public static string ToText(this GeneratorMode mode) => mode switch
    {
        GeneratorMode.Stop => "stop",
        GeneratorMode.Auto => "auto",
        GeneratorMode.Manual => "manual",
        GeneratorMode.TestOnLoad => "test-on-load",
        GeneratorMode.AutoWithManualRestore => "auto-manual-restore",
        GeneratorMode.UserConfiguration => "user",
        GeneratorMode.TestOffLoad => "test-off-load",
        _ => "off",
    };

    /// <summary>Kebab-case alarm name, e.g. <c>fail-to-start</c>, <c>low-fuel-level</c>, <c>kilowatt-overload</c>.</summary>
    public static string ToText(this GeneratorAlarm alarm)
    {
        var name = alarm.ToString();
        var chars = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                chars.Append('-');
            }

            chars.Append(char.ToLowerInvariant(name[i]));
        }

        return chars.ToString();
    }

    /// <summary>
    /// Packs alarms into page-154 registers (from 39425): four 4-bit codes per register, first alarm in bits 15–12;
    /// alarms not raised read <see cref="AlarmCondition.NotActive"/>, positions beyond <see cref="AlarmCount"/>
    /// read <see cref="AlarmCondition.Unimplemented"/>.
    /// </summary>
    public static void PackPage154(IReadOnlyDictionary<GeneratorAlarm, AlarmCondition> alarms, Span<ushort> registers)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        for (var r = 0; r < registers.Length; r++)
        {
            var value = 0;
            for (var n = 0; n < 4; n++)
            {
                var index = (r * 4) + n;
                var code = index >= AlarmCount
                    ? AlarmCondition.Unimplemented
                    : alarms.TryGetValue((GeneratorAlarm)index, out var c) ? c : AlarmCondition.NotActive;
                value |= ((int)code & 0xF) << (12 - (4 * n));
            }

            registers[r] = (ushort)value;
        }
    }
}

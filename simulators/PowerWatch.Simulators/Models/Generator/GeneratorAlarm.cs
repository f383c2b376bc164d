namespace PowerWatch.Simulators;

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

namespace PowerWatch.SerialUps.MegatecQ1;

/// <summary>
/// The F reply (SPEC-DEVICES §5: <c>#MMM.M QQQ SS.SS RR.R</c>, 21 bytes before the CR, 22 with it): rated voltage,
/// rated current, nominal battery voltage, rated frequency. Null values are fields filled with '@'.
/// </summary>
public sealed record MegatecQ1Ratings(double? Voltage, double? Current, double? BatteryVoltage, double? Frequency);

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

namespace PowerWatch.Simulators;

/// <summary>UPS options; defaults from SPEC-DEVICES §7 and §10 (300 s at 100 %, 900 s at 50 %, low battery at 180 s).</summary>
public sealed class UpsOptions
{
    public string Name { get; set; } = "ups";

    public double RatedPowerW { get; set; } = 10_000;

    public double RatedApparentPowerVa { get; set; } = 10_000;

    public double NominalVoltage { get; set; } = 230;

    public double NominalFrequency { get; set; } = 50;

    public TimeSpan RuntimeAtFullLoad { get; set; } = TimeSpan.FromSeconds(300);

    public TimeSpan RuntimeAtHalfLoad { get; set; } = TimeSpan.FromSeconds(900);

    /// <summary>Low-battery flag when the reported runtime on battery falls to this (§10: 180 s).</summary>
    public TimeSpan LowBatteryRuntime { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>Reported runtime = true runtime × bias (1.4 mimics an aged battery the UPS over-estimates).</summary>
    public double RuntimeBias { get; set; } = 1.0;

    /// <summary>Time to recharge from empty to full on line (linear).</summary>
    public TimeSpan RechargeTime { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Discharge never runs slower than at this load fraction (inverter idle losses; NUT idleload 10 %).</summary>
    public double MinimumLoadFraction { get; set; } = 0.05;

    /// <summary>Number of 12 V blocks in the battery string (16 = 192 V).</summary>
    public int BatteryBlocks { get; set; } = 16;

    public double InitialChargePercent { get; set; } = 100;

    public double Efficiency { get; set; } = 0.95;

    /// <summary>Charger input power while charging, as a fraction of rated power.</summary>
    public double ChargerPowerFraction { get; set; } = 0.05;

    public double OutputPowerFactor { get; set; } = 0.95;

    public double InputPowerFactor { get; set; } = 0.99;

    /// <summary>Input accepted down to this fraction of nominal voltage (low transfer point).</summary>
    public double LowTransferFraction { get; set; } = 0.85;

    /// <summary>Input accepted up to this fraction of nominal voltage (high transfer point).</summary>
    public double HighTransferFraction { get; set; } = 1.15;

    public double FrequencyTolerance { get; set; } = 0.05;

    public TimeSpan SelfTestDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After a low-battery turn-off, turn the output back on when acceptable input returns.</summary>
    public bool AutoRestart { get; set; } = true;

    public double AmbientTemperature { get; set; } = 25;

    internal void Validate(string key)
    {
        Check.Positive(RatedPowerW, $"{key}.ratedPowerW");
        Check.Positive(RatedApparentPowerVa, $"{key}.ratedApparentPowerVa");
        Check.Positive(NominalVoltage, $"{key}.nominalVoltage");
        Check.Positive(NominalFrequency, $"{key}.nominalFrequency");
        Check.Positive(RuntimeAtFullLoad, $"{key}.runtimeAtFullLoad");
        Check.Positive(RuntimeAtHalfLoad, $"{key}.runtimeAtHalfLoad");
        if (RuntimeAtHalfLoad <= RuntimeAtFullLoad)
        {
            throw new SiteConfigurationException($"{key}.runtimeAtHalfLoad must be longer than {key}.runtimeAtFullLoad");
        }

        Check.NonNegative(LowBatteryRuntime, $"{key}.lowBatteryRuntime");
        Check.Positive(RuntimeBias, $"{key}.runtimeBias");
        Check.Positive(RechargeTime, $"{key}.rechargeTime");
        Check.Range(MinimumLoadFraction, 0.001, 1, $"{key}.minimumLoadFraction");
        Check.Range(BatteryBlocks, 1, 100, $"{key}.batteryBlocks");
        Check.Range(InitialChargePercent, 0, 100, $"{key}.initialChargePercent");
        Check.Range(Efficiency, 0.1, 1, $"{key}.efficiency");
        Check.Range(ChargerPowerFraction, 0, 1, $"{key}.chargerPowerFraction");
        Check.Range(OutputPowerFactor, 0.01, 1, $"{key}.outputPowerFactor");
        Check.Range(InputPowerFactor, 0.01, 1, $"{key}.inputPowerFactor");
        Check.Range(LowTransferFraction, 0, 1, $"{key}.lowTransferFraction");
        Check.Range(HighTransferFraction, 1, 3, $"{key}.highTransferFraction");
        Check.Range(FrequencyTolerance, 0, 1, $"{key}.frequencyTolerance");
        Check.Positive(SelfTestDuration, $"{key}.selfTestDuration");
    }
}

namespace PowerWatch.Core.Failover;

/// <summary>One ATS with its generator and the UPSs it feeds (from <c>Topology</c>).</summary>
public sealed record FailoverChain(string Ats, string? Generator, IReadOnlyList<string> Ups, string? UtilityMeter = null);

/// <summary>
/// Failover analyzer settings (bound from <c>PowerWatch:Alerts:Failover</c>). Defaults: NFPA 110 Level 1 / Type 10
/// start deadline; DSE5110 factory timers and the project ATS map defaults (SPEC-DEVICES §7, §8).
/// </summary>
public sealed class FailoverOptions
{
    /// <summary>Generator must be available this long after the utility is lost (NFPA 110 Type 10: 10 s).</summary>
    public TimeSpan StartDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The utility must be gone this long before "utility lost" (rides through momentary dips; ASCO 3 s).</summary>
    public TimeSpan UtilityLossDebounce { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>ATS engine-start delay (utility lost → start contact).</summary>
    public TimeSpan EngineStartDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Controller start delay (start request → crank).</summary>
    public TimeSpan GeneratorStartDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time budgeted for cranking until the engine fires (one crank; pessimistic sites set crank+rest+crank).</summary>
    public TimeSpan CrankTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Safety-on delay after the engine fires.</summary>
    public TimeSpan SafetyDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Warm-up time budgeted after the safety delay, before the generator is available.</summary>
    public TimeSpan WarmUp { get; set; } = TimeSpan.Zero;

    /// <summary>ATS transfer delay once the generator is available.</summary>
    public TimeSpan TransferDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Generator available this long without the ATS on source 2 → transfer failed.</summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>After becoming available, frequency/voltage are checked once this grace has passed.</summary>
    public TimeSpan StabilityGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Nominal generator frequency, Hz (50 or 60), for the stability check.</summary>
    public double NominalFrequency { get; set; } = 50;

    /// <summary>Allowed frequency deviation as a fraction of nominal (±5 %).</summary>
    public double FrequencyTolerance { get; set; } = 0.05;

    /// <summary>Nominal generator L1-N voltage, V, for the stability check.</summary>
    public double NominalVoltage { get; set; } = 230;

    /// <summary>Allowed voltage deviation as a fraction of nominal (±10 %).</summary>
    public double VoltageTolerance { get; set; } = 0.10;

    /// <summary>A generator that fails within this time of becoming available failed to stabilise; later, it tripped.</summary>
    public TimeSpan StabilisationWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A UPS output (or PDU input) below this fraction of nominal voltage counts as dead for <c>load-lost</c>.</summary>
    public double LoadLostVoltageFraction { get; set; } = 0.1;

    /// <summary>A device is treated as unknown when not heard for this long (or device.available is false).</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failover margin below this → <c>failover-margin</c> warning.</summary>
    public TimeSpan MarginWarning { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Failover margin below this → <c>failover-margin</c> critical (must not exceed <see cref="MarginWarning"/>).</summary>
    public TimeSpan MarginCritical { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Fuel hours remaining at the current burn below this → warning.</summary>
    public TimeSpan FuelWarning { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Fuel hours remaining at the current burn below this → critical.</summary>
    public TimeSpan FuelCritical { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Regression window for the fuel burn rate.</summary>
    public TimeSpan FuelWindow { get; set; } = TimeSpan.FromHours(2);

    /// <summary>generator.power.percent above this → overload warning; above <see cref="OverloadCriticalPercent"/> critical.</summary>
    public double OverloadWarningPercent { get; set; } = 90;

    /// <summary><c>generator.power.percent</c> above this → <c>generator-overload</c> critical.</summary>
    public double OverloadCriticalPercent { get; set; } = 100;

    /// <summary>Reported and observed runtime differing by more than this fraction of the observed → alert.</summary>
    public double RuntimeDisagreement { get; set; } = 0.25;

    /// <summary>Runtimes are compared only while the observed estimate is at least this long (near empty both are noise).</summary>
    public TimeSpan RuntimeComparisonMinimum { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Regression window for the observed discharge slope.</summary>
    public TimeSpan DischargeWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Peukert-style exponent assumed until two discharges at different loads have been seen.</summary>
    public double DefaultExponent { get; set; } = 1.3;

    public IEnumerable<string> Validate(string key)
    {
        if (StartDeadline <= TimeSpan.Zero)
        {
            yield return $"{key}:StartDeadline must be > 0.";
        }

        if (MarginCritical > MarginWarning)
        {
            yield return $"{key}:MarginCritical must not exceed MarginWarning.";
        }

        if (RuntimeDisagreement <= 0)
        {
            yield return $"{key}:RuntimeDisagreement must be > 0.";
        }

        if (LoadLostVoltageFraction is <= 0 or >= 1)
        {
            yield return $"{key}:LoadLostVoltageFraction must be between 0 and 1 (e.g. 0.1 = 10 % of nominal).";
        }

        if (DischargeWindow < TimeSpan.FromSeconds(10))
        {
            yield return $"{key}:DischargeWindow must be at least 10 s.";
        }
    }
}

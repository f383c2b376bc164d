namespace PowerWatch.Simulators;

/// <summary>Options of the utility (mains) supply. SPEC-DEVICES §10: 230 V / 50 Hz or 120 V / 60 Hz.</summary>
public sealed class UtilityOptions
{
    public string Name { get; set; } = "utility";

    public double NominalVoltage { get; set; } = 230;

    public double NominalFrequency { get; set; } = 50;

    internal void Validate(string key)
    {
        Check.Positive(NominalVoltage, $"{key}.nominalVoltage");
        Check.Positive(NominalFrequency, $"{key}.nominalFrequency");
    }
}

/// <summary>What the utility is currently doing.</summary>
public enum UtilityCondition
{
    Normal,
    Blackout,
    Brownout,
    FrequencyExcursion,
}

/// <summary>The utility supply: voltage and frequency, changed by scenario events (no physics of its own).</summary>
public sealed class UtilitySupply
{
    private readonly Lock _gate;
    private readonly EventLog _log;

    internal UtilitySupply(UtilityOptions options, Lock gate, EventLog log)
    {
        Options = options;
        _gate = gate;
        _log = log;
        Voltage = options.NominalVoltage;
        Frequency = options.NominalFrequency;
    }

    public UtilityOptions Options { get; }

    public string Name => Options.Name;

    public UtilityCondition Condition { get; private set; }

    /// <summary>Line-to-neutral voltage, V (0 in a blackout).</summary>
    public double Voltage { get; private set; }

    /// <summary>Frequency, Hz (0 in a blackout).</summary>
    public double Frequency { get; private set; }

    /// <summary>Blackout: 0 V, 0 Hz.</summary>
    public void Fail() => Set(UtilityCondition.Blackout, 0, 0, "blackout");

    /// <summary>Back to nominal voltage and frequency.</summary>
    public void Restore() => Set(UtilityCondition.Normal, Options.NominalVoltage, Options.NominalFrequency, "restored");

    /// <summary>Brownout: voltage sags to <paramref name="volts"/> at nominal frequency.</summary>
    public void Brownout(double volts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(volts);
        Set(UtilityCondition.Brownout, volts, Options.NominalFrequency, $"brownout {volts:0.#} V");
    }

    /// <summary>Frequency excursion to <paramref name="hertz"/> at nominal voltage.</summary>
    public void FrequencyExcursion(double hertz)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hertz);
        Set(UtilityCondition.FrequencyExcursion, Options.NominalVoltage, hertz, $"frequency {hertz:0.##} Hz");
    }

    private void Set(UtilityCondition condition, double volts, double hertz, string what)
    {
        lock (_gate)
        {
            Condition = condition;
            Voltage = volts;
            Frequency = hertz;
            _log.Add(Name, "state", what);
        }
    }
}

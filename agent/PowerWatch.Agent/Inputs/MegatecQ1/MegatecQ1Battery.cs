namespace PowerWatch.Agent.Inputs.MegatecQ1;

/// <summary>
/// battery.charge and battery.runtime for a UPS that reports only a battery voltage, as NUT's nutdrv_qx estimates
/// them (SPEC §5, NUT-QX <c>qx_battery</c>, <c>qx_initbattery</c>, <c>upsdrv_updateinfo</c>). Pure state machine:
/// the caller passes each poll's values and timestamp.
/// </summary>
internal sealed class MegatecQ1Battery
{
    /// <summary>NUT's battery.packs candidates (SPEC §5), tried in this order.</summary>
    private static readonly double[] PackCandidates = [120, 100, 80, 60, 48, 36, 30, 24, 18, 12, 8, 6, 4, 3, 2, 1, 0.5];

    private readonly MegatecQ1Options _options;
    private readonly RuntimeCalibration? _cal;
    private double? _packs;
    private double? _estimate;
    private DateTimeOffset _last;

    public MegatecQ1Battery(MegatecQ1Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _cal = options.ParseRuntimeCal();
        _packs = options.BatteryPacks;
    }

    /// <summary>The pack multiplier in use (configured or detected); null until known.</summary>
    public double? Packs => _packs;

    /// <summary>
    /// The pack voltage for a reported battery voltage: reported × packs. Packs are auto-detected once from the
    /// nominal voltage (the first candidate putting reported × packs within 0.8–1.2 × nominal) unless configured.
    /// </summary>
    public double? PackVoltage(double reported, double? nominal)
    {
        if (_packs is null && nominal is > 0)
        {
            foreach (var p in PackCandidates)
            {
                var v = reported * p;
                if (v > 0.8 * nominal && v < 1.2 * nominal)
                {
                    _packs = p;
                    break;
                }
            }
        }

        return _packs is { } packs ? reported * packs : null;
    }

    /// <summary>
    /// Updates the estimate with one poll and returns (charge %, runtime s); runtime is null without runtimecal;
    /// both null when the nominal battery voltage or the pack voltage is unknown.
    /// </summary>
    public (double? Charge, double? Runtime) Update(DateTimeOffset now, double? packVoltage, double? nominal, double? load, bool onBattery)
    {
        if (packVoltage is not { } v || nominal is not { } vnom || vnom <= 0)
        {
            return (null, null);
        }

        if (_cal is not { } cal)
        {
            // Voltage alone: 10.4 V … 13.0 V per 12 V block.
            return (Fraction(v, vnom * 104 / 120, vnom * 130 / 120) * 100, null);
        }

        var nominalRuntime = cal.NominalRuntime;
        var fromVoltage = Fraction(v, vnom, vnom * 1.15);
        var eff = Math.Max(Math.Pow(Math.Max(load ?? 0, 0) / 100, cal.Exponent), _options.IdleLoad / 100);
        if (_estimate is not { } est)
        {
            est = nominalRuntime * fromVoltage;
        }
        else
        {
            var dt = Math.Max((now - _last).TotalSeconds, 0);
            est = onBattery
                ? est - (eff * dt)
                : Math.Min(est + (nominalRuntime * dt / _options.ChargeTime.TotalSeconds), nominalRuntime);
            est = Math.Max(est, 0);

            // An aged battery reads low on voltage before the model notices: trust the lower of the two.
            if (fromVoltage < est / nominalRuntime)
            {
                est = fromVoltage * nominalRuntime;
            }
        }

        _estimate = est;
        _last = now;
        return (100 * est / nominalRuntime, est / eff);
    }

    private static double Fraction(double v, double low, double high) => Math.Clamp((v - low) / (high - low), 0, 1);
}

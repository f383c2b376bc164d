namespace PowerWatch.Simulators;

/// <summary>Rack PDU options (SPEC-DEVICES §9; outlet loads per §7: 0.3–2 A at 230 V).</summary>
public sealed class PduOptions
{
    public string Name { get; set; } = "pdu";

    public int Outlets { get; set; } = 8;

    /// <summary>Per-outlet load in amperes at the nominal voltage; missing entries are drawn from the site's seeded random in [0.3, 2] A.</summary>
    public IReadOnlyList<double> OutletLoadsAmps { get; set; } = [];

    public double NominalVoltage { get; set; } = 230;

    public double PowerFactor { get; set; } = 0.95;

    /// <summary>Relative load noise (uniform ±), resampled once per simulated second.</summary>
    public double Noise { get; set; } = 0.02;

    /// <summary>Outlets can be switched (model and control channel; the Xerus face serves no switching coils, §9 [U]).</summary>
    public bool SwitchingEnabled { get; set; } = true;

    internal void Validate(string key)
    {
        Check.Range(Outlets, 1, 48, $"{key}.outlets");
        if (OutletLoadsAmps.Count > Outlets)
        {
            throw new SiteConfigurationException($"{key}.outletLoadsAmps has more entries than {key}.outlets");
        }

        for (var i = 0; i < OutletLoadsAmps.Count; i++)
        {
            Check.NonNegative(OutletLoadsAmps[i], $"{key}.outletLoadsAmps[{i}]");
        }

        Check.Positive(NominalVoltage, $"{key}.nominalVoltage");
        Check.Range(PowerFactor, 0.01, 1, $"{key}.powerFactor");
        Check.Range(Noise, 0, 0.5, $"{key}.noise");
    }
}

/// <summary>One PDU outlet: a constant-power load with small seeded noise.</summary>
public sealed class Outlet
{
    internal Outlet(int number, double nominalPowerW)
    {
        Number = number;
        NominalPowerW = nominalPowerW;
    }

    /// <summary>1-based outlet number (Xerus outlet block 0x8000 + (n − 1) × 0x100).</summary>
    public int Number { get; }

    public bool On { get; internal set; } = true;

    /// <summary>Power the outlet draws when energised, before noise, W.</summary>
    public double NominalPowerW { get; internal set; }

    public double PowerW { get; internal set; }

    public double Current { get; internal set; }

    public double EnergyWh { get; internal set; }

    internal double NoiseFactor { get; set; } = 1;
}

/// <summary>A switched, metered rack PDU fed by the UPS output (SPEC-DEVICES §9). 0 V / 0 A when the UPS output is off.</summary>
public sealed class Pdu
{
    private readonly Lock _gate;
    private readonly EventLog _log;
    private readonly Outlet[] _outlets;

    internal Pdu(PduOptions options, Lock gate, EventLog log, Random random)
    {
        Options = options;
        _gate = gate;
        _log = log;
        _outlets = new Outlet[options.Outlets];
        for (var i = 0; i < _outlets.Length; i++)
        {
            var amps = i < options.OutletLoadsAmps.Count ? options.OutletLoadsAmps[i] : 0.3 + (1.7 * Draw(random));
            _outlets[i] = new Outlet(i + 1, amps * options.NominalVoltage * options.PowerFactor);
        }
    }

    public PduOptions Options { get; }

    public string Name => Options.Name;

    public IReadOnlyList<Outlet> Outlets => _outlets;

    public double Voltage { get; private set; }

    public double Frequency { get; private set; }

    /// <summary>Total active power, W.</summary>
    public double PowerW { get; private set; }

    /// <summary>Input current, A.</summary>
    public double Current { get; private set; }

    public double EnergyWh { get; private set; }

    /// <summary>Switches outlet <paramref name="number"/> (1-based). False when switching is disabled or the outlet does not exist.</summary>
    public bool SetOutlet(int number, bool on)
    {
        lock (_gate)
        {
            if (!Options.SwitchingEnabled || number < 1 || number > _outlets.Length)
            {
                return false;
            }

            _outlets[number - 1].On = on;
            _log.Add(Name, "outlet", $"outlet {number} {(on ? "on" : "off")}");
            return true;
        }
    }

    internal void ScaleLoads(double factor)
    {
        foreach (var o in _outlets)
        {
            o.NominalPowerW *= factor;
        }
    }

    internal void ResampleNoise(Random random)
    {
        foreach (var o in _outlets)
        {
            o.NoiseFactor = 1 + (Options.Noise * ((2 * Draw(random)) - 1));
        }
    }

    internal void Step(TimeSpan dt, double volts, double hertz)
    {
        var hours = dt.TotalHours;
        Voltage = volts;
        Frequency = volts > 0 ? hertz : 0;
        double total = 0, current = 0;
        foreach (var o in _outlets)
        {
            var p = o.On && volts > 0 ? o.NominalPowerW * o.NoiseFactor : 0;
            o.PowerW = p;
            o.Current = volts > 0 ? p / (volts * Options.PowerFactor) : 0;
            o.EnergyWh += p * hours;
            total += p;
            current += o.Current;
        }

        PowerW = total;
        Current = current;
        EnergyWh += total * hours;
    }

#pragma warning disable CA5394 // Simulation noise, not security: a seeded Random is required for reproducible runs.
    private static double Draw(Random random) => random.NextDouble();
#pragma warning restore CA5394
}

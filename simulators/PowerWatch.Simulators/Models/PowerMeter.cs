namespace PowerWatch.Simulators;

/// <summary>Where the power meter sits in the chain.</summary>
public enum MeterLocation
{
    /// <summary>On the ATS output, i.e. the UPS input.</summary>
    AtsOutput,

    /// <summary>On the utility feed (source 1 of the ATS).</summary>
    Utility,
}

/// <summary>Power meter options (SDM-like, SPEC-DEVICES §4).</summary>
public sealed class MeterOptions
{
    public string Name { get; set; } = "meter";

    public MeterLocation Location { get; set; } = MeterLocation.AtsOutput;
}

/// <summary>
/// A single-phase view of an SDM-class meter: voltage, current, active/apparent/reactive power, power factor,
/// frequency and imported energy of its feed. A face may present these on L1 and leave L2/L3 at zero.
/// </summary>
public sealed class PowerMeter
{
    internal PowerMeter(MeterOptions options) => Options = options;

    public MeterOptions Options { get; }

    public string Name => Options.Name;

    public double Voltage { get; private set; }

    public double Current { get; private set; }

    public double PowerW { get; private set; }

    public double ApparentPowerVa { get; private set; }

    public double ReactivePowerVar { get; private set; }

    public double PowerFactor { get; private set; }

    public double Frequency { get; private set; }

    public double ImportEnergyKwh { get; private set; }

    internal void Step(TimeSpan dt, double volts, double hertz, double watts, double powerFactor)
    {
        Voltage = volts;
        Frequency = volts > 0 ? hertz : 0;
        PowerW = volts > 0 ? watts : 0;
        PowerFactor = PowerW > 0 ? powerFactor : 1;
        ApparentPowerVa = PowerW / PowerFactor;
        ReactivePowerVar = Math.Sqrt(Math.Max(0, (ApparentPowerVa * ApparentPowerVa) - (PowerW * PowerW)));
        Current = volts > 0 ? ApparentPowerVa / volts : 0;
        ImportEnergyKwh += PowerW / 1000 * dt.TotalHours;
    }
}

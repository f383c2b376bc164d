namespace PowerWatch.Agent.Inputs.MegatecQ1;

/// <summary>
/// Options of the Megatec Q1 input, named after NUT's nutdrv_qx options (SPEC §5) so a NUT configuration
/// translates one to one.
/// </summary>
internal sealed class MegatecQ1Options
{
    /// <summary>
    /// NUT <c>runtimecal = rh,lh,rl,ll</c>: runtime rh seconds at load lh %, rl seconds at ll % (e.g.
    /// <c>240,100,720,50</c>). When set, battery.charge and battery.runtime are integrated from load over time;
    /// when null, battery.charge comes from voltage alone and battery.runtime is not published.
    /// </summary>
    public string? RuntimeCal { get; set; }

    /// <summary>NUT <c>battery.packs</c>: multiplier from the reported battery voltage to the pack voltage; null = auto-detect from the F rating.</summary>
    public double? BatteryPacks { get; set; }

    /// <summary>NUT <c>chargetime</c>: time to recharge from empty (runtimecal mode).</summary>
    public TimeSpan ChargeTime { get; set; } = TimeSpan.FromSeconds(43200);

    /// <summary>NUT <c>idleload</c>, %: the smallest load the runtime model assumes (runtimecal mode).</summary>
    public double IdleLoad { get; set; } = 10;

    /// <summary>NUT <c>ignoresab</c>: ignore the "shutdown active" bit b1 (firmwares that set it spuriously).</summary>
    public bool IgnoreShutdownBit { get; set; }

    /// <summary>Parses <see cref="RuntimeCal"/>; throws <see cref="FormatException"/> naming the key when malformed.</summary>
    internal RuntimeCalibration? ParseRuntimeCal()
    {
        if (string.IsNullOrWhiteSpace(RuntimeCal))
        {
            return null;
        }

        var parts = RuntimeCal.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[4];
        if (parts.Length != 4 || !parts.Select((p, i) => double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out values[i]) && values[i] > 0).All(ok => ok))
        {
            throw new FormatException($"MegatecQ1:RuntimeCal '{RuntimeCal}' must be four positive numbers 'rh,lh,rl,ll' (e.g. 240,100,720,50)");
        }

        if (values[1] == values[3] || values[0] == values[2])
        {
            throw new FormatException($"MegatecQ1:RuntimeCal '{RuntimeCal}' needs two different loads and two different runtimes");
        }

        return new RuntimeCalibration(values[0], values[1], values[2], values[3]);
    }
}

/// <summary>NUT runtimecal: runtime <paramref name="RuntimeHigh"/> s at <paramref name="LoadHigh"/> %, <paramref name="RuntimeLow"/> s at <paramref name="LoadLow"/> %.</summary>
internal readonly record struct RuntimeCalibration(double RuntimeHigh, double LoadHigh, double RuntimeLow, double LoadLow)
{
    /// <summary>ln(rl/rh) / ln(lh/ll) (SPEC §5; 1.585 for 240,100,720,50).</summary>
    public double Exponent => Math.Log(RuntimeLow / RuntimeHigh) / Math.Log(LoadHigh / LoadLow);

    /// <summary>Full-load nominal runtime, s: rh × (lh/100)^exponent.</summary>
    public double NominalRuntime => RuntimeHigh * Math.Pow(LoadHigh / 100, Exponent);
}

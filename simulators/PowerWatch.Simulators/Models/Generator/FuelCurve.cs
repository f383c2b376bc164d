namespace PowerWatch.Simulators;

/// <summary>One point of the specific-fuel-consumption table.</summary>
/// <param name="LoadFraction">Load as a fraction of rated power (0.25 = 25 %).</param>
/// <param name="LitresPerKilowattHour">Specific fuel consumption at that load, L/kWh.</param>
public sealed record FuelPoint(double LoadFraction, double LitresPerKilowattHour);

/// <summary>
/// Diesel fuel burn by load, interpolated linearly in the table of SPEC-DEVICES §7 (reactfueling.com):
/// 0.35 L/kWh at 25 %, 0.30 at 50 %, 0.26 at 75 %, 0.24 at 100 %. Outside the table the end values hold. An idling
/// or lightly loaded engine is billed as if it made at least <c>idleFraction</c> of its rated power.
/// </summary>
public static class FuelCurve
{
    public static IReadOnlyList<FuelPoint> Default { get; } =
    [
        new(0.25, 0.35),
        new(0.50, 0.30),
        new(0.75, 0.26),
        new(1.00, 0.24),
    ];

    /// <summary>Specific fuel consumption at a load fraction, L/kWh.</summary>
    public static double SpecificConsumption(IReadOnlyList<FuelPoint> table, double loadFraction)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Count == 0)
        {
            throw new ArgumentException("the fuel table is empty", nameof(table));
        }

        if (loadFraction <= table[0].LoadFraction)
        {
            return table[0].LitresPerKilowattHour;
        }

        for (var i = 1; i < table.Count; i++)
        {
            var hi = table[i];
            if (loadFraction <= hi.LoadFraction)
            {
                var lo = table[i - 1];
                var t = (loadFraction - lo.LoadFraction) / (hi.LoadFraction - lo.LoadFraction);
                return lo.LitresPerKilowattHour + (t * (hi.LitresPerKilowattHour - lo.LitresPerKilowattHour));
            }
        }

        return table[^1].LitresPerKilowattHour;
    }

    /// <summary>Fuel rate in L/h for <paramref name="kilowatts"/> out of <paramref name="ratedKilowatts"/>.</summary>
    public static double LitresPerHour(IReadOnlyList<FuelPoint> table, double kilowatts, double ratedKilowatts, double idleFraction)
    {
        var billed = Math.Max(kilowatts, idleFraction * ratedKilowatts);
        return SpecificConsumption(table, kilowatts / ratedKilowatts) * billed;
    }
}

namespace PowerWatch.Simulators;

/// <summary>
/// Whole-UPS runtime at full charge as a function of load, t(L) = t100 · L^−n (SPEC-DEVICES §7: Peukert-style curve
/// fitted to two data-sheet points, as NUT's <c>runtimecal</c> does: n = ln(t2/t1) / ln(L1/L2)).
/// </summary>
/// <param name="FullLoadRuntime">t100: runtime at 100 % load with a full battery.</param>
/// <param name="Exponent">n.</param>
public sealed record RuntimeCurve(TimeSpan FullLoadRuntime, double Exponent)
{
    /// <summary>Fits the curve exactly through (load1, runtime1) and (load2, runtime2); loads as fractions.</summary>
    public static RuntimeCurve FromTwoPoints(double load1, TimeSpan runtime1, double load2, TimeSpan runtime2)
    {
        if (!(load1 > 0) || !(load2 > 0) || load1 == load2)
        {
            throw new ArgumentException("the two loads must be distinct and positive");
        }

        if (runtime1 <= TimeSpan.Zero || runtime2 <= TimeSpan.Zero)
        {
            throw new ArgumentException("runtimes must be positive");
        }

        var n = Math.Log(runtime2.TotalSeconds / runtime1.TotalSeconds) / Math.Log(load1 / load2);
        var t100 = runtime1.TotalSeconds * Math.Pow(load1, n);
        return new RuntimeCurve(TimeSpan.FromSeconds(t100), n);
    }

    /// <summary>Runtime in seconds at a load fraction with a full battery.</summary>
    public double SecondsAt(double loadFraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(loadFraction);
        return FullLoadRuntime.TotalSeconds * Math.Pow(loadFraction, -Exponent);
    }
}

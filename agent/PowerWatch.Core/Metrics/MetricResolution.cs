namespace PowerWatch.Core;

/// <summary>
/// How precisely a number leaves the agent (status API, MQTT payloads, the status page's trends): rounded to the
/// decimals of its unit (below), then written in the shortest form that reads back as the same double, so a value
/// is <c>25.4</c>, never <c>25.400000000000002</c>. The decimals are finer than any register scale of the shipped
/// profiles and any instrument's accuracy in that unit: rounding removes binary-float tails, not information.
/// </summary>
public static class MetricResolution
{
    /// <summary>Decimals kept per unit; a unit not listed (or none) keeps <see cref="DefaultDecimals"/>.</summary>
    public static IReadOnlyDictionary<string, int> DecimalsByUnit { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["%"] = 2,
        ["s"] = 1,
        ["h"] = 2,
        ["V"] = 2,
        ["A"] = 3,
        ["Hz"] = 2,
        ["W"] = 1,
        ["VA"] = 1,
        ["var"] = 1,
        ["°C"] = 1,
        ["kW"] = 3,
        ["Wh"] = 0,
        ["kWh"] = 3,
        ["kvarh"] = 3,
        ["rpm"] = 1,
        ["kPa"] = 1,
        ["ms"] = 1,
    };

    /// <summary>Decimals of a unit without an entry (dimensionless: power factor, counts, ratios).</summary>
    public const int DefaultDecimals = 3;

    /// <summary>The decimals kept for <paramref name="unit"/>.</summary>
    public static int Decimals(string? unit) =>
        unit is not null && DecimalsByUnit.TryGetValue(unit, out var decimals) ? decimals : DefaultDecimals;

    /// <summary><paramref name="value"/> rounded (half away from zero) to the decimals of <paramref name="unit"/>; non-finite values unchanged.</summary>
    public static double Round(string? unit, double value) =>
        double.IsFinite(value) ? Math.Round(value, Decimals(unit), MidpointRounding.AwayFromZero) : value;
}

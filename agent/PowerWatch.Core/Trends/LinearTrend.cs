namespace PowerWatch.Core.Trends;

/// <summary>
/// The least-squares straight line through time-stamped values, time in seconds from the first point. Pure.
/// Used for alert rate and projection rules, the generator's fuel burn and the observed battery discharge.
/// </summary>
/// <param name="Slope">Change per second (0 with fewer than two distinct instants).</param>
/// <param name="ValueAtLast">The line's value at the last point's instant (the one value itself for one point; 0 for none).</param>
/// <param name="Count">How many points were fitted.</param>
/// <param name="Span">From the first point to the last.</param>
internal readonly record struct LinearTrend(double Slope, double ValueAtLast, int Count, TimeSpan Span)
{
    public static LinearTrend Of(IReadOnlyList<(DateTimeOffset At, double Value)> points) => Of(points, static p => p);

    /// <summary>Fits the points <paramref name="sample"/> picks out of <paramref name="items"/>.</summary>
    public static LinearTrend Of<T>(IReadOnlyList<T> items, Func<T, (DateTimeOffset At, double Value)> sample)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(sample);
        if (items.Count == 0)
        {
            return default;
        }

        var t0 = sample(items[0]).At;
        double n = items.Count, st = 0, sv = 0, stt = 0, stv = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var (at, value) = sample(items[i]);
            var t = (at - t0).TotalSeconds;
            st += t;
            sv += value;
            stt += t * t;
            stv += t * value;
        }

        var denominator = (n * stt) - (st * st);
        var slope = denominator == 0 ? 0 : ((n * stv) - (st * sv)) / denominator;
        var span = sample(items[^1]).At - t0;
        var valueAtLast = (sv / n) + (slope * (span.TotalSeconds - (st / n)));
        return new LinearTrend(slope, valueAtLast, items.Count, span);
    }
}

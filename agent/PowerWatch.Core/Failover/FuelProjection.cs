using PowerWatch.Core.Trends;

namespace PowerWatch.Core.Failover;

/// <summary>
/// How long a running generator's fuel lasts at its current burn, from its fuel-level readings (percent of the tank).
/// Controllers often report the level in whole percent (DSE GenComm does): a straight line through an hour of such
/// readings sees one step or none, and says nonsense ("0.01 %/h"). For whole-percent readings the burn is taken from
/// the times the reading stepped down (one percent per step interval), and the level now from the last step: a reading
/// that has just turned to L crossed L + 0.5, and has burned since. Fractional readings keep the least-squares line.
/// </summary>
internal static class FuelProjection
{
    /// <summary>Steps kept per generator: the burn is measured across them.</summary>
    public const int StepsKept = 4;

    /// <summary>Hours left, burn in % per hour and the level now in %; null when the burn cannot be told yet.</summary>
    /// <param name="samples">Recent (time, level %) readings, oldest first.</param>
    /// <param name="steps">The times the reading went down and the level it went to, oldest first (at most <see cref="StepsKept"/>).</param>
    /// <param name="now">The evaluation time.</param>
    public static (double Hours, double BurnPerHour, double Level)? Estimate(
        IReadOnlyList<(DateTimeOffset At, double Value)> samples, IReadOnlyList<(DateTimeOffset At, double Level)> steps, DateTimeOffset now)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        var wholePercent = samples.All(p => p.Value == Math.Floor(p.Value));
        if (wholePercent && steps.Count >= 2 && steps[^1].At > steps[0].At)
        {
            var burn = (steps[0].Level - steps[^1].Level) / (steps[^1].At - steps[0].At).TotalHours;
            if (burn > 0)
            {
                var level = Math.Max(0, steps[^1].Level + 0.5 - (burn * (now - steps[^1].At).TotalHours));
                return (level / burn, burn, level);
            }
        }

        var perHour = -LinearTrend.Of(samples).Slope * 3600;
        var last = samples[^1].Value;
        return perHour > 0.01 ? (last / perHour, perHour, last) : null;
    }

    /// <summary>Records a new reading in <paramref name="steps"/>: a step down is kept, a rise (a refill) forgets them.</summary>
    public static void Track(List<(DateTimeOffset At, double Level)> steps, double? previous, DateTimeOffset at, double level)
    {
        if (previous is not { } p)
        {
            return;
        }

        if (level < p)
        {
            steps.Add((at, level));
            if (steps.Count > StepsKept)
            {
                steps.RemoveAt(0);
            }
        }
        else if (level > p)
        {
            steps.Clear();
        }
    }
}

using PowerWatch.Core.Failover;

namespace PowerWatch.Core.Tests.Failover;

public sealed class FuelProjectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A tank burning <paramref name="burn"/> %/h from <paramref name="start"/> %, read every minute as the controller shows it.</summary>
    private static (List<(DateTimeOffset, double)> Samples, List<(DateTimeOffset, double)> Steps) Run(double start, double burn, double hours, Func<double, double> display)
    {
        var samples = new List<(DateTimeOffset, double)>();
        var steps = new List<(DateTimeOffset At, double Level)>();
        double? previous = null;
        for (var m = 0; m <= hours * 60; m++)
        {
            var at = T0.AddMinutes(m);
            var shown = display(Math.Max(0, start - (burn * m / 60)));
            FuelProjection.Track(steps, previous, at, shown);
            previous = shown;
            samples.Add((at, shown));
            samples.RemoveAll(p => p.Item1 < at.AddHours(-2));
        }

        return (samples, steps);
    }

    [Fact]
    public void Whole_percent_readings_give_the_burn_from_the_step_times_and_the_level_from_the_last_step()
    {
        // 2.5 % at 0.366 %/h (the low-fuel scenario): 6.83 h of fuel. At 5.5 h the controller shows 0 % since ~5.46 h.
        var (samples, steps) = Run(2.5, 0.366, 5.5, Math.Round);
        var p = FuelProjection.Estimate(samples, steps, samples[^1].Item1);
        Assert.NotNull(p);
        Assert.InRange(p.Value.BurnPerHour, 0.33, 0.40);
        Assert.InRange(p.Value.Hours, 1.1, 1.6); // true: 1.33 h
        Assert.InRange(p.Value.Level, 0.3, 0.6);
    }

    [Fact]
    public void Fractional_readings_use_the_least_squares_line()
    {
        var (samples, steps) = Run(50, 2, 2, x => Math.Round(x, 2));
        var p = FuelProjection.Estimate(samples, steps, samples[^1].Item1);
        Assert.NotNull(p);
        Assert.InRange(p.Value.BurnPerHour, 1.95, 2.05);
        Assert.InRange(p.Value.Hours, 22.5, 23.5); // 46 % at 2 %/h
    }

    [Fact]
    public void Whole_percent_readings_with_fewer_than_two_steps_fall_back_to_the_line_and_a_flat_line_says_nothing()
    {
        var (samples, steps) = Run(40.4, 0.2, 1.5, Math.Round);
        Assert.True(steps.Count < 2);
        Assert.Null(FuelProjection.Estimate(samples[^10..], steps, samples[^1].Item1));
    }

    [Fact]
    public void A_rise_in_the_reading_is_a_refill_and_forgets_the_steps()
    {
        var steps = new List<(DateTimeOffset At, double Level)>();
        FuelProjection.Track(steps, 10, T0, 9);
        FuelProjection.Track(steps, 9, T0.AddHours(1), 8);
        Assert.Equal(2, steps.Count);
        FuelProjection.Track(steps, 8, T0.AddHours(2), 60);
        Assert.Empty(steps);
    }
}

using PowerWatch.Core.Trends;

namespace PowerWatch.Core.Tests;

public sealed class LinearTrendTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static (DateTimeOffset At, double Value) P(double seconds, double value) => (T0.AddSeconds(seconds), value);

    [Fact]
    public void No_points_fit_nothing()
    {
        Assert.Equal(default, LinearTrend.Of([]));
    }

    [Fact]
    public void One_point_is_flat_at_its_value()
    {
        var trend = LinearTrend.Of([P(5, 42)]);
        Assert.Equal(new LinearTrend(0, 42, 1, TimeSpan.Zero), trend);
    }

    [Fact]
    public void Points_on_a_line_give_its_slope_and_last_value()
    {
        var trend = LinearTrend.Of([P(0, 100), P(10, 90), P(20, 80), P(30, 70)]);
        Assert.Equal(-1, trend.Slope, 12);
        Assert.Equal(70, trend.ValueAtLast, 12);
        Assert.Equal(4, trend.Count);
        Assert.Equal(TimeSpan.FromSeconds(30), trend.Span);
    }

    [Fact]
    public void Noisy_points_give_the_least_squares_line()
    {
        // x = 0, 1, 2, 3; y = 1, 3, 2, 4: slope = (4·20 − 6·10) / (4·14 − 36) = 0.8, intercept 1.3, at x = 3: 3.7.
        var trend = LinearTrend.Of([P(0, 1), P(1, 3), P(2, 2), P(3, 4)]);
        Assert.Equal(0.8, trend.Slope, 12);
        Assert.Equal(3.7, trend.ValueAtLast, 12);
    }

    [Fact]
    public void Points_at_one_instant_have_no_slope()
    {
        var trend = LinearTrend.Of([P(7, 1), P(7, 3)]);
        Assert.Equal(0, trend.Slope);
        Assert.Equal(2, trend.ValueAtLast, 12);
    }

    [Fact]
    public void A_selector_fits_one_value_out_of_wider_samples()
    {
        List<(DateTimeOffset At, double Charge, double Load)> samples = [(T0, 100, 50), (T0.AddSeconds(60), 94, 55)];
        var trend = LinearTrend.Of(samples, static s => (s.At, s.Charge));
        Assert.Equal(-0.1, trend.Slope, 12);
    }
}

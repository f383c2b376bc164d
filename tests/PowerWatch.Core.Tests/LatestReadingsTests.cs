namespace PowerWatch.Core.Tests;

public sealed class LatestReadingsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Reading R(string metric, ReadingValue value, Quality quality = Quality.Good) =>
        new("ups", metric, value, "", T0, quality, 1);

    [Fact]
    public void A_new_reading_replaces_the_last_one_and_other_metrics_keep_theirs()
    {
        var latest = new LatestReadings();
        latest.Record(T0, [R("battery.charge", ReadingValue.FromNumber(90)), R("ups.load", ReadingValue.FromNumber(40))]);
        latest.Record(T0.AddSeconds(1), [R("battery.charge", ReadingValue.FromNumber(89))]);

        Assert.Equal(89, latest.Number("battery.charge"));
        Assert.Equal(40, latest.Number("ups.load"));
        Assert.Equal(2, latest.ToList().Count);
        Assert.Equal(T0.AddSeconds(1), latest.LastHeard);
    }

    [Fact]
    public void Never_heard_until_recorded_unless_given_a_start()
    {
        Assert.Null(new LatestReadings().LastHeard);
        Assert.Equal(T0, new LatestReadings(T0).LastHeard);
    }

    [Fact]
    public void Typed_values_are_only_good_readings_of_that_type()
    {
        var latest = new LatestReadings();
        latest.Record(T0,
        [
            R("a", ReadingValue.FromNumber(1)),
            R("b", ReadingValue.FromBoolean(true)),
            R("c", ReadingValue.FromText("OL")),
            R("d", ReadingValue.FromNumber(2), Quality.Stale),
        ]);

        Assert.Equal(1, latest.Number("a"));
        Assert.Null(latest.Boolean("a"));
        Assert.True(latest.Boolean("b"));
        Assert.Equal("OL", latest.Text("c"));
        Assert.Null(latest.Number("d"));
        Assert.True(latest.TryGet("d", out var stale));
        Assert.Equal(Quality.Stale, stale.Quality);
        Assert.False(latest.TryGet("missing", out _));
    }
}

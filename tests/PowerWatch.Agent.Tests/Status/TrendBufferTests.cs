using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Status;
using PowerWatch.Core;

namespace PowerWatch.Agent.Tests.Status;

public sealed class TrendBufferTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Trended_values_are_rounded_to_their_units_resolution()
    {
        var buffer = new TrendBuffer();
        buffer.Record("ups", "battery.runtime", "s", 17.568991065402635, T0);
        buffer.Record("gen", "generator.voltage.l1n", "V", 25.400000000000002, T0);
        var values = buffer.Snapshot(T0.AddSeconds(1)).ToDictionary(s => s.Metric, s => Assert.Single(s.V));
        Assert.Equal(17.6, values["battery.runtime"]);
        Assert.Equal(25.4, values["generator.voltage.l1n"]);
    }

    [Fact]
    public void Later_value_in_the_same_ten_second_slot_replaces_the_earlier_one()
    {
        var buffer = new TrendBuffer();
        buffer.Record("ups", "battery.charge", "%", 90, T0);
        buffer.Record("ups", "battery.charge", "%", 89, T0.AddSeconds(9));
        buffer.Record("ups", "battery.charge", "%", 88, T0.AddSeconds(10));

        var series = Assert.Single(buffer.Snapshot(T0.AddSeconds(11)));
        Assert.Equal([T0.ToUnixTimeMilliseconds(), T0.AddSeconds(10).ToUnixTimeMilliseconds()], series.T);
        Assert.Equal([89d, 88d], series.V);
        Assert.Equal("%", series.Unit);
    }

    [Fact]
    public void A_series_holds_at_most_one_hour_of_ten_second_samples()
    {
        var buffer = new TrendBuffer();
        for (var i = 0; i < 1_000; i++)
        {
            buffer.Record("ups", "ups.load", "%", i, T0.AddSeconds(10 * i));
        }

        var now = T0.AddSeconds(10 * 999);
        var series = Assert.Single(buffer.Snapshot(now));
        Assert.Equal(TrendBuffer.SamplesPerSeries, series.T.Count);
        Assert.Equal(999d, series.V[^1]);
        Assert.True(now.ToUnixTimeMilliseconds() - series.T[0] < TrendBuffer.Window.TotalMilliseconds);
    }

    [Fact]
    public void Samples_older_than_an_hour_age_out_of_the_snapshot()
    {
        var buffer = new TrendBuffer();
        buffer.Record("gen", "generator.frequency", "Hz", 50, T0);
        buffer.Record("gen", "generator.frequency", "Hz", 50.1, T0.AddMinutes(30));

        Assert.Equal(2, Assert.Single(buffer.Snapshot(T0.AddMinutes(59))).T.Count);
        Assert.Single(Assert.Single(buffer.Snapshot(T0.AddMinutes(61))).T);
        Assert.Empty(buffer.Snapshot(T0.AddMinutes(91)));
    }

    [Fact]
    public void Null_and_non_finite_values_are_kept_as_gaps()
    {
        var buffer = new TrendBuffer();
        buffer.Record("ups", "failover.margin", "s", 120, T0);
        buffer.Record("ups", "failover.margin", "s", null, T0.AddSeconds(10));
        buffer.Record("ups", "failover.margin", "s", double.NaN, T0.AddSeconds(20));

        Assert.Equal([120d, null, null], Assert.Single(buffer.Snapshot(T0.AddSeconds(30))).V);
    }

    [Fact]
    public void Series_beyond_the_bound_are_refused_and_counted()
    {
        var buffer = new TrendBuffer();
        for (var i = 0; i < TrendBuffer.MaxSeries + 3; i++)
        {
            buffer.Record("pdu-" + i, "ups.load", "%", 1, T0);
        }

        Assert.Equal(TrendBuffer.MaxSeries, buffer.Snapshot(T0).Count);
        Assert.Equal(3, buffer.Refused);
    }

    [Fact]
    public void Only_good_numeric_trended_readings_of_a_poll_result_are_recorded()
    {
        var buffer = new TrendBuffer();
        Reading R(string metric, ReadingValue value, Quality quality) => new("ups", metric, value, "%", T0, quality, 1);
        var result = new PollResult("ups", "ups", "m", T0, 1, Quality.Good,
        [
            R("battery.charge", ReadingValue.FromNumber(80), Quality.Good),
            R("ups.load", ReadingValue.FromNumber(40), Quality.Stale),
            R("battery.voltage", ReadingValue.FromNumber(54), Quality.Good),
            R("ups.model", ReadingValue.FromText("Smart-UPS"), Quality.Good),
        ]);

        TrendService.Observe(buffer, result);

        var series = Assert.Single(buffer.Snapshot(T0));
        Assert.Equal("battery.charge", series.Metric);
        Assert.Equal([80d], series.V);
    }
}

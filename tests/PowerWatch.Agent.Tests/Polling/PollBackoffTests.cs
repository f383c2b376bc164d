using PowerWatch.Agent.Polling;

namespace PowerWatch.Agent.Tests.Polling;

public sealed class PollBackoffTests
{
    [Fact]
    public void Delay_doubles_from_the_poll_interval_up_to_the_cap_then_probes()
    {
        var b = new PollBackoff { Jitter = 0, MaxBackoff = TimeSpan.FromSeconds(5), OpenCircuitAfter = 5, ProbeInterval = TimeSpan.FromSeconds(30) };
        var delays = Enumerable.Range(1, 6).Select(n => b.Delay(TimeSpan.FromSeconds(1), n).TotalSeconds).ToList();
        Assert.Equal([1, 2, 4, 5, 30, 30], delays);
    }

    [Fact]
    public void Jittered_delays_stay_within_the_jitter_and_are_spread()
    {
        var b = new PollBackoff { Jitter = 0.2 };
        var delays = Enumerable.Range(0, 500).Select(_ => b.Delay(TimeSpan.FromSeconds(2), 1).TotalSeconds).ToList();
        Assert.All(delays, d => Assert.InRange(d, 1.6, 2.4));
        Assert.True(delays.Distinct().Count() > 100, "jitter should spread the delays");
        var probes = Enumerable.Range(0, 200).Select(_ => b.Delay(TimeSpan.FromSeconds(1), b.OpenCircuitAfter).TotalSeconds).ToList();
        Assert.All(probes, d => Assert.InRange(d, 24, 36));
    }

    [Fact]
    public async Task One_random_shared_by_concurrent_pollers_keeps_its_jitter()
    {
        // System.Random is not thread-safe: used unguarded from many threads it can collapse to 0 (delay 0.8 s flat).
        var b = new PollBackoff { Jitter = 0.2 };
        var shared = new Random(7);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 20_000).Select(_ => b.Delay(TimeSpan.FromSeconds(1), 1, shared).TotalSeconds).ToList())));
        var all = results.SelectMany(r => r).ToList();
        Assert.All(all, d => Assert.InRange(d, 0.8, 1.2));
        Assert.True(all.Count(d => d == 0.8) < all.Count / 100, "the shared random collapsed to 0");
        Assert.InRange(all.Average(), 0.98, 1.02);
    }

    [Fact]
    public void A_poll_interval_above_the_cap_is_not_shortened()
    {
        var b = new PollBackoff { Jitter = 0, MaxBackoff = TimeSpan.FromSeconds(30) };
        Assert.Equal(TimeSpan.FromMinutes(1), b.Delay(TimeSpan.FromMinutes(1), 1));
    }
}

using PowerWatch.Shared;

namespace PowerWatch.Mqtt.Tests;

// The shared back-off (agent/Shared/Backoff.cs) is linked into several projects; it is tested once, here.
public sealed class BackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Fact]
    public void Nominal_delay_doubles_per_attempt_up_to_the_cap()
    {
        var backoff = new Backoff(Initial, Max, jitter: 0);
        double[] seconds = [.. Enumerable.Range(0, 8).Select(a => backoff.Nominal(a).TotalSeconds)];
        Assert.Equal([1.0, 2, 4, 8, 16, 30, 30, 30], seconds);
        Assert.Equal(Max, backoff.Nominal(int.MaxValue));
    }

    [Fact]
    public void Without_jitter_the_delay_is_the_nominal_delay()
    {
        var backoff = new Backoff(Initial, Max, jitter: 0, random: new Random(1));
        for (var attempt = 0; attempt < 10; attempt++)
        {
            Assert.Equal(backoff.Nominal(attempt), backoff.Delay(attempt));
        }
    }

    [Fact]
    public void Symmetric_jitter_stays_within_the_fraction_either_side_and_never_above_the_cap()
    {
        var backoff = new Backoff(Initial, Max, jitter: 0.2, random: new Random(1234));
        var seen = new HashSet<TimeSpan>();
        for (var i = 0; i < 2_000; i++)
        {
            var attempt = i % 8;
            var nominal = backoff.Nominal(attempt).TotalSeconds;
            var d = backoff.Delay(attempt);
            Assert.InRange(d.TotalSeconds, nominal * 0.8, Math.Min(nominal * 1.2, Max.TotalSeconds));
            seen.Add(d);
        }

        Assert.True(seen.Count > 100, "jitter should vary the delays");
        Assert.Contains(seen, d => d > TimeSpan.FromSeconds(1) && d < TimeSpan.FromSeconds(1.2));
        Assert.Contains(seen, d => d < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Shorten_only_jitter_never_lengthens_a_delay()
    {
        var backoff = new Backoff(Initial, Max, jitter: 0.5, BackoffJitter.ShortenOnly, new Random(99));
        for (var i = 0; i < 2_000; i++)
        {
            var attempt = i % 8;
            var nominal = backoff.Nominal(attempt).TotalSeconds;
            Assert.InRange(backoff.Delay(attempt).TotalSeconds, nominal * 0.5, nominal);
        }
    }

    [Fact]
    public void A_delay_is_never_below_the_minimum()
    {
        var backoff = new Backoff(TimeSpan.FromTicks(1), Max, jitter: 0.9, random: new Random(7), minimum: TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(backoff.Delay(0) >= TimeSpan.FromMilliseconds(1));
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_delays()
    {
        var a = new Backoff(Initial, Max, 0.2, random: new Random(5));
        var b = new Backoff(Initial, Max, 0.2, random: new Random(5));
        Assert.Equal(Enumerable.Range(0, 20).Select(a.Delay), Enumerable.Range(0, 20).Select(b.Delay));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Concurrent_use_of_one_instance_does_not_collapse_the_jitter_to_zero(bool seeded)
    {
        // An unsynchronised Random shared by threads can corrupt its state and return 0 for ever after.
        var backoff = new Backoff(Initial, Max, jitter: 0.2, random: seeded ? new Random(42) : null);
        var results = new TimeSpan[8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = results.Length }, t =>
        {
            var mine = new TimeSpan[20_000];
            for (var i = 0; i < mine.Length; i++)
            {
                mine[i] = backoff.Delay(0);
            }

            results[t] = mine;
        });

        foreach (var mine in results)
        {
            Assert.All(mine, d => Assert.InRange(d.TotalSeconds, 0.8, 1.2));
            Assert.True(mine.Distinct().Count() > 1_000, "each thread should still see varied jitter");
            Assert.True(mine[^100..].Distinct().Count() > 50, "jitter must not get stuck late in the run");
        }
    }

    [Fact]
    public void Invalid_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(Initial, Max, jitter: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(Initial, Max, jitter: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(Max, Initial, jitter: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(Initial, Max, jitter: 0).Nominal(-1));
    }
}

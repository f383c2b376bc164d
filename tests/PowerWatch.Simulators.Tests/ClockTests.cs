using PowerWatch.Simulators;
using PowerWatch.TestSupport;

namespace PowerWatch.Simulators.Tests;

public sealed class ClockTests
{
    [Fact]
    public void Live_clock_runs_speed_times_faster_than_its_base()
    {
        var baseTime = new ManualTimeProvider();
        var clock = SimulationClock.CreateLive(baseTime, 60);

        baseTime.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.FromMinutes(2), clock.Elapsed);
        Assert.Equal(SimulationClock.DefaultStart + TimeSpan.FromMinutes(2), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(2), clock.GetElapsedTime(0));
    }

    [Fact]
    public void Live_clock_timers_fire_after_the_scaled_base_time()
    {
        var baseTime = new ManualTimeProvider();
        var clock = SimulationClock.CreateLive(baseTime, 10);
        var delay = Task.Delay(TimeSpan.FromSeconds(30), clock);

        baseTime.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(delay.IsCompleted);
        baseTime.Advance(TimeSpan.FromSeconds(0.1));

        Assert.True(delay.IsCompleted);
    }

    [Fact]
    public void Live_clock_cancels_after_virtual_time()
    {
        var baseTime = new ManualTimeProvider();
        var clock = SimulationClock.CreateLive(baseTime, 100);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(100), clock);

        baseTime.Advance(TimeSpan.FromSeconds(0.99));
        Assert.False(cts.IsCancellationRequested);
        baseTime.Advance(TimeSpan.FromSeconds(0.01));

        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public void Stepped_clock_fires_timers_in_due_order_and_periodically()
    {
        var clock = SimulationClock.CreateStepped();
        var fired = new List<string>();
        using var late = clock.CreateTimer(_ => fired.Add("late"), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add($"early@{clock.Elapsed.TotalSeconds}"), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

        clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(["early@2", "early@4", "late", "early@6"], fired);
        Assert.Equal(TimeSpan.FromSeconds(6), clock.Elapsed);
    }

    [Fact]
    public void Live_clock_cannot_be_advanced_by_hand()
    {
        var clock = SimulationClock.CreateLive(new ManualTimeProvider(), 2);

        Assert.Throws<InvalidOperationException>(() => clock.Advance(TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SimulationClock.CreateLive(new ManualTimeProvider(), 0));
    }

    [Fact]
    public async Task Live_site_integrates_up_to_the_virtual_time_of_its_clock()
    {
        var baseTime = new ManualTimeProvider();
        var clock = SimulationClock.CreateLive(baseTime, 100);
        var site = Site.Create(clock: clock);
        site.Utility.Fail();
        using var cts = new CancellationTokenSource();
        var run = site.RunLiveAsync(Site.DefaultStep, cts.Token);

        // 0.5 s of base time at 100x = 50 s of site time: enough for the ATS to close the start contact (3 s).
        for (var i = 0; i < 10_000 && site.Elapsed < TimeSpan.FromSeconds(50); i++)
        {
            await baseTime.AdvanceInStepsAsync(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));
        }

        await cts.CancelAsync();
        await run;
        Assert.True(site.Elapsed >= TimeSpan.FromSeconds(50));
        Assert.True(site.Elapsed <= clock.Elapsed);
        Assert.True(site.Ats.EngineStartContactClosed);
        Assert.Throws<InvalidOperationException>(() => Site.Create().RunLiveAsync(Site.DefaultStep, CancellationToken.None).GetAwaiter().GetResult());
    }
}

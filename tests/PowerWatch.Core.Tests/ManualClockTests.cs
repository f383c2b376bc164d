using PowerWatch.Core.Time;

namespace PowerWatch.Core.Tests;

public sealed class ManualClockTests
{
    [Fact]
    public void Time_moves_only_when_advanced()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var before = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(before + TimeSpan.FromSeconds(5), clock.GetUtcNow());
    }

    [Fact]
    public void Due_timers_fire_in_due_order_then_arming_order_at_their_own_instant()
    {
        var clock = new ManualClock();
        var start = clock.GetUtcNow();
        var fired = new List<(string Name, TimeSpan At)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow() - start)), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using var first = clock.CreateTimer(_ => fired.Add(("first", clock.GetUtcNow() - start)), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var second = clock.CreateTimer(_ => fired.Add(("second", clock.GetUtcNow() - start)), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal([("first", TimeSpan.FromSeconds(1)), ("second", TimeSpan.FromSeconds(1))], fired);
        Assert.Equal(1, clock.ActiveTimers);
        Assert.True(clock.HasTimerDueIn(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_periodic_timer_fires_once_per_period_passed()
    {
        var clock = new ManualClock();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(3.5));
        Assert.Equal(3, count);
    }
}

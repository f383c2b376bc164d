using PowerWatch.Core.Time;

namespace PowerWatch.TestSupport;

/// <summary>
/// The tests' <see cref="TimeProvider"/>: the product's <see cref="ManualClock"/> (time moves only when a test calls
/// <see cref="ManualClock.Advance"/>; due timers fire in order on the advancing thread), plus stepping helpers.
/// </summary>
public sealed class ManualTimeProvider(DateTimeOffset? start = null) : ManualClock(start)
{
    /// <summary>Advances in steps, letting asynchronous continuations run between steps.</summary>
    public async Task AdvanceInStepsAsync(TimeSpan total, TimeSpan step)
    {
        var moved = TimeSpan.Zero;
        while (moved < total)
        {
            var d = total - moved < step ? total - moved : step;
            Advance(d);
            moved += d;
            await Task.Yield();
        }
    }
}

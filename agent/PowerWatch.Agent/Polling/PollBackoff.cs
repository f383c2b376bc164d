namespace PowerWatch.Agent.Polling;

/// <summary>
/// When to poll a device next after failures: exponential back-off with jitter, capped; after
/// <see cref="OpenCircuitAfter"/> consecutive failures the circuit opens and the device is only probed every
/// <see cref="ProbeInterval"/>, so a dead device cannot keep stalling a shared bus with timeouts.
/// </summary>
public sealed record PollBackoff
{
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public int OpenCircuitAfter { get; init; } = 5;

    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Fraction of the delay added or removed at random (0.2 = ±20 %).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Delay before the next attempt after <paramref name="consecutiveFailures"/> failures (≥ 1).</summary>
    public TimeSpan Delay(TimeSpan interval, int consecutiveFailures, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consecutiveFailures, 1);
        if (consecutiveFailures >= OpenCircuitAfter)
        {
            return Spread(ProbeInterval, random);
        }

        var factor = Math.Pow(2, Math.Min(consecutiveFailures - 1, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(interval.Ticks * factor, MaxBackoff.Ticks));
        return Spread(delay, random);
    }

    public bool IsCircuitOpen(int consecutiveFailures) => consecutiveFailures >= OpenCircuitAfter;

    private TimeSpan Spread(TimeSpan delay, Random random) =>
        TimeSpan.FromTicks((long)(delay.Ticks * (1 + (Jitter * ((random.NextDouble() * 2) - 1)))));
}

using PowerWatch.Shared;

namespace PowerWatch.Agent.Polling;

/// <summary>
/// When to poll a device next after failures: exponential back-off with jitter, capped; after
/// <see cref="OpenCircuitAfter"/> consecutive failures the circuit opens and the device is only probed every
/// <see cref="ProbeInterval"/>, so a dead device cannot keep stalling a shared bus with timeouts. The arithmetic is
/// the one shared <see cref="Backoff"/> (also behind the MQTT reconnect and the InfluxDB retries).
/// </summary>
internal sealed record PollBackoff
{
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public int OpenCircuitAfter { get; init; } = 5;

    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Fraction of the delay added or removed at random (0.2 = ±20 %).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Delay before the next attempt after <paramref name="consecutiveFailures"/> failures (≥ 1).</summary>
    /// <param name="random">Jitter source (used under a lock, so one instance may serve concurrent pollers); <see cref="Random.Shared"/> when null.</param>
    public TimeSpan Delay(TimeSpan interval, int consecutiveFailures, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consecutiveFailures, 1);
        if (consecutiveFailures >= OpenCircuitAfter)
        {
            // The probe interval is not capped by MaxBackoff: jitter spreads it both ways.
            return new Backoff(ProbeInterval, ProbeInterval * (1 + Jitter), Jitter, random: random).Spread(ProbeInterval);
        }

        var max = interval > MaxBackoff ? interval : MaxBackoff;
        return new Backoff(interval, max, Jitter, random: random).Delay(consecutiveFailures - 1);
    }

    public bool IsCircuitOpen(int consecutiveFailures) => consecutiveFailures >= OpenCircuitAfter;
}

using PowerWatch.Shared;

namespace PowerWatch.Mqtt;

/// <summary>What one attempt run by <see cref="MqttReconnectLoop"/> came to.</summary>
public enum MqttReconnectOutcome
{
    /// <summary>Nothing more to do (connected for good, or someone else connected): the loop ends.</summary>
    Stop,

    /// <summary>The attempt failed before connecting: wait the next, longer back-off and try again.</summary>
    Failed,

    /// <summary>The attempt connected and the connection was later lost: start the back-off over and try again.</summary>
    WasConnected,
}

/// <summary>
/// The one reconnect loop of the MQTT code (the client's background reconnect and the agent's MQTT output both run
/// it): runs an attempt, and after each one that did not end the loop waits an exponential back-off with jitter
/// (from the minimum delay doubling to the maximum) under the given <see cref="TimeProvider"/>. Cancellation ends the
/// loop quietly.
/// </summary>
public sealed class MqttReconnectLoop
{
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;

    /// <param name="minDelay">First back-off delay (doubles per failed attempt).</param>
    /// <param name="maxDelay">Longest back-off delay, jitter included (the shortest is 1 ms, or this when less).</param>
    /// <param name="jitter">Fraction of each delay added or removed at random (0.2 = ±20 %), in [0, 1).</param>
    public MqttReconnectLoop(TimeSpan minDelay, TimeSpan maxDelay, double jitter, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var floor = maxDelay < TimeSpan.FromMilliseconds(1) ? maxDelay : TimeSpan.FromMilliseconds(1);
        _backoff = new Backoff(minDelay, maxDelay, jitter, minimum: floor);
        _time = timeProvider;
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it returns <see cref="MqttReconnectOutcome.Stop"/> or
    /// <paramref name="cancellationToken"/> is cancelled, waiting the back-off between attempts (and before the
    /// first when <paramref name="delayFirst"/>).
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task<MqttReconnectOutcome>> attempt, bool delayFirst, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var failures = 0;
        if (delayFirst && !await DelayAsync(failures++, cancellationToken))
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var outcome = await attempt(cancellationToken);
            if (outcome == MqttReconnectOutcome.Stop)
            {
                return;
            }

            if (outcome == MqttReconnectOutcome.WasConnected)
            {
                failures = 0;
            }

            if (!await DelayAsync(failures++, cancellationToken))
            {
                return;
            }
        }
    }

    /// <summary>The back-off before retry <paramref name="attempt"/> (0-based), jitter included.</summary>
    internal TimeSpan NextDelay(int attempt) => _backoff.Delay(attempt);

    private async Task<bool> DelayAsync(int attempt, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(NextDelay(attempt), _time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

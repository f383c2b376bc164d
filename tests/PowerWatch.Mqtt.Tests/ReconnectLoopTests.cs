using PowerWatch.TestSupport;

namespace PowerWatch.Mqtt.Tests;

public sealed class ReconnectLoopTests
{
    [Fact]
    public async Task Delays_double_after_each_failure_and_start_over_after_a_connection()
    {
        var time = new ManualTimeProvider();
        var loop = new MqttReconnectLoop(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), jitter: 0, time);
        MqttReconnectOutcome[] outcomes = [MqttReconnectOutcome.Failed, MqttReconnectOutcome.Failed, MqttReconnectOutcome.WasConnected, MqttReconnectOutcome.Failed, MqttReconnectOutcome.Stop];
        var attempts = new List<DateTimeOffset>();
        var start = time.GetUtcNow();
        var run = loop.RunAsync(_ =>
        {
            attempts.Add(time.GetUtcNow());
            return Task.FromResult(outcomes[attempts.Count - 1]);
        }, delayFirst: false, CancellationToken.None);

        // Expected waits after attempts 1..4: 1 s, 2 s, then (connected) 1 s again, 2 s.
        foreach (var wait in new[] { 1, 2, 1, 2 })
        {
            await WaitForTimerAsync(time, TimeSpan.FromSeconds(wait));
            time.Advance(TimeSpan.FromSeconds(wait));
        }

        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([0.0, 1, 3, 4, 6], attempts.Select(a => (a - start).TotalSeconds));
    }

    [Fact]
    public async Task Delay_first_waits_the_first_back_off_before_the_first_attempt()
    {
        var time = new ManualTimeProvider();
        var loop = new MqttReconnectLoop(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8), jitter: 0, time);
        var attempts = 0;
        var run = loop.RunAsync(_ => Task.FromResult(++attempts == 1 ? MqttReconnectOutcome.Stop : MqttReconnectOutcome.Failed), delayFirst: true, CancellationToken.None);
        await WaitForTimerAsync(time, TimeSpan.FromSeconds(2));
        Assert.Equal(0, attempts);
        time.Advance(TimeSpan.FromSeconds(2));
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Cancellation_during_a_back_off_ends_the_loop_quietly()
    {
        var time = new ManualTimeProvider();
        var loop = new MqttReconnectLoop(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), jitter: 0.2, time);
        using var cts = new CancellationTokenSource();
        var run = loop.RunAsync(_ => Task.FromResult(MqttReconnectOutcome.Failed), delayFirst: false, cts.Token);
        while (time.ActiveTimers == 0)
        {
            await Task.Yield();
        }

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(run.IsCompletedSuccessfully);
    }

    [Fact]
    public void Jittered_delays_stay_within_the_bounds()
    {
        var loop = new MqttReconnectLoop(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), jitter: 0.2, new ManualTimeProvider());
        for (var attempt = 0; attempt < 12; attempt++)
        {
            var nominal = Math.Min(60, Math.Pow(2, attempt));
            Assert.InRange(loop.NextDelay(attempt).TotalSeconds, nominal * 0.8, Math.Min(60, nominal * 1.2));
        }
    }

    private static async Task WaitForTimerAsync(ManualTimeProvider time, TimeSpan due)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!time.HasTimerDueIn(due))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no timer due in {due}");
            await Task.Yield();
        }
    }
}

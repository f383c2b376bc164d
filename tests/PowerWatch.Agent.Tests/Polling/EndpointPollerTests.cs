using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Polling;
using PowerWatch.Core;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Polling;

public sealed class EndpointPollerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>A device whose next answer the test decides.</summary>
    private sealed class ScriptedInput : IDeviceInput, IPollRequestingInput
    {
        public event Action<string>? PollRequested;

        public void AskForPoll() => PollRequested?.Invoke("test");

        public bool Fail { get; set; }

        public double Charge { get; set; } = 97;

        public List<PollRequest> Requests { get; } = [];

        public Task<IReadOnlyList<Reading>> PollAsync(PollRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            if (Fail)
            {
                throw new TimeoutException("no answer");
            }

            IReadOnlyList<Reading> readings = [new Reading("ups-a", "battery.charge", ReadingValue.FromNumber(Charge), "%", request.Timestamp, Quality.Good, request.Sequence)];
            return Task.FromResult(readings);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static (EndpointPoller Poller, PolledDevice Device, ScriptedInput Input, ReadingHub Hub, System.Threading.Channels.ChannelReader<PollResult> Results) Make(ManualTimeProvider time)
    {
        var input = new ScriptedInput();
        var state = new DeviceState("ups-a", "ups", "test", "tcp://127.0.0.1:502", Interval);
        var device = new PolledDevice(state, input, TimeSpan.FromHours(1));
        var hub = new ReadingHub();
        var results = hub.Subscribe("test");
        var poller = new EndpointPoller("tcp://127.0.0.1:502", [device], hub, new AgentHealth(time), time, new PollBackoff { Jitter = 0 }, new Random(1), NullLogger.Instance);
        device.NextDue = time.GetUtcNow();
        device.Slot = time.GetUtcNow();
        device.NextSlowDue = time.GetUtcNow();
        return (poller, device, input, hub, results);
    }

    [Fact]
    public async Task Device_becomes_unavailable_after_three_missed_polls_and_values_go_stale()
    {
        var time = new ManualTimeProvider();
        var (poller, device, input, _, results) = Make(time);

        await poller.PollOnceAsync(device, CancellationToken.None);
        Assert.True(device.State.Available);
        Assert.Equal(Quality.Good, device.State.Snapshot(time.GetUtcNow()).Single(r => r.Metric == "battery.charge").Quality);

        input.Fail = true;
        for (var i = 1; i <= 3; i++)
        {
            time.Advance(device.NextDue - time.GetUtcNow());
            await poller.PollOnceAsync(device, CancellationToken.None);
            Assert.Equal(i < 3, device.State.Available);
            var age = time.GetUtcNow() - device.State.LastSuccess!.Value;
            var expected = age > Interval * 3 ? Quality.Stale : Quality.Good;
            Assert.Equal(expected, device.State.Snapshot(time.GetUtcNow()).Single(r => r.Metric == "battery.charge").Quality);
        }

        // The value was last refreshed more than 3 poll periods ago: stale, never presented as current.
        Assert.True(time.GetUtcNow() - device.State.LastSuccess!.Value > Interval * 3);
        Assert.Equal(Quality.Stale, device.State.Snapshot(time.GetUtcNow()).Single(r => r.Metric == "battery.charge").Quality);

        var published = new List<PollResult>();
        while (results.TryRead(out var r))
        {
            published.Add(r);
        }

        Assert.Equal([1L, 2, 3, 4], published.Select(p => p.Sequence));
        Assert.Equal([true, true, true, false], published.Select(p => p.Readings.Single(r => r.Metric == "device.available").Value.Boolean));
        Assert.Equal(Quality.Stale, published[^1].Quality);
        Assert.Contains("no answer", published[^1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_device_backs_off_exponentially_then_only_probes()
    {
        var time = new ManualTimeProvider();
        var (poller, device, input, _, _) = Make(time);
        input.Fail = true;
        var delays = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var before = time.GetUtcNow();
            await poller.PollOnceAsync(device, CancellationToken.None);
            delays.Add((device.NextDue - before).TotalSeconds);
            time.Advance(device.NextDue - time.GetUtcNow());
        }

        Assert.Equal([1, 2, 4, 8, 30, 30, 30], delays);
        Assert.True(device.State.CircuitOpen);

        // A suspect device gets no retries, so a dead device costs one timeout per probe.
        Assert.False(input.Requests[0].Suspect);
        Assert.True(input.Requests[1].Suspect);

        input.Fail = false;
        await poller.PollOnceAsync(device, CancellationToken.None);
        Assert.False(device.State.CircuitOpen);
        Assert.True(device.State.Available);
    }

    [Fact]
    public async Task Healthy_polls_keep_a_fixed_rate_and_skip_missed_slots()
    {
        var time = new ManualTimeProvider();
        var (poller, device, _, _, _) = Make(time);
        var start = time.GetUtcNow();
        await poller.PollOnceAsync(device, CancellationToken.None);
        Assert.Equal(start + Interval, device.NextDue);

        // The poll for slot +1 s starts late (at +1.3 s): the next slot is still +2 s, not +2.3 s.
        time.Advance(TimeSpan.FromSeconds(1.3));
        await poller.PollOnceAsync(device, CancellationToken.None);
        Assert.Equal(start + TimeSpan.FromSeconds(2), device.NextDue);

        // Far behind (slot +2 s polled at +5.5 s): missed slots are skipped, not fired in a burst.
        time.Advance(TimeSpan.FromSeconds(4.2));
        await poller.PollOnceAsync(device, CancellationToken.None);
        Assert.Equal(start + TimeSpan.FromSeconds(6), device.NextDue);
    }

    [Fact]
    public async Task Slow_class_is_read_on_the_first_poll_and_then_hourly()
    {
        var time = new ManualTimeProvider();
        var (poller, device, input, _, _) = Make(time);
        await poller.PollOnceAsync(device, CancellationToken.None);
        time.Advance(Interval);
        await poller.PollOnceAsync(device, CancellationToken.None);
        time.Advance(TimeSpan.FromHours(1));
        await poller.PollOnceAsync(device, CancellationToken.None);
        Assert.Equal([true, false, true], input.Requests.Select(r => r.IncludeSlow));
    }

    [Fact]
    public void Slow_consumer_loses_oldest_results_and_the_loss_is_counted()
    {
        var hub = new ReadingHub();
        var slow = hub.Subscribe("slow", capacity: 2);
        var fast = hub.Subscribe("fast", capacity: 10);
        for (var i = 1; i <= 5; i++)
        {
            hub.Publish(new PollResult("d", "ups", "m", DateTimeOffset.UnixEpoch, i, Quality.Good, []));
        }

        Assert.Equal(3, hub.Dropped()["slow"]);
        Assert.Equal(0, hub.Dropped()["fast"]);
        Assert.True(slow.TryRead(out var first));
        Assert.Equal(4, first!.Sequence);
        Assert.Equal(5, fast.Count);
    }

    [Fact]
    public async Task Requested_polls_run_at_once_keep_the_slots_and_are_spaced_when_a_device_chatters()
    {
        var time = new ManualTimeProvider();
        var input = new ScriptedInput();
        var slot = TimeSpan.FromSeconds(10);
        var device = new PolledDevice(new DeviceState("ups-a", "ups", "test", "serial:///dev/ttyS0", slot), input, TimeSpan.FromHours(1));
        var poller = new EndpointPoller("serial:///dev/ttyS0", [device], new ReadingHub(), new AgentHealth(time), time, new PollBackoff { Jitter = 0 }, new Random(1), NullLogger.Instance);
        var start = time.GetUtcNow();
        using var stop = new CancellationTokenSource();
        var run = poller.RunAsync(stop.Token);

        async Task PolledAsync(int count)
        {
            await Poll.UntilAsync(() => input.Requests.Count == count, TimeSpan.FromSeconds(10), () => $"{count} polls (have {input.Requests.Count})");
        }

        async Task ArmedAsync(DateTimeOffset due)
        {
            await Poll.UntilAsync(() => time.HasTimerDueIn(due - time.GetUtcNow()), TimeSpan.FromSeconds(10), () => $"the loop waits for {due - start}");
        }

        await PolledAsync(1);
        await ArmedAsync(start + slot);

        // The device asks for a poll every 100 ms for 5 s (a chattering alert line): the first request is served
        // at once, later ones at most once per RequestedPollSpacing.
        var lastRequested = DateTimeOffset.MinValue;
        for (var step = 1; step <= 50; step++)
        {
            var polls = input.Requests.Count; // before the clock moves: a poll it causes may run inside Advance
            time.Advance(TimeSpan.FromMilliseconds(100));
            var now = time.GetUtcNow();
            if (lastRequested != DateTimeOffset.MinValue && now >= lastRequested + EndpointPoller.RequestedPollSpacing)
            {
                // The request pending since the last step is served by the spacing timer.
                await PolledAsync(polls + 1);
                lastRequested = now;
            }

            input.AskForPoll();
            if (lastRequested == DateTimeOffset.MinValue)
            {
                await PolledAsync(polls + 1);
                lastRequested = now;
                await ArmedAsync(start + slot);
            }
            else
            {
                await ArmedAsync(lastRequested + EndpointPoller.RequestedPollSpacing);
            }
        }

        var at = input.Requests.Select(r => Math.Round((r.Timestamp - start).TotalSeconds, 3)).ToArray();
        Assert.Equal(new[] { 0, 0.1, 1.1, 2.1, 3.1, 4.1 }, at);

        // The request made at 5.0 s is served at 5.1 s; then the fixed-rate slots are as they were: 10 s, 20 s.
        time.Advance(lastRequested + EndpointPoller.RequestedPollSpacing - time.GetUtcNow());
        await PolledAsync(7);
        Assert.Equal(5.1, Math.Round((input.Requests[6].Timestamp - start).TotalSeconds, 3));
        await ArmedAsync(start + slot);
        time.Advance(start + slot - time.GetUtcNow());
        await PolledAsync(8);
        Assert.Equal(10, (input.Requests[7].Timestamp - start).TotalSeconds);
        await ArmedAsync(start + (slot * 2));
        time.Advance(slot);
        await PolledAsync(9);
        Assert.Equal(20, (input.Requests[8].Timestamp - start).TotalSeconds);
        Assert.Equal(9, device.State.Polls);

        await stop.CancelAsync();
        await run;
    }
}

using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core;

namespace PowerWatch.Agent.Polling;

/// <summary>A device as the poller schedules it.</summary>
internal sealed class PolledDevice
{
    public PolledDevice(DeviceState state, IDeviceInput input, TimeSpan slowInterval)
    {
        State = state;
        Input = input;
        SlowInterval = slowInterval;
    }

    public DeviceState State { get; }

    public IDeviceInput Input { get; }

    public TimeSpan SlowInterval { get; }

    internal DateTimeOffset NextDue { get; set; }

    internal DateTimeOffset NextSlowDue { get; set; }

    /// <summary>The slot this poll was scheduled for (to measure jitter and keep a fixed rate).</summary>
    internal DateTimeOffset Slot { get; set; }

    /// <summary>When the last out-of-schedule poll (asked for by the device) started.</summary>
    internal DateTimeOffset LastRequestedPoll { get; set; } = DateTimeOffset.MinValue;

    /// <summary>1 while the device has asked for a poll that has not started yet.</summary>
    internal int PollRequested;
}

/// <summary>
/// One polling loop per transport endpoint (a serial bus or a TCP connection): requests on it are strictly
/// sequential, devices are polled at a fixed rate in due order, and a failing device backs off (and is
/// eventually only probed) so it cannot starve the others. Different endpoints run in different loops.
/// A device whose input is an <see cref="IPollRequestingInput"/> can ask to be read at once (an APC alert
/// character): the loop wakes, polls it out of schedule and keeps its fixed-rate slots as they were.
/// </summary>
internal sealed partial class EndpointPoller
{
    private readonly string _key;
    private readonly IReadOnlyList<PolledDevice> _devices;
    private readonly ReadingHub _hub;
    private readonly AgentHealth _health;
    private readonly TimeProvider _time;
    private readonly PollBackoff _backoff;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly TimeSpan _allowance;
    private readonly bool _wakeable;
    private readonly Func<IDisposable>? _holdDuringPoll;
    private TaskCompletionSource _wake = NewWake();

    /// <param name="holdDuringPoll">Optional (the demo: <see cref="DeviceIoTime.HoldDuringPoll"/>): taken before a poll reads the clock, released once its result is published.</param>
    public EndpointPoller(string key, IReadOnlyList<PolledDevice> devices, ReadingHub hub, AgentHealth health, TimeProvider time, PollBackoff backoff, Random random, ILogger logger, Func<IDisposable>? holdDuringPoll = null)
    {
        _holdDuringPoll = holdDuringPoll;
        _key = key;
        _devices = devices;
        _hub = hub;
        _health = health;
        _time = time;
        _backoff = backoff;
        _random = random;
        _logger = logger;

        // A loop is unhealthy when it has not come round for far longer than any poll could take.
        _allowance = TimeSpan.FromTicks(Math.Max(devices.Max(d => d.State.PollInterval).Ticks * 10, backoff.ProbeInterval.Ticks * 3));
        foreach (var d in devices)
        {
            if (d.Input is IPollRequestingInput requesting)
            {
                requesting.PollRequested += reason => RequestPoll(d, reason);
                _wakeable = true;
            }
        }
    }

    /// <summary>Least time between two out-of-schedule polls of one device.</summary>
    public static TimeSpan RequestedPollSpacing { get; } = TimeSpan.FromSeconds(1);

    public string Key => _key;

    /// <summary>Observed lateness of polls against their schedule (for the jitter benchmark).</summary>
    public event Action<string, TimeSpan>? PollStarted;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var d in _devices)
        {
            d.NextDue = now;
            d.Slot = now;
            d.NextSlowDue = now;
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                _health.Beat(_key, _allowance);

                // Publish a fresh wake-up before reading the request flags: a request either is seen below or
                // completes this wake-up (RequestPoll sets its flag first, then completes the current wake-up).
                TaskCompletionSource? wake = null;
                if (_wakeable)
                {
                    wake = NewWake();
                    Interlocked.Exchange(ref _wake, wake);
                }

                var next = _devices[0];
                foreach (var d in _devices)
                {
                    if (Due(d) < Due(next))
                    {
                        next = d;
                    }
                }

                var wait = Due(next) - _time.GetUtcNow();
                if (wait > TimeSpan.Zero && wake is null)
                {
                    // No device here can ask for a poll: a plain wait (the common Modbus case).
                    await Task.Delay(wait, _time, cancellationToken);
                }
                else if (wait > TimeSpan.Zero && wake is not null)
                {
                    using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var timer = Task.Delay(wait, _time, delay.Token);
                    if (await Task.WhenAny(timer, wake.Task) != timer)
                    {
                        // A device asked to be read: choose again.
                        await delay.CancelAsync();
                        continue;
                    }

                    await timer;
                }

                var requested = Interlocked.Exchange(ref next.PollRequested, 0) == 1 && _time.GetUtcNow() < next.NextDue;
                await PollOnceAsync(next, cancellationToken, requested);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _health.Remove(_key);
        }
    }

    /// <summary>Called by a device's input (any thread): poll it as soon as the endpoint is free.</summary>
    internal void RequestPoll(PolledDevice d, string reason)
    {
        if (Interlocked.Exchange(ref d.PollRequested, 1) == 0)
        {
            LogPollRequested(_logger, d.State.Id, reason);
        }

        Volatile.Read(ref _wake).TrySetResult();
    }

    /// <summary>When a device is next to be polled: its slot, or sooner when it asked for a poll.</summary>
    private static DateTimeOffset Due(PolledDevice d)
    {
        if (Volatile.Read(ref d.PollRequested) == 0)
        {
            return d.NextDue;
        }

        var allowed = d.LastRequestedPoll + RequestedPollSpacing;
        return allowed < d.NextDue ? allowed : d.NextDue;
    }

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Polls one device now. A scheduled poll sets the next slot; a requested (out-of-schedule) poll leaves the
    /// slots as they were, unless it fails (then the device backs off like any failed device).
    /// </summary>
    internal async Task PollOnceAsync(PolledDevice d, CancellationToken cancellationToken, bool requested = false)
    {
        using var hold = _holdDuringPoll?.Invoke();
        var state = d.State;
        var started = _time.GetUtcNow();
        if (requested)
        {
            d.LastRequestedPoll = started;
        }
        else
        {
            PollStarted?.Invoke(state.Id, started - d.Slot);
        }

        var includeSlow = started >= d.NextSlowDue;
        var sequence = state.NextSequence();
        try
        {
            var readings = await d.Input.PollAsync(new PollRequest(includeSlow, started, sequence, state.ConsecutiveFailures > 0), cancellationToken);
            var wasAvailable = state.Available;
            var hadFailures = state.ConsecutiveFailures;
            state.RecordSuccess(started, readings);
            if (includeSlow)
            {
                d.NextSlowDue = started + d.SlowInterval;
            }

            if (hadFailures > 0)
            {
                state.CircuitOpen = false;
                LogRecovered(_logger, state.Id, hadFailures);
            }
            else if (!wasAvailable)
            {
                LogOnline(_logger, state.Id, state.Endpoint);
            }

            var all = new List<Reading>(readings.Count + 1);
            all.AddRange(readings);
            all.Add(new Reading(state.Id, MetricNames.DeviceAvailable, ReadingValue.FromBoolean(true), "", started, Quality.Good, sequence));
            var quality = readings.Any(r => r.Quality == Quality.Bad) ? Quality.Bad : Quality.Good;
            _hub.Publish(new PollResult(state.Id, state.Kind, state.Model, started, sequence, quality, all));
            if (!requested)
            {
                ScheduleNext(d, started);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // One device misbehaving never stops the loop: the failure becomes data.
            var error = $"{ex.GetType().Name}: {ex.Message}";
            var wasAvailable = state.Available;
            state.RecordFailure(started, error);
            var available = state.Available;
            if (wasAvailable && !available)
            {
                LogLost(_logger, state.Id, state.ConsecutiveFailures, error);
            }

            if (!state.CircuitOpen && _backoff.IsCircuitOpen(state.ConsecutiveFailures))
            {
                state.CircuitOpen = true;
                LogCircuitOpen(_logger, state.Id, _backoff.ProbeInterval);
            }

            var quality = available ? Quality.Bad : Quality.Stale;
            var reading = new Reading(state.Id, MetricNames.DeviceAvailable, ReadingValue.FromBoolean(available), "", started, Quality.Good, sequence);
            _hub.Publish(new PollResult(state.Id, state.Kind, state.Model, started, sequence, quality, [reading], error));
            var delay = _backoff.Delay(state.PollInterval, state.ConsecutiveFailures, _random);
            var after = _time.GetUtcNow();
            d.NextDue = after + delay;
            d.Slot = d.NextDue;
        }
    }

    private static void ScheduleNext(PolledDevice d, DateTimeOffset started)
    {
        // Fixed rate: the next slot follows the previous one, not the end of this poll, so polls do not drift;
        // slots already missed are skipped rather than fired in a burst.
        var next = d.Slot + d.State.PollInterval;
        if (next <= started)
        {
            var missed = ((started - next).Ticks / d.State.PollInterval.Ticks) + 1;
            next += d.State.PollInterval * missed;
        }

        d.NextDue = next;
        d.Slot = next;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Device {Device} lost after {Failures} failed polls: {Error}")]
    private static partial void LogLost(ILogger logger, string device, int failures, string error);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Device {Device} asked to be read at once: {Reason}")]
    private static partial void LogPollRequested(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Device {Device} answering again after {Failures} failed polls")]
    private static partial void LogRecovered(ILogger logger, string device, int failures);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Device {Device} online at {Endpoint}")]
    private static partial void LogOnline(ILogger logger, string device, string endpoint);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Device {Device} circuit open: probing every {ProbeInterval}")]
    private static partial void LogCircuitOpen(ILogger logger, string device, TimeSpan probeInterval);
}

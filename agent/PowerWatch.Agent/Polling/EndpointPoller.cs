using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core;

namespace PowerWatch.Agent.Polling;

/// <summary>A device as the poller schedules it.</summary>
public sealed class PolledDevice
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
}

/// <summary>
/// One polling loop per transport endpoint (a serial bus or a TCP connection): requests on it are strictly
/// sequential, devices are polled at a fixed rate in due order, and a failing device backs off (and is
/// eventually only probed) so it cannot starve the others. Different endpoints run in different loops.
/// </summary>
public sealed partial class EndpointPoller
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

    public EndpointPoller(string key, IReadOnlyList<PolledDevice> devices, ReadingHub hub, AgentHealth health, TimeProvider time, PollBackoff backoff, Random random, ILogger logger)
    {
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
    }

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
                var next = _devices[0];
                foreach (var d in _devices)
                {
                    if (d.NextDue < next.NextDue)
                    {
                        next = d;
                    }
                }

                var wait = next.NextDue - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken);
                }

                await PollOnceAsync(next, cancellationToken);
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

    /// <summary>Polls one device now and schedules its next poll.</summary>
    internal async Task PollOnceAsync(PolledDevice d, CancellationToken cancellationToken)
    {
        var state = d.State;
        var started = _time.GetUtcNow();
        PollStarted?.Invoke(state.Id, started - d.Slot);
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
            ScheduleNext(d, started);
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

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Device {Device} lost after {Failures} failed polls: {Error}")]
    private static partial void LogLost(ILogger logger, string device, int failures, string error);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Device {Device} answering again after {Failures} failed polls")]
    private static partial void LogRecovered(ILogger logger, string device, int failures);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Device {Device} online at {Endpoint}")]
    private static partial void LogOnline(ILogger logger, string device, string endpoint);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Device {Device} circuit open: probing every {ProbeInterval}")]
    private static partial void LogCircuitOpen(ILogger logger, string device, TimeSpan probeInterval);
}

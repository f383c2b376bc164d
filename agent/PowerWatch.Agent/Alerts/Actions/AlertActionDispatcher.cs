using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Outputs;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;

namespace PowerWatch.Agent.Alerts.Actions;

/// <summary>What a modbus-write action needs to reach a device: the endpoint's shared client, the unit id and the profile.</summary>
internal sealed record ModbusCommandTarget(IModbusClient Client, byte UnitId, DeviceProfile Profile);

/// <summary>Result of one action run (also published as an <c>action</c> event).</summary>
internal sealed record AlertActionOutcome(string Action, string Kind, bool Success, bool Refused, string Detail, int Attempts = 1, int? ExitCode = null, int? HttpStatus = null, string? Output = null);

/// <summary>Webhook JSON body (field names are wire-visible).</summary>
internal sealed record WebhookPayload(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("trigger")] string Trigger,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("raised")] DateTimeOffset Raised,
    [property: JsonPropertyName("ts")] DateTimeOffset Ts,
    [property: JsonPropertyName("cause")] string? Cause,
    [property: JsonPropertyName("consequences")] IReadOnlyList<string> Consequences);

[JsonSerializable(typeof(WebhookPayload))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;

/// <summary>
/// Runs alert actions off the evaluation loop: transitions are mapped to actions and queued on a bounded channel;
/// each queued action runs as its own task with its own timeout (the injected <see cref="TimeProvider"/>), so a slow or
/// failing action never blocks another. Hardware-changing actions are refused unless allow-listed, logged with who and
/// why, and never retried; every outcome is published as an <c>action</c> event.
/// </summary>
internal sealed partial class AlertActionDispatcher : IAsyncDisposable
{
    private const string HostKey = "host";
    private readonly AlertOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventPublisher? _events;
    private readonly Func<string, ModbusCommandTarget?> _modbus;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Channel<(string Action, string Trigger, AlertInfo Alert, IReadOnlyList<string> Consequences)> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private readonly Dictionary<string, IReadOnlyList<string>> _ruleActions;
    private readonly Dictionary<(string Action, string Ups), ShutdownArm> _shutdown = [];
    private readonly Task _loop;

    public AlertActionDispatcher(AlertOptions options, TimeProvider time, ILogger logger, IEventPublisher? events, Func<string, ModbusCommandTarget?> modbus, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time;
        _logger = logger;
        _events = events;
        _modbus = modbus;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _ruleActions = options.Rules.Where(r => r.Actions.Count > 0).ToDictionary(r => r.Id, r => (IReadOnlyList<string>)r.Actions, StringComparer.Ordinal);
        _queue = Channel.CreateBounded<(string, string, AlertInfo, IReadOnlyList<string>)>(new BoundedChannelOptions(options.ActionQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Raised after every action run with its outcome (after the event is published).</summary>
    public event EventHandler<AlertActionOutcome>? Completed;

    /// <summary>
    /// Maps transitions to configured actions and queues them; never blocks (a full queue drops and logs). Alerts
    /// that are consequences of another active alert (<see cref="AlertInfo.Cause"/>) run no action unless
    /// <see cref="AlertOptions.NotifyConsequences"/> is set: the cause's actions fire, listing the consequences
    /// active at that moment (<paramref name="consequencesOf"/>).
    /// </summary>
    public int Enqueue(IEnumerable<AlertTransition> transitions, Func<string, IReadOnlyList<string>>? consequencesOf = null)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        var queued = 0;
        foreach (var t in transitions)
        {
            var trigger = t.Kind switch
            {
                AlertTransitionKind.Raised => "raised",
                AlertTransitionKind.Escalated => "escalated",
                AlertTransitionKind.Cleared => "cleared",
                _ => null,
            };
            if (trigger is null || (t.Alert.Cause is not null && !_options.NotifyConsequences))
            {
                continue;
            }

            var names = new List<string>();
            if (trigger != "cleared" && _ruleActions.TryGetValue(t.Alert.Rule, out var ruleActions))
            {
                names.AddRange(ruleActions);
            }

            names.AddRange(_options.Triggers
                .Where(x => string.Equals(x.Rule, t.Alert.Rule, StringComparison.Ordinal)
                    && (x.Device is null || string.Equals(x.Device, t.Alert.Device, StringComparison.Ordinal))
                    && x.On.Contains(trigger, StringComparer.Ordinal))
                .Select(x => x.Action));
            var consequences = names.Count > 0 && consequencesOf is not null ? consequencesOf(t.Alert.Id) : [];
            foreach (var name in names.Distinct(StringComparer.Ordinal))
            {
                if (_queue.Writer.TryWrite((name, trigger, t.Alert, consequences)))
                {
                    queued++;
                }
                else
                {
                    LogQueueFull(name, t.Alert.Id);
                }
            }
        }

        return queued;
    }

    /// <summary>
    /// Shutdown actions (NUT upsmon style): fires once when a watched UPS's margin falls below the threshold; re-arms
    /// only after the margin has stayed at or above it for the hold-off.
    /// </summary>
    public int ObserveFailover(IReadOnlyList<FailoverUpsState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        var now = _time.GetUtcNow();
        var fired = 0;
        foreach (var (name, action) in _options.Actions.Where(a => a.Value.Kind == AlertActionKinds.Shutdown))
        {
            foreach (var s in states.Where(s => action.Ups.Count == 0 || action.Ups.Contains(s.Ups, StringComparer.Ordinal)))
            {
                // No margin while on battery with a generator that cannot carry the load (failed, not in auto,
                // unreachable): nothing will rescue the UPS, so its whole runtime is the margin.
                var noGenerator = s.MarginSeconds is null && s.OnBattery && s.GeneratorNeedSeconds is null;
                if ((s.MarginSeconds ?? (noGenerator ? s.RuntimeUsedSeconds : null)) is not { } margin)
                {
                    continue;
                }

                var key = (name, s.Ups);
                _shutdown.TryGetValue(key, out var arm);
                if (margin < action.MinMarginSeconds)
                {
                    _shutdown[key] = new ShutdownArm(true, null);
                    if (!arm.Fired)
                    {
                        var alert = new AlertInfo
                        {
                            Id = AlertIds.Make("failover-margin-shutdown", s.Ups),
                            Rule = "failover-margin-shutdown",
                            Device = s.Ups,
                            Severity = AlertSeverity.Critical,
                            Message = noGenerator
                                ? string.Create(CultureInfo.InvariantCulture, $"generator cannot carry the load and runtime {margin:0} s is below {action.MinMarginSeconds:0} s")
                                : string.Create(CultureInfo.InvariantCulture, $"failover margin {margin:0} s below {action.MinMarginSeconds:0} s"),
                            Value = margin,
                            RaisedAt = now,
                        };
                        if (_queue.Writer.TryWrite((name, "margin", alert, [])))
                        {
                            fired++;
                        }
                        else
                        {
                            LogQueueFull(name, alert.Id);
                        }
                    }
                }
                else if (arm.Fired)
                {
                    var since = arm.AboveSince ?? now;
                    _shutdown[key] = now - since >= action.HoldOff ? default : new ShutdownArm(true, since);
                }
            }
        }

        return fired;
    }

    /// <summary>Runs one named action now (the queue calls this; so can tests).</summary>
    public Task<AlertActionOutcome> RunAsync(string name, string trigger, AlertInfo alert, CancellationToken cancellationToken) =>
        RunAsync(name, trigger, alert, [], cancellationToken);

    /// <summary>Runs one named action now for an alert and the consequences folded under it.</summary>
    public async Task<AlertActionOutcome> RunAsync(string name, string trigger, AlertInfo alert, IReadOnlyList<string> consequences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        AlertActionOutcome outcome;
        if (!_options.Actions.TryGetValue(name, out var action))
        {
            outcome = new AlertActionOutcome(name, "?", false, false, "action is not defined");
        }
        else
        {
            try
            {
                outcome = action.Kind switch
                {
                    AlertActionKinds.Webhook => await RunWebhookAsync(name, action, trigger, alert, consequences, cancellationToken),
                    AlertActionKinds.Command => await RunCommandAsync(name, action, trigger, alert, consequences, cancellationToken),
                    AlertActionKinds.Shutdown => Allowed(HostKey, name)
                        ? await RunHardwareCommandAsync(name, action, trigger, alert, cancellationToken)
                        : Refuse(name, action.Kind, HostKey, name, alert, trigger),
                    AlertActionKinds.ModbusWrite => await RunModbusWriteAsync(name, action, trigger, alert, cancellationToken),
                    _ => new AlertActionOutcome(name, action.Kind, false, false, "unknown kind"),
                };
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // One failing action must never take the dispatcher down; the failure is reported as an outcome.
            catch (Exception e)
#pragma warning restore CA1031
            {
                outcome = new AlertActionOutcome(name, action.Kind, false, false, e.GetType().Name + ": " + e.Message);
            }
        }

        LogOutcome(name, outcome.Kind, alert.Id, trigger, outcome.Success, outcome.Refused, outcome.Detail);
        if (_events is not null)
        {
            var verdict = outcome.Refused ? "refused" : outcome.Success ? "succeeded" : "failed";
            await _events.PublishEventAsync(new EventMessage(_time.GetUtcNow(), "action",
                $"action {name} ({outcome.Kind}) {verdict} on {trigger}: {outcome.Detail}", alert.Id, alert.Rule, alert.Device, alert.Severity.ToWireName(), WireRounding.Value(alert)), cancellationToken);
        }

        Completed?.Invoke(this, outcome);
        return outcome;
    }

    private bool Allowed(string device, string command) =>
        _options.AllowedCommands.TryGetValue(device, out var list) && list.Contains(command, StringComparer.Ordinal);

    private AlertActionOutcome Refuse(string name, string kind, string device, string command, AlertInfo alert, string trigger)
    {
        LogRefused(name, kind, device, command, alert.Id, trigger);
        return new AlertActionOutcome(name, kind, false, true, $"'{command}' on '{device}' is not in PowerWatch:Alerts:AllowedCommands");
    }

    private async Task<AlertActionOutcome> RunWebhookAsync(string name, AlertActionOptions a, string trigger, AlertInfo alert, IReadOnlyList<string> consequences, CancellationToken cancellationToken)
    {
        var payload = new WebhookPayload(name, trigger, alert.Id, alert.Rule, alert.Device, alert.Severity.ToWireName(), alert.Message, WireRounding.Value(alert), alert.RaisedAt, _time.GetUtcNow(), alert.Cause, consequences);
        var detail = "";
        int? status = null;
        var delay = a.Backoff;
        for (var attempt = 1; attempt <= a.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(delay, _time, cancellationToken);
                delay *= 2;
            }

            using var cts = new CancellationTokenSource(a.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, cancellationToken);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, a.Url) { Content = JsonContent.Create(payload, WebhookJsonContext.Default.WebhookPayload) };
                foreach (var (k, v) in a.Headers)
                {
                    request.Headers.TryAddWithoutValidation(k, v);
                }

                using var response = await _http.SendAsync(request, linked.Token);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    return new AlertActionOutcome(name, a.Kind, true, false, $"HTTP {status}", attempt, HttpStatus: status);
                }

                detail = $"HTTP {status}";
                if (status < 500)
                {
                    return new AlertActionOutcome(name, a.Kind, false, false, detail + " (not retried)", attempt, HttpStatus: status);
                }
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                detail = $"timed out after {a.Timeout}";
                status = null;
            }
            catch (HttpRequestException e)
            {
                detail = e.Message;
                status = null;
            }
        }

        return new AlertActionOutcome(name, a.Kind, false, false, $"{detail} after {a.MaxAttempts} attempts", a.MaxAttempts, HttpStatus: status);
    }

    private Task<AlertActionOutcome> RunCommandAsync(string name, AlertActionOptions a, string trigger, AlertInfo alert, IReadOnlyList<string> consequences, CancellationToken cancellationToken) =>
        RunProcessAsync(name, a, trigger, alert, cancellationToken, consequences);

    private Task<AlertActionOutcome> RunHardwareCommandAsync(string name, AlertActionOptions a, string trigger, AlertInfo alert, CancellationToken cancellationToken)
    {
        LogHardwareAction(name, a.Kind, HostKey, a.Path ?? "", alert.Id, trigger, alert.Message);
        return RunProcessAsync(name, a, trigger, alert, cancellationToken);
    }

    private async Task<AlertActionOutcome> RunProcessAsync(string name, AlertActionOptions a, string trigger, AlertInfo alert, CancellationToken cancellationToken,
        IReadOnlyList<string>? consequences = null)
    {
        var psi = new ProcessStartInfo(a.Path!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = false };
        foreach (var arg in a.Args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["POWERWATCH_ALERT_ID"] = alert.Id;
        psi.Environment["POWERWATCH_ALERT_RULE"] = alert.Rule;
        psi.Environment["POWERWATCH_ALERT_DEVICE"] = alert.Device;
        psi.Environment["POWERWATCH_ALERT_SEVERITY"] = alert.Severity.ToWireName();
        psi.Environment["POWERWATCH_ALERT_STATE"] = trigger;
        psi.Environment["POWERWATCH_ALERT_MESSAGE"] = alert.Message;
        psi.Environment["POWERWATCH_ALERT_VALUE"] = WireRounding.Value(alert)?.ToString(CultureInfo.InvariantCulture) ?? "";
        psi.Environment["POWERWATCH_ALERT_CAUSE"] = alert.Cause ?? "";
        psi.Environment["POWERWATCH_ALERT_CONSEQUENCES"] = string.Join(' ', consequences ?? []);

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {a.Path}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource(a.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return new AlertActionOutcome(name, a.Kind, false, false, $"timed out after {a.Timeout}; killed", Output: await stdout);
        }

        var output = await stdout;
        _ = await stderr;
        var code = process.ExitCode;
        LogExit(name, a.Path!, code);
        return new AlertActionOutcome(name, a.Kind, code == 0, false, $"exit code {code}", ExitCode: code, Output: output);
    }

    private async Task<AlertActionOutcome> RunModbusWriteAsync(string name, AlertActionOptions a, string trigger, AlertInfo alert, CancellationToken cancellationToken)
    {
        var device = a.Device!;
        var command = a.Command!;
        if (!Allowed(device, command))
        {
            return Refuse(name, a.Kind, device, command, alert, trigger);
        }

        if (_modbus(device) is not { } target)
        {
            return new AlertActionOutcome(name, a.Kind, false, false, $"device '{device}' is not a Modbus device of this agent");
        }

        if (!target.Profile.Commands.TryGetValue(command, out var definition))
        {
            return new AlertActionOutcome(name, a.Kind, false, false, $"profile '{target.Profile.Id}' has no command '{command}'");
        }

        LogHardwareAction(name, a.Kind, device, command, alert.Id, trigger, alert.Message);
        using var cts = new CancellationTokenSource(a.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, cancellationToken);
        try
        {
            // Never retried: a failed write is reported; the next trigger may try again.
            foreach (var w in definition.Writes)
            {
                var address = checked((ushort)w.Address);
                switch (w.FunctionCode)
                {
                    case 5:
                        await target.Client.WriteSingleCoilAsync(target.UnitId, address, w.Values[0] != 0, linked.Token);
                        break;
                    case 6:
                        await target.Client.WriteSingleRegisterAsync(target.UnitId, address, w.Values[0], linked.Token);
                        break;
                    case 15:
                        await target.Client.WriteMultipleCoilsAsync(target.UnitId, address, w.Values.Select(v => v != 0).ToArray(), linked.Token);
                        break;
                    default:
                        await target.Client.WriteMultipleRegistersAsync(target.UnitId, address, w.Values.AsMemory(), linked.Token);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new AlertActionOutcome(name, a.Kind, false, false, $"write of '{command}' to '{device}' timed out after {a.Timeout} (not retried)");
        }
        catch (Exception e) when (e is ModbusException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return new AlertActionOutcome(name, a.Kind, false, false, $"write of '{command}' to '{device}' failed (not retried): {e.Message}");
        }

        return new AlertActionOutcome(name, a.Kind, true, false, $"wrote '{command}' to '{device}'");
    }

    private async Task LoopAsync()
    {
        try
        {
            await foreach (var (name, trigger, alert, consequences) in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                var task = RunQueuedAsync(name, trigger, alert, consequences);
                lock (_gate)
                {
                    _running.Add(task);
                }

                _ = task.ContinueWith(t => { lock (_gate) { _running.Remove(t); } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task RunQueuedAsync(string name, string trigger, AlertInfo alert, IReadOnlyList<string> consequences)
    {
        await Task.Yield();
        try
        {
            await RunAsync(name, trigger, alert, consequences, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Publishing the outcome may fail (e.g. outbox closed); never let it escape the action task.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogOutcome(name, "?", alert.Id, trigger, false, false, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        await _loop;
        Task[] running;
        lock (_gate)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running);
        _stop.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private readonly record struct ShutdownArm(bool Fired, DateTimeOffset? AboveSince);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Hardware action {Action} ({Kind}) on {Device}: {Command}, because alert {AlertId} was {Trigger} ({Why})")]
    private partial void LogHardwareAction(string action, string kind, string device, string command, string alertId, string trigger, string why);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Refused hardware action {Action} ({Kind}): '{Command}' on '{Device}' is not allow-listed (alert {AlertId} {Trigger})")]
    private partial void LogRefused(string action, string kind, string device, string command, string alertId, string trigger);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Action {Action} ({Kind}) for {AlertId} on {Trigger}: success={Success} refused={Refused}: {Detail}")]
    private partial void LogOutcome(string action, string kind, string alertId, string trigger, bool success, bool refused, string detail);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Action queue full: dropped {Action} for {AlertId}")]
    private partial void LogQueueFull(string action, string alertId);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Action {Action}: {Path} exited with code {ExitCode}")]
    private partial void LogExit(string action, string path, int exitCode);
}

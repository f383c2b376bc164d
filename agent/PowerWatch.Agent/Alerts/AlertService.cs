using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Outputs;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Alerts;

/// <summary>
/// Feeds every poll result to the failover analyzer and the alert engine, re-evaluates on a timer (the injected
/// <see cref="TimeProvider"/>), publishes transitions, alert state and the failover state through the MQTT
/// publishers, and persists active alerts, shelves and learned battery models atomically under the data directory.
/// </summary>
internal sealed partial class AlertService : BackgroundService
{
    /// <summary>This service's subscription name on the <see cref="ReadingHub"/> (results are held for it, see <see cref="Polling.DeviceIoTime"/>).</summary>
    internal const string Consumer = "alerts";

    private readonly ReadingHub _hub;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertService> _logger;
    private readonly IAlertPublisher _alerts;
    private readonly IEventPublisher _events;
    private readonly AgentOptions _options;
    private readonly string _statePath;
    private readonly Lock _gate = new();

    // One save at a time: the evaluation loop and the status API (ack, shelve) both persist through one temp file.
    private readonly SemaphoreSlim _saveGate = new(1, 1);
    private readonly Actions.AlertActionDispatcher _actions;
    private IReadOnlyList<FailoverUpsState> _failover = [];
    private SiteVerdict? _site;

    /// <param name="alerts">Where alert state goes (the MQTT output, or nowhere when MQTT is off).</param>
    /// <param name="events">Where transitions and the failover state go.</param>
    /// <param name="actions">Runs the configured webhook, command and modbus-write actions off the evaluation loop.</param>
    public AlertService(IOptions<AgentOptions> options, ReadingHub hub, TimeProvider time, ILogger<AlertService> logger,
        IAlertPublisher alerts, IEventPublisher events, Actions.AlertActionDispatcher actions)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _hub = hub;
        _time = time;
        _logger = logger;
        _alerts = alerts;
        _events = events;
        _actions = actions;
        var settings = _options.Alerts;
        _statePath = Path.Combine(_options.DataDirectory, settings.StateFile);
        var chains = _options.Topology.Ats.Select(a => new FailoverChain(a.Id, a.Generator, a.Feeds, a.UtilityMeter)).ToList();
        var pdus = _options.Topology.Ups.ToDictionary(u => u.Id, u => (IReadOnlyList<string>)u.Pdus, StringComparer.Ordinal);
        Engine = new AlertEngine(DefaultAlertRules.Merge(settings.IncludeDefaults, settings.Rules), settings.Engine, time, new ChainCauses(chains, pdus));
        foreach (var device in _options.Devices)
        {
            Engine.RegisterDevice(device.Id, device.Kind);
        }

        Analyzer = new FailoverAnalyzer(chains, settings.Failover, time, pdus: pdus);
    }

    public AlertEngine Engine { get; }

    /// <summary>The alert settings this service runs with.</summary>
    public AlertOptions Options => _options.Alerts;

    public FailoverAnalyzer Analyzer { get; }

    public IReadOnlyList<FailoverUpsState> Failover
    {
        get
        {
            lock (_gate)
            {
                return _failover;
            }
        }
    }

    /// <summary>The site verdict of the last evaluation (before the first one: computed now from no data, i.e. unknown).</summary>
    public SiteVerdict Site
    {
        get
        {
            lock (_gate)
            {
                return _site ?? SiteVerdict.From(_failover, _time.GetUtcNow()) with { Verdict = Verdicts.Unknown, Cause = "No evaluation yet: the agent is starting." };
            }
        }
    }

    /// <summary>Ids of the active alerts folded (directly or through others) under <paramref name="id"/>.</summary>
    public IReadOnlyList<string> ConsequencesOf(string id) => AlertTree.Descendants(Engine.Active(), id);

    /// <summary>Acknowledges an alert; publishes and persists.</summary>
    public Task<AlertTransition?> AcknowledgeAsync(string id, string by, CancellationToken cancellationToken) =>
        AcknowledgeAsync(id, by, null, cancellationToken);

    /// <summary>Acknowledges an alert (status API); publishes (with <paramref name="audit"/> on the event), logs the audit and persists.</summary>
    public async Task<AlertTransition?> AcknowledgeAsync(string id, string by, AlertAudit? audit, CancellationToken cancellationToken)
    {
        var t = Engine.Acknowledge(id, by);
        if (t is not null)
        {
            await HandleAsync([t], audit, cancellationToken);
        }

        return t;
    }

    /// <summary>Shelves an alert until a time; publishes and persists.</summary>
    public Task<AlertTransition?> ShelveAsync(string id, DateTimeOffset until, string by, CancellationToken cancellationToken) =>
        ShelveAsync(id, until, by, null, cancellationToken);

    /// <summary>Shelves an alert until a time (status API); publishes (with <paramref name="audit"/> on the event), logs the audit and persists.</summary>
    public async Task<AlertTransition?> ShelveAsync(string id, DateTimeOffset until, string by, AlertAudit? audit, CancellationToken cancellationToken)
    {
        var t = Engine.Shelve(id, until, by);
        if (t is not null)
        {
            await HandleAsync([t], audit is null ? null : audit with { Until = until }, cancellationToken);
        }

        return t;
    }

    /// <summary>Restores the alerts, shelves and battery models saved by the previous run, then starts evaluating.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var saved = AlertStateFile.Load(_statePath);
        Engine.Restore(saved.Engine);
        Analyzer.RestoreModels(saved.Batteries);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Alerts.Enabled)
        {
            return;
        }

        var reader = _hub.Subscribe(Consumer);
        var tick = TickAsync(stoppingToken);
        try
        {
            await foreach (var result in reader.ReadAllAsync(stoppingToken))
            {
                // The chain first: a generator failure or utility loss seen in this poll is active before the rules
                // raise their consequences (the controller's failed flag, on battery), so those are folded at raise
                // and run no actions of their own.
                Analyzer.Observe(result.Device, result.Readings);
                var transitions = EvaluateFailover();
                transitions.AddRange(Engine.Observe(result.Device, result.Kind, result.Readings));
                await HandleAsync(transitions, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await tick;
    }

    private List<AlertTransition> EvaluateFailover()
    {
        var evaluation = Analyzer.Evaluate();
        lock (_gate)
        {
            _failover = evaluation.States;
            _site = evaluation.Site;
        }

        _actions.ObserveFailover(evaluation.States);

        var transitions = Engine.ApplyConditions(evaluation.Conditions, evaluation.Notes).ToList();
        transitions.AddRange(evaluation.Events.Select(e => Engine.Event(e.Rule, e.Device, e.Severity, e.Message)));
        return transitions;
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Alerts.EvaluationInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var transitions = EvaluateFailover();
                transitions.AddRange(Engine.Tick());
                await HandleAsync(transitions, stoppingToken);
                await _events.PublishFailoverAsync(FailoverMessage.From(Site, Failover), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task HandleAsync(List<AlertTransition> transitions, CancellationToken cancellationToken) => HandleAsync(transitions, null, cancellationToken);

    private async Task HandleAsync(List<AlertTransition> transitions, AlertAudit? audit, CancellationToken cancellationToken)
    {
        if (transitions.Count == 0)
        {
            return;
        }

        // Actions run off this loop (bounded queue); enqueueing never blocks evaluation.
        _actions.Enqueue(transitions, ConsequencesOf);
        foreach (var t in transitions)
        {
            LogTransition(t.Kind, t.Alert.Id, t.Alert.Severity, t.Alert.Message);
            var a = t.Alert;
            var message = EventMessage.ForTransition(t.At, t.Kind.ToWireName(), a);
            if (audit is not null)
            {
                LogAudit(t.Kind, a.Id, audit.By, audit.From ?? "?", audit.Operator ?? "-");
                message = message with { By = audit.By, Operator = audit.Operator, From = audit.From, Until = audit.Until };
            }

            await _events.PublishEventAsync(message, cancellationToken);
            if (t.Kind != AlertTransitionKind.Event)
            {
                if (a.Active)
                {
                    await _alerts.PublishAlertAsync(AlertMessage.From(a, a.Acknowledged ? "acknowledged" : "active", acknowledged: a.Acknowledged ? t.At : null), cancellationToken);
                }
                else
                {
                    // The cleared state first, so history (ingest → InfluxDB, annotations, the alerts table) sees
                    // the clear; then the empty retained message removes the alert from the broker.
                    await _alerts.PublishAlertAsync(AlertMessage.From(a, "cleared", cleared: a.ClearedAt ?? t.At), cancellationToken);
                    await _alerts.ClearAlertAsync(a.Id, cancellationToken);
                }
            }
        }

        await _saveGate.WaitAsync(cancellationToken);
        try
        {
            // The snapshot is taken inside the gate, so the last save always holds the newest state.
            var state = new AlertStateFile { Engine = Engine.Snapshot(), Batteries = Analyzer.LearnedModels().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal) };
            await state.SaveAsync(_statePath, cancellationToken);
        }
        catch (IOException e)
        {
            LogSaveFailed(_statePath, e.Message);
        }
        finally
        {
            _saveGate.Release();
        }
    }

    public override void Dispose()
    {
        _saveGate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Alert {Kind} {Id} ({Severity}): {Message}")]
    private partial void LogTransition(AlertTransitionKind kind, string id, AlertSeverity severity, string message);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Audit: alert {Kind} {Id} by {By} from {From} (operator name {Operator})")]
    private partial void LogAudit(AlertTransitionKind kind, string id, string by, string from, string @operator);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Could not save alert state to {Path}: {Reason}")]
    private partial void LogSaveFailed(string path, string reason);
}

/// <summary>Who acknowledged or shelved an alert through the status API, for the event stream and the log.</summary>
/// <param name="By">The status API token's name, or <c>loopback</c>.</param>
/// <param name="From">The remote address of the request.</param>
/// <param name="Operator">The operator name the request gave (<c>?by=</c>, self-declared), if any.</param>
internal sealed record AlertAudit(string By, string? From, string? Operator)
{
    /// <summary>Shelve: until when.</summary>
    public DateTimeOffset? Until { get; init; }
}

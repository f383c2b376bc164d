namespace PowerWatch.Agent.Outputs;

/// <summary>
/// Publishes alert state to <c>{prefix}/{site}/alerts/{alertId}</c> (retained). The alert engine calls it on every
/// transition; the MQTT output puts the message in the durable outbox first, so it survives broker and agent restarts.
/// When MQTT is disabled a no-op implementation is registered, so callers never need to check.
/// </summary>
internal interface IAlertPublisher
{
    /// <summary>Publishes (retained) the current state of an active or acknowledged alert.</summary>
    ValueTask PublishAlertAsync(AlertMessage alert, CancellationToken cancellationToken);

    /// <summary>Clears the retained alert (empty retained payload) once it is cleared.</summary>
    ValueTask ClearAlertAsync(string alertId, CancellationToken cancellationToken);
}

/// <summary>
/// Publishes alert transitions and actions to <c>{prefix}/{site}/events</c> and the failover analyzer's state to
/// <c>{prefix}/{site}/failover</c> (retained). Both go through the durable outbox.
/// </summary>
internal interface IEventPublisher
{
    ValueTask PublishEventAsync(EventMessage message, CancellationToken cancellationToken);

    ValueTask PublishFailoverAsync(FailoverMessage message, CancellationToken cancellationToken);
}

/// <summary>Alert payload (docs/schemas/alert.schema.json). Severity: info | warning | critical. State: active | acknowledged | cleared.</summary>
internal sealed record AlertMessage(
    string Id,
    string Rule,
    string Device,
    string Severity,
    string State,
    string Message,
    double? Value,
    DateTimeOffset Raised,
    DateTimeOffset? Cleared = null,
    DateTimeOffset? Acknowledged = null,
    string? Cause = null)
{
    /// <summary>The payload of <paramref name="alert"/> in <paramref name="state"/>, its value rounded to its unit's resolution.</summary>
    public static AlertMessage From(PowerWatch.Core.Alerts.AlertInfo alert, string state, DateTimeOffset? cleared = null, DateTimeOffset? acknowledged = null)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return new(alert.Id, alert.Rule, alert.Device, PowerWatch.Core.Alerts.AlertNames.ToWireName(alert.Severity), state, alert.Message,
            Alerts.WireRounding.Value(alert), alert.RaisedAt, cleared, acknowledged, alert.Cause);
    }
}

/// <summary>
/// Event payload (docs/schemas/event.schema.json). Type: raised | escalated | cleared | acknowledged | action | outbox-dropped | …
/// </summary>
internal sealed record EventMessage(
    DateTimeOffset Ts,
    string Type,
    string Message,
    string? AlertId = null,
    string? Rule = null,
    string? Device = null,
    string? Severity = null,
    double? Value = null,
    string? Cause = null)
{
    /// <summary>Audit of acknowledge and shelve: who did it, the status API token's name or <c>loopback</c>.</summary>
    public string? By { get; init; }

    /// <summary>Audit: the operator name the request gave (<c>?by=</c>, self-declared), if any.</summary>
    public string? Operator { get; init; }

    /// <summary>Audit: the remote address the request came from.</summary>
    public string? From { get; init; }

    /// <summary>Shelved: until when.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>The event of an alert transition, its value rounded to the alert's unit's resolution.</summary>
    public static EventMessage ForTransition(DateTimeOffset at, string type, PowerWatch.Core.Alerts.AlertInfo alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return new(at, type, alert.Message, alert.Id, alert.Rule, alert.Device, PowerWatch.Core.Alerts.AlertNames.ToWireName(alert.Severity),
            Alerts.WireRounding.Value(alert), alert.Cause);
    }
}

/// <summary>
/// One UPS's failover picture in the failover payload (docs/schemas/failover.schema.json): its phase, the runtime the
/// margin uses and both its sources, the generator's remaining need, the margin, and fuel hours. Seconds; null when
/// unknown (omitted on the wire).
/// </summary>
internal sealed record FailoverMargin(string Ups, string Phase)
{
    public double? RuntimeSeconds { get; init; }

    /// <summary>reported | estimate | none.</summary>
    public string? RuntimeSource { get; init; }

    public double? RuntimeReportedSeconds { get; init; }

    public double? RuntimeEstimatedSeconds { get; init; }

    public double? GeneratorNeedSeconds { get; init; }

    public double? MarginSeconds { get; init; }

    public double? FuelHours { get; init; }

    public string? Ats { get; init; }

    public string? Generator { get; init; }

    public string? GeneratorState { get; init; }

    /// <summary>normal | on-battery | at-risk | unknown | critical | load-lost.</summary>
    public string? Verdict { get; init; }

    /// <summary>0 normal … 5 load-lost (higher = worse).</summary>
    public int? VerdictCode { get; init; }

    /// <summary>Seconds until the battery is empty, only while on battery.</summary>
    public double? SecondsLeft { get; init; }

    public DateTimeOffset? DepletionAt { get; init; }

    public string? Cause { get; init; }

    /// <summary>Projects the analyzer's state of one UPS onto the wire record, numbers rounded per unit (s, h).</summary>
    public static FailoverMargin From(PowerWatch.Core.Failover.FailoverUpsState s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new FailoverMargin(s.Ups, s.Phase)
        {
            RuntimeSeconds = Alerts.WireRounding.Seconds(s.RuntimeUsedSeconds),
            RuntimeSource = s.RuntimeUsed,
            RuntimeReportedSeconds = Alerts.WireRounding.Seconds(s.RuntimeReportedSeconds),
            RuntimeEstimatedSeconds = Alerts.WireRounding.Seconds(s.RuntimeEstimatedSeconds),
            GeneratorNeedSeconds = Alerts.WireRounding.Seconds(s.GeneratorNeedSeconds),
            MarginSeconds = Alerts.WireRounding.Seconds(s.MarginSeconds),
            FuelHours = Alerts.WireRounding.Hours(s.FuelHoursRemaining),
            Ats = s.Ats,
            Generator = s.Generator,
            GeneratorState = s.GeneratorState,
            Verdict = s.Verdict,
            VerdictCode = s.VerdictCode,
            SecondsLeft = Alerts.WireRounding.Seconds(s.SecondsLeft),
            DepletionAt = s.DepletionAt,
            Cause = s.Cause,
        };
    }
}

/// <summary>Failover analyzer state (docs/schemas/failover.schema.json). State is the analyzer's phase name (e.g. utility, utility-lost, generator-starting, on-generator).</summary>
internal sealed record FailoverMessage(DateTimeOffset Ts, string State, IReadOnlyList<FailoverMargin> Margins, string? Message = null)
{
    /// <summary>The site verdict: normal | on-battery | at-risk | unknown | critical | load-lost.</summary>
    public string? Verdict { get; init; }

    public int? VerdictCode { get; init; }

    /// <summary>Seconds until the first UPS battery of the site is empty (only while on battery).</summary>
    public double? SecondsLeft { get; init; }

    public DateTimeOffset? DepletionAt { get; init; }

    /// <summary>reported | estimate | none: which runtime <see cref="SecondsLeft"/> is.</summary>
    public string? RuntimeSource { get; init; }

    public string? Cause { get; init; }

    public string? Action { get; init; }

    /// <summary>docs/runbook.md section for the verdict.</summary>
    public string? Runbook { get; init; }

    /// <summary>The failover payload of one evaluation: the site verdict and one margin per UPS.</summary>
    public static FailoverMessage From(PowerWatch.Core.Failover.SiteVerdict site, IReadOnlyList<PowerWatch.Core.Failover.FailoverUpsState> states)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(states);
        var phase = states.Count == 0 ? PowerWatch.Core.Failover.FailoverPhases.Normal
            : states.MaxBy(s => PowerWatch.Core.Failover.FailoverPhases.Urgency(s.Phase))!.Phase;
        return new FailoverMessage(site.At, phase, [.. states.Select(FailoverMargin.From)])
        {
            Verdict = site.Verdict,
            VerdictCode = site.Code,
            SecondsLeft = Alerts.WireRounding.Seconds(site.SecondsLeft),
            DepletionAt = site.DepletionAt,
            RuntimeSource = site.RuntimeSource,
            Cause = site.Cause,
            Action = site.Action,
            Runbook = site.Runbook,
        };
    }
}

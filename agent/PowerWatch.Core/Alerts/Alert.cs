namespace PowerWatch.Core.Alerts;

/// <summary>What happened to an alert.</summary>
public enum AlertTransitionKind
{
    Raised = 0,
    Escalated = 1,
    Deescalated = 2,
    Cleared = 3,
    Acknowledged = 4,
    Shelved = 5,
    Unshelved = 6,

    /// <summary>A one-shot event (e.g. retransfer to utility completed): never active.</summary>
    Event = 7,
}

/// <summary>
/// An alert as seen from outside: id <c>{rule}:{device}</c>, severity, message with values and units, timestamps,
/// acknowledgement and shelving.
/// </summary>
public sealed record AlertInfo
{
    public required string Id { get; init; }

    public required string Rule { get; init; }

    public required string Device { get; init; }

    public required AlertSeverity Severity { get; init; }

    public required string Message { get; init; }

    public double? Value { get; init; }

    public string? Unit { get; init; }

    public required DateTimeOffset RaisedAt { get; init; }

    public DateTimeOffset? ClearedAt { get; init; }

    public bool Acknowledged { get; init; }

    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? ShelvedUntil { get; init; }

    /// <summary>The alert flapped: it is held raised until its condition has been gone for the flap hold time.</summary>
    public bool Flapping { get; init; }

    /// <summary>
    /// The id of the active alert this one is a consequence of (derived from the power chain), or null for a root
    /// cause. Kept current while the alert is active.
    /// </summary>
    public string? Cause { get; init; }

    /// <summary>
    /// Set while the condition has ended but the alert waits out its clear delay; the message then says so and
    /// gives the value now instead of the value that raised it.
    /// </summary>
    public DateTimeOffset? ConditionEndedAt { get; init; }

    public bool Active => ClearedAt is null;
}

/// <summary>One change to one alert, in order; what sinks, actions and the MQTT event stream see.</summary>
public sealed record AlertTransition(AlertTransitionKind Kind, AlertInfo Alert, DateTimeOffset At, string? By = null);

/// <summary>A condition computed outside the rule set (the failover analyzer) fed through the engine's damping, ack and shelving.</summary>
public sealed record AlertCondition(string Rule, string Device, AlertSeverity Severity, string Message, double? Value = null, string? Unit = null)
{
    public string Id => AlertIds.Make(Rule, Device);

    /// <summary>
    /// Seen but still inside its debounce (e.g. the utility down for 2 s of the 3 s before "utility lost"): never raised
    /// by this, but a consequence raised meanwhile (the UPS on battery, read a poll earlier than the ATS) already folds
    /// under it, so the order two devices happen to be polled in does not decide what an operator is told is the cause.
    /// If the debounce ends without the raise, the consequence's cause is withdrawn at the same evaluation.
    /// </summary>
    public bool Pending { get; init; }
}

/// <summary>Alert id convention.</summary>
public static class AlertIds
{
    public static string Make(string rule, string device) => rule + ":" + device;
}

/// <summary>Engine-wide damping and rate limits (bound from <c>PowerWatch:Alerts</c>).</summary>
public sealed class AlertEngineOptions
{
    /// <summary>A condition must be gone this long before an alert clears (rules can override).</summary>
    public TimeSpan ClearAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Window in which raise/clear transitions are counted for flap detection.</summary>
    public TimeSpan FlapWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Transitions (raise + clear) within <see cref="FlapWindow"/> that mark an alert flapping.</summary>
    public int FlapTransitions { get; set; } = 4;

    /// <summary>A flapping alert stays raised until its condition has been gone this long.</summary>
    public TimeSpan FlapHold { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Raise/escalate notifications per minute (critical raises are never suppressed).</summary>
    public int MaxNotificationsPerMinute { get; set; } = 30;

    /// <summary>How many cleared alerts are kept for <c>/api/alerts</c>.</summary>
    public int RecentCapacity { get; set; } = 200;
}

/// <summary>The persisted part of the engine: active alerts and shelves (restart neither loses nor re-fires).</summary>
public sealed class AlertEngineSnapshot
{
    public int Version { get; set; } = 1;

    public List<AlertInfo> Active { get; set; } = [];

    public Dictionary<string, DateTimeOffset> Shelves { get; set; } = [];
}

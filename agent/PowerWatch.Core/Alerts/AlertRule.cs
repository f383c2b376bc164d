namespace PowerWatch.Core.Alerts;

/// <summary>How bad an alert is. Wire names: <c>info</c>, <c>warning</c>, <c>critical</c>.</summary>
public enum AlertSeverity
{
    Info = 0,
    Warning = 1,
    Critical = 2,
}

/// <summary>What a rule evaluates.</summary>
public enum AlertRuleKind
{
    /// <summary>A number above/below a level, with a clear level (hysteresis) and a <c>for</c> duration.</summary>
    Threshold = 0,

    /// <summary>A status token present (e.g. <c>OB</c>), or a text/boolean metric equal to a value.</summary>
    State = 1,

    /// <summary>Change per minute over a window above/below a level.</summary>
    Rate = 2,

    /// <summary>Least-squares time until a metric reaches <see cref="AlertRule.Level"/> is shorter than <see cref="AlertRule.Horizon"/>.</summary>
    Projection = 3,

    /// <summary>Comms lost: <c>device.available</c> false, or nothing heard for <see cref="AlertRule.For"/>.</summary>
    Stale = 4,
}

/// <summary>Direction of a threshold, rate or projection.</summary>
public enum AlertDirection
{
    Above = 0,
    Below = 1,
}

/// <summary>One alert rule: configuration data (bound from <c>PowerWatch:Alerts:Rules</c>).</summary>
public sealed class AlertRule
{
    /// <summary>Stable rule id (letters, digits, '-'); alert ids are <c>{rule}:{device}</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>What the rule evaluates (see the kinds in docs/alerts.md).</summary>
    public AlertRuleKind Kind { get; set; }

    /// <summary>Severity when raised; threshold, rate and projection rules escalate to critical at <see cref="CriticalLevel"/> / <see cref="CriticalHorizon"/>.</summary>
    public AlertSeverity Severity { get; set; } = AlertSeverity.Warning;

    /// <summary>Device kind the rule applies to (ups, generator, ats, pdu, meter); null or empty = every kind.</summary>
    public string? DeviceKind { get; set; }

    /// <summary>Device ids the rule applies to; empty = every device of <see cref="DeviceKind"/>.</summary>
    public List<string> Devices { get; set; } = [];

    /// <summary>Metric evaluated (not used by <see cref="AlertRuleKind.Stale"/>).</summary>
    public string Metric { get; set; } = "";

    /// <summary>Threshold, rate and projection rules: raise above or below <see cref="Level"/>.</summary>
    public AlertDirection Direction { get; set; } = AlertDirection.Above;

    /// <summary>Threshold level; rate in units per minute; projection target level.</summary>
    public double Level { get; set; }

    /// <summary>Level at which an active threshold alert clears (hysteresis); null = <see cref="Level"/>.</summary>
    public double? Clear { get; set; }

    /// <summary>Level beyond which the alert escalates to critical (threshold and rate); null = never.</summary>
    public double? CriticalLevel { get; set; }

    /// <summary>State rules: a status token that must be present (e.g. <c>OB</c>).</summary>
    public string? Token { get; set; }

    /// <summary>State rules: the text (or <c>true</c>/<c>false</c>) the metric must equal.</summary>
    public string? EqualTo { get; set; }

    /// <summary>State rules: raise when the metric does NOT equal <see cref="EqualTo"/> (e.g. generator not in auto).</summary>
    public bool Negate { get; set; }

    /// <summary>The condition must hold this long before raising (stale: silence this long).</summary>
    public TimeSpan For { get; set; } = TimeSpan.Zero;

    /// <summary>The condition must be gone this long before clearing; null = the engine default.</summary>
    public TimeSpan? ClearAfter { get; set; }

    /// <summary>Rate and projection window.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Projection: raise when the level will be reached within this time.</summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Projection: escalate to critical within this time; null = never.</summary>
    public TimeSpan? CriticalHorizon { get; set; }

    /// <summary>Human description, shown before the values in the message.</summary>
    public string Description { get; set; } = "";

    /// <summary>Operator response (documentation, published with the alert).</summary>
    public string? Response { get; set; }

    /// <summary>Action ids (from <c>Alerts:Actions</c>) run when the alert is raised or escalated.</summary>
    public List<string> Actions { get; set; } = [];

    /// <summary>Disabled rules are ignored (turn a default rule off by repeating its id with Enabled=false).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether the rule applies to a device of that id and kind.</summary>
    public bool AppliesTo(string device, string? kind)
    {
        if (Devices.Count > 0 && !Devices.Contains(device, StringComparer.Ordinal))
        {
            return false;
        }

        return string.IsNullOrEmpty(DeviceKind) || string.Equals(DeviceKind, kind, StringComparison.Ordinal);
    }

    /// <summary>Problems with the rule, each naming the key (empty when valid).</summary>
    public IEnumerable<string> Validate(string key)
    {
        if (string.IsNullOrWhiteSpace(Id) || Id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            yield return $"{key}:Id must be letters, digits, '-', '_' or '.' (got '{Id}').";
        }

        if (Kind != AlertRuleKind.Stale && string.IsNullOrWhiteSpace(Metric))
        {
            yield return $"{key}:Metric is required for {Kind} rules.";
        }

        if (Kind == AlertRuleKind.State && Token is null && EqualTo is null)
        {
            yield return $"{key}: a state rule needs Token or EqualTo.";
        }

        if (For < TimeSpan.Zero || Window <= TimeSpan.Zero || Horizon <= TimeSpan.Zero)
        {
            yield return $"{key}: For must be >= 0, Window and Horizon > 0.";
        }

        if (Clear is { } clear && (Direction == AlertDirection.Above ? clear > Level : clear < Level))
        {
            yield return $"{key}:Clear must be on the safe side of Level (hysteresis).";
        }
    }
}

/// <summary>Stable wire names of alert enums.</summary>
public static class AlertNames
{
    public static string ToWireName(this AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => "info",
        AlertSeverity.Warning => "warning",
        AlertSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "Unknown severity."),
    };

    public static string ToWireName(this AlertTransitionKind kind) => kind switch
    {
        AlertTransitionKind.Raised => "raised",
        AlertTransitionKind.Escalated => "escalated",
        AlertTransitionKind.Deescalated => "deescalated",
        AlertTransitionKind.Cleared => "cleared",
        AlertTransitionKind.Acknowledged => "acknowledged",
        AlertTransitionKind.Shelved => "shelved",
        AlertTransitionKind.Unshelved => "unshelved",
        AlertTransitionKind.Event => "event",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown transition."),
    };
}

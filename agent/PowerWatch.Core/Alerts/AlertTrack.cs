using PowerWatch.Core.Trends;

namespace PowerWatch.Core.Alerts;

/// <summary>
/// The state of one alert id (<c>{rule}:{device}</c>) across evaluations: its active alert if any, when the condition
/// started and ended, damping and flap bookkeeping, and the value history of rate and projection rules.
/// </summary>
internal sealed class AlertTrack(string id, string ruleId, string device, AlertRule? rule)
{
    /// <summary>What the alert is, without values ("UPS load high (ups)"): heads the ended and cleared messages.</summary>
    public string Title { get; set; } = id;

    public string Id { get; } = id;

    public string RuleId { get; } = ruleId;

    public string Device { get; } = device;

    /// <summary>The rule, or null for a condition computed elsewhere (<see cref="AlertEngine.ApplyConditions"/>).</summary>
    public AlertRule? Rule { get; } = rule;

    public AlertInfo? Alert { get; set; }

    public DateTimeOffset? ConditionSince { get; set; }

    public DateTimeOffset? GoneSince { get; set; }

    public DateTimeOffset? LowerSince { get; set; }

    public bool Notified { get; set; }

    /// <summary>An external condition reported pending (<see cref="AlertCondition.Pending"/>) at the last evaluation: a cause already, not raised.</summary>
    public bool Pending { get; set; }

    public bool Flapping { get; set; }

    /// <summary>The latest verdict of an external condition.</summary>
    public AlertVerdict? External { get; set; }

    public Queue<DateTimeOffset> Transitions { get; } = new();

    public List<(DateTimeOffset At, double Value)> History { get; } = [];

    /// <summary>Adds a good value to the history, keeping the rule's window before it.</summary>
    public void AddToHistory(DateTimeOffset at, double value, TimeSpan window)
    {
        History.Add((at, value));
        var cutoff = at - window;
        History.RemoveAll(p => p.At < cutoff);
    }

    /// <summary>The least-squares line through the history.</summary>
    public LinearTrend Trend() => LinearTrend.Of(History);
}

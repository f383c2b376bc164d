using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Configuration;

/// <summary>Alerts and failover (<c>PowerWatch:Alerts</c>). Rules are data; defaults apply unless turned off.</summary>
public sealed class AlertOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Include the built-in rules (docs/alerts.md); a configured rule with a default's id replaces it.</summary>
    public bool IncludeDefaults { get; set; } = true;

    public List<AlertRule> Rules { get; set; } = [];

    public AlertEngineOptions Engine { get; set; } = new();

    public FailoverOptions Failover { get; set; } = new();

    /// <summary>How often time-based conditions (for, clear delays, stale, deadlines) are re-evaluated.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>State file (active alerts, shelves, learned battery models) under the data directory.</summary>
    public string StateFile { get; set; } = "alerts.json";
}

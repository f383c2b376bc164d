using PowerWatch.Agent.Alerts.Actions;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Configuration;

/// <summary>Alerts and failover (<c>PowerWatch:Alerts</c>). Rules are data; defaults apply unless turned off.</summary>
internal sealed class AlertOptions
{
    /// <summary>Whether the alert service runs; false: no alert rules, no failover analysis, no actions.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Include the built-in rules (docs/alerts.md); a configured rule with a default's id replaces it.</summary>
    public bool IncludeDefaults { get; set; } = true;

    /// <summary>Configured rules: a rule with a built-in rule's id replaces it, other ids are added.</summary>
    public List<AlertRule> Rules { get; set; } = [];

    /// <summary>Engine-wide damping and rate limits.</summary>
    public AlertEngineOptions Engine { get; set; } = new();

    /// <summary>Failover analyzer settings (deadlines, start sequence timers, margin and fuel thresholds).</summary>
    public FailoverOptions Failover { get; set; } = new();

    /// <summary>How often time-based conditions (for, clear delays, stale, deadlines) are re-evaluated.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether alerts that are consequences of another active alert (their <c>cause</c> is set) run webhook, command
    /// and Modbus actions too. Default false: actions fire for the cause and list its consequences; MQTT events still
    /// carry every transition.
    /// </summary>
    public bool NotifyConsequences { get; set; }

    /// <summary>State file (active alerts, shelves, learned battery models) under the data directory.</summary>
    public string StateFile { get; set; } = "alerts.json";

    /// <summary>Named actions (webhook, command, modbus-write, shutdown); see docs/alerts.md "Actions".</summary>
    public Dictionary<string, AlertActionOptions> Actions { get; set; } = [];

    /// <summary>Which rule transitions run which actions (rules' own <c>Actions</c> run on raised and escalated).</summary>
    public List<AlertActionTrigger> Triggers { get; set; } = [];

    /// <summary>
    /// Allow-list for hardware-changing actions: device id (or <c>host</c> for shutdown actions) to command names
    /// (profile command for modbus-write, action name for shutdown). Anything not listed is refused.
    /// </summary>
    public Dictionary<string, List<string>> AllowedCommands { get; set; } = [];

    /// <summary>Bound of the action queue between the evaluation loop and the action runners.</summary>
    public int ActionQueueCapacity { get; set; } = 64;
}

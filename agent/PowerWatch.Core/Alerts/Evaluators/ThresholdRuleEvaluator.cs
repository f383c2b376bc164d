using static PowerWatch.Core.Alerts.AlertText;

namespace PowerWatch.Core.Alerts;

/// <summary>
/// Threshold rules: a number above (below) <c>Level</c>, cleared past <c>Clear</c> (hysteresis), critical past
/// <c>CriticalLevel</c> with the same hysteresis band.
/// </summary>
internal static class ThresholdRuleEvaluator
{
    public static AlertVerdict? Evaluate(AlertRule rule, string device, Reading reading, AlertTrack track)
    {
        if (!reading.Value.TryGetNumber(out var v))
        {
            return null;
        }

        var active = track.Alert is not null || track.ConditionSince is not null;
        var level = active ? rule.Clear ?? rule.Level : rule.Level;
        var beyond = rule.Direction == AlertDirection.Above ? v > level : v < level;
        // Escalation has the same hysteresis band as the raise: a critical alert stays critical until the value is
        // back past CriticalLevel by (Level - Clear).
        var severity = rule.Severity;
        if (rule.CriticalLevel is { } critical)
        {
            var band = track.Alert?.Severity == AlertSeverity.Critical ? (rule.Clear ?? rule.Level) - rule.Level : 0;
            var criticalLevel = critical + band;
            if (rule.Direction == AlertDirection.Above ? v > criticalLevel : v < criticalLevel)
            {
                severity = AlertSeverity.Critical;
            }
        }

        var word = rule.Direction == AlertDirection.Above ? "above" : "below";
        var message = $"{Prefix(rule, device)}: {rule.Metric} {WithUnit(v, reading.Unit)} {word} {WithUnit(severity == AlertSeverity.Critical && rule.CriticalLevel is { } c ? c : rule.Level, reading.Unit)}";
        return new AlertVerdict(beyond, severity, message, v, reading.Unit, Now: $"{rule.Metric} {WithUnit(v, reading.Unit)}");
    }
}

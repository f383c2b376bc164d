using PowerWatch.Core.Trends;
using static PowerWatch.Core.Alerts.AlertText;

namespace PowerWatch.Core.Alerts;

/// <summary>Rate rules: the least-squares change per minute over the rule's window above (below) <c>Level</c>.</summary>
internal static class RateRuleEvaluator
{
    public static AlertVerdict? Evaluate(AlertRule rule, string device, Reading reading, AlertTrack track)
    {
        var trend = track.Trend();
        if (!IsLongEnough(rule, trend))
        {
            return null;
        }

        var perMinute = trend.Slope * 60;
        var active = track.Alert is not null;
        var level = active ? rule.Clear ?? rule.Level : rule.Level;
        var beyond = rule.Direction == AlertDirection.Above ? perMinute > level : perMinute < level;
        var severity = rule.CriticalLevel is { } c && (rule.Direction == AlertDirection.Above ? perMinute > c : perMinute < c)
            ? AlertSeverity.Critical
            : rule.Severity;
        var unit = string.IsNullOrEmpty(reading.Unit) ? "/min" : reading.Unit + "/min";
        var message = $"{Prefix(rule, device)}: {rule.Metric} changing {F(perMinute)} {unit} (limit {F(rule.Level)} {unit})";
        return new AlertVerdict(beyond, severity, message, perMinute, unit, Now: $"{rule.Metric} changing {F(perMinute)} {unit}");
    }

    /// <summary>A trend counts (for rate and projection rules) from 3 points over a quarter of the window, at most 10 s.</summary>
    public static bool IsLongEnough(AlertRule rule, LinearTrend trend) =>
        trend.Count >= 3 && trend.Span >= TimeSpan.FromTicks(Math.Min(rule.Window.Ticks / 4, TimeSpan.FromSeconds(10).Ticks));
}

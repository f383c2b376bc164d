using static PowerWatch.Core.Alerts.AlertText;

namespace PowerWatch.Core.Alerts;

/// <summary>
/// Projection (trend) rules: the value's least-squares line reaches <c>Level</c> within <c>Horizon</c> (critical
/// within <c>CriticalHorizon</c>); a value already past the level is due now.
/// </summary>
internal static class ProjectionRuleEvaluator
{
    public static AlertVerdict? Evaluate(AlertRule rule, string device, Reading reading, AlertTrack track, DateTimeOffset now)
    {
        if (!reading.Value.TryGetNumber(out var latest))
        {
            return null;
        }

        var below = rule.Direction == AlertDirection.Below;
        double seconds;
        if (below ? latest <= rule.Level : latest >= rule.Level)
        {
            seconds = 0;
        }
        else
        {
            var trend = track.Trend();
            if (!RateRuleEvaluator.IsLongEnough(rule, trend))
            {
                return null;
            }

            var slope = trend.Slope;
            var towards = below ? slope < 0 : slope > 0;
            if (!towards)
            {
                return new AlertVerdict(false, rule.Severity, "", null, "s", Now: $"{rule.Metric} {WithUnit(latest, reading.Unit)}, not moving towards {WithUnit(rule.Level, reading.Unit)}");
            }

            seconds = Math.Max(0, ((rule.Level - trend.ValueAtLast) / slope) - (now - track.History[^1].At).TotalSeconds);
        }

        var active = seconds <= rule.Horizon.TotalSeconds;
        var severity = rule.CriticalHorizon is { } ch && seconds <= ch.TotalSeconds ? AlertSeverity.Critical : rule.Severity;
        var message = $"{Prefix(rule, device)}: {rule.Metric} {WithUnit(latest, reading.Unit)} projected to reach {WithUnit(rule.Level, reading.Unit)} in {F(Math.Round(seconds))} s";
        return new AlertVerdict(active, severity, message, seconds, "s", Now: $"{rule.Metric} {WithUnit(latest, reading.Unit)}");
    }
}

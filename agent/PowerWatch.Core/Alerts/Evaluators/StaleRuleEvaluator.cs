using static PowerWatch.Core.Alerts.AlertText;

namespace PowerWatch.Core.Alerts;

/// <summary>Stale rules: the device said it is not answering, or it has not been heard for the rule's <c>for</c> (default 30 s).</summary>
internal static class StaleRuleEvaluator
{
    public static AlertVerdict Evaluate(AlertRule rule, string device, LatestReadings readings, DateTimeOffset now)
    {
        // Never null: a device counts as heard when the engine started.
        var silent = now - readings.LastHeard.GetValueOrDefault();
        if (readings.TryGet(MetricNames.DeviceAvailable, out var available)
            && available.Value.TryGetBoolean(out var ok) && !ok)
        {
            return new AlertVerdict(true, rule.Severity, Prefix(rule, device) + ": device not answering", null, null);
        }

        var limit = rule.For > TimeSpan.Zero ? rule.For : TimeSpan.FromSeconds(30);
        return silent > limit
            ? new AlertVerdict(true, rule.Severity, Prefix(rule, device) + ": no data for " + F(silent.TotalSeconds) + " s", silent.TotalSeconds, "s", IgnoreFor: true)
            : new AlertVerdict(false, rule.Severity, "", null, null, Now: "device answering again");
    }
}

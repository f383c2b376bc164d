using static PowerWatch.Core.Alerts.AlertText;

namespace PowerWatch.Core.Alerts;

/// <summary>State (flag/status) rules: a status token present, or a value equal to <c>EqualTo</c>; <c>Negate</c> inverts.</summary>
internal static class StateRuleEvaluator
{
    public static AlertVerdict? Evaluate(AlertRule rule, string device, Reading reading)
    {
        bool match;
        string shown = reading.Value.ToString();
        if (rule.Token is not null)
        {
            if (!reading.Value.TryGetText(out var text))
            {
                return null;
            }

            match = UpsStatus.Parse(text).Tokens.Contains(rule.Token, StringComparer.Ordinal);
        }
        else
        {
            match = string.Equals(shown, rule.EqualTo, StringComparison.Ordinal);
        }

        if (rule.Negate)
        {
            match = !match;
        }

        var message = $"{Prefix(rule, device)}: {rule.Metric} = {(string.IsNullOrEmpty(shown) ? "(none)" : shown)}";
        return new AlertVerdict(match, rule.Severity, message, reading.Value.TryGetNumber(out var n) ? n : null, null,
            Now: $"{rule.Metric} = {(string.IsNullOrEmpty(shown) ? "(none)" : shown)}");
    }
}

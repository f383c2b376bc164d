using System.Text.RegularExpressions;
using PowerWatch.Core;
using PowerWatch.Core.Alerts;

namespace PowerWatch.Agent.Configuration;

/// <summary>
/// Warnings for names from before the move to NUT names (<see cref="MetricRenames"/>): in the alert rules of a
/// configuration and in the queries of a Grafana dashboard. A warning is not a problem: the agent still starts, the
/// rule or panel just never sees data, so check-config names the new name.
/// </summary>
internal static partial class OldMetricNames
{
    /// <summary>Warnings for the alert rules of <paramref name="options"/> (key of the rule's field, old → new).</summary>
    public static IEnumerable<ConfigProblem> InConfiguration(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (var i = 0; i < options.Alerts.Rules.Count; i++)
        {
            var rule = options.Alerts.Rules[i];
            var key = $"{AgentOptions.Section}:Alerts:Rules:{i}";
            if (Describe(rule.Metric) is { } text)
            {
                yield return new ConfigProblem(key + ":Metric", text);
            }

            foreach (var warning in OldValues(rule, key))
            {
                yield return warning;
            }
        }
    }

    /// <summary>
    /// Warnings for a dashboard file: every quoted name in it that is an old name, as <c>line N: 'old' → 'new'</c>
    /// (InfluxQL quotes field names, so a query's field is <c>\"pdu.power\"</c> inside the JSON string).
    /// </summary>
    public static IEnumerable<string> InDashboard(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            foreach (Match m in QuotedName().Matches(lines[n]))
            {
                if (Describe(m.Groups["name"].Value) is { } description)
                {
                    yield return $"line {n + 1}: {description}";
                }
            }
        }
    }

    /// <summary>"'old' is the old name of 'new' …" for an old name, or null for any other text.</summary>
    public static string? Describe(string? metric)
    {
        if (string.IsNullOrEmpty(metric) || !MetricRenames.TryFind(metric, out var r))
        {
            return null;
        }

        if (r.OldNameReused)
        {
            var unit = MetricCatalog.TryFind(r.Old, out var d) ? d.Unit : string.Empty;
            return $"'{r.Old}' now has NUT's meaning ({unit}); PowerWatch's old '{r.Old}' is '{r.New}' (docs/metrics.md, Renamed to NUT names)";
        }

        var note = r.Note.Length > 0 ? $" ({r.Note})" : string.Empty;
        return $"'{r.Old}' is the old name of '{r.New}'{note}; use '{r.New}' (docs/metrics.md, Renamed to NUT names)";
    }

    private static IEnumerable<ConfigProblem> OldValues(AlertRule rule, string key)
    {
        var metric = MetricRenames.TryFind(rule.Metric, out var r) ? r.New : rule.Metric;
        if (string.Equals(metric, MetricNames.InputSource, StringComparison.Ordinal) && OldSource(rule.EqualTo) is { } value)
        {
            yield return new ConfigProblem(key + ":EqualTo", $"'{rule.EqualTo}' is an old ats.position value; input.source is '{value}' (NUT source numbers)");
        }

        if (string.Equals(metric, MetricNames.UpsStatus, StringComparison.Ordinal) && string.Equals(rule.Token, "ECO", StringComparison.Ordinal))
        {
            yield return new ConfigProblem(key + ":Token", $"'ECO' is not a NUT status token and no longer in ups.status; the mode is the word 'vendor:apc:HE' of '{MetricNames.UpsModeBuzzwords}'");
        }
    }

    private static string? OldSource(string? value) => value switch
    {
        "neutral" => InputSources.Neutral,
        "source1" => InputSources.Source1,
        "source2" => InputSources.Source2,
        _ => null,
    };

    /// <summary>A dotted name between double quotes, escaped (InfluxQL inside JSON) or not.</summary>
    [GeneratedRegex(@"\\?""(?<name>[a-z][A-Za-z0-9-]*(\.[A-Za-z0-9{}-]+)+)\\?""")]
    private static partial Regex QuotedName();
}

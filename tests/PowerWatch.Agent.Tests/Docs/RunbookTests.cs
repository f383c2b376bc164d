using System.Reflection;
using System.Text.RegularExpressions;
using PowerWatch.Agent.Tests.Dashboards;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Tests.Docs;

/// <summary>
/// docs/runbook.md has a section for every rule that can be raised as critical. The critical rules come from the
/// code: built-in rules (<see cref="DefaultAlertRules"/>) that are critical or escalate to critical, and failover
/// conditions whose <see cref="AlertCondition"/> the analyzer can build with <see cref="AlertSeverity.Critical"/>.
/// </summary>
public sealed partial class RunbookTests
{
    private static string Root => GrafanaDashboards.RepositoryRoot();

    private static string Runbook => File.ReadAllText(Path.Combine(Root, "docs", "runbook.md"));

    /// <summary>Built-in rules raised as critical, or escalating to critical at a level or horizon.</summary>
    public static IReadOnlyList<string> CriticalDefaultRules() =>
    [
        .. DefaultAlertRules.Create()
            .Where(r => r.Severity == AlertSeverity.Critical || r.CriticalLevel is not null || r.CriticalHorizon is not null)
            .Select(r => r.Id),
    ];

    /// <summary>Every failover rule id (the <see cref="FailoverRules"/> constants), by constant name.</summary>
    public static IReadOnlyDictionary<string, string> FailoverRuleIds() =>
        typeof(FailoverRules).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!, StringComparer.Ordinal);

    /// <summary>
    /// Failover rules the analyzer can raise as critical: read from the analyzer's source, where each condition is
    /// built as <c>new AlertCondition(FailoverRules.X, device, severity, $"message", ...)</c>; the severity argument
    /// (a constant or a conditional) is the text between the rule and the message literal.
    /// </summary>
    public static IReadOnlyList<string> CriticalFailoverRules(out IReadOnlySet<string> constructed)
    {
        var source = File.ReadAllText(Path.Combine(Root, "agent", "PowerWatch.Core", "Failover", "FailoverAnalyzer.cs"));
        var ids = FailoverRuleIds();
        var critical = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in ConditionConstruction().Matches(source))
        {
            var name = m.Groups["rule"].Value;
            Assert.True(ids.ContainsKey(name), $"FailoverAnalyzer.cs builds a condition for FailoverRules.{name}, which is not a FailoverRules constant.");
            seen.Add(ids[name]);
            if (m.Groups["severity"].Value.Contains(nameof(AlertSeverity) + "." + nameof(AlertSeverity.Critical), StringComparison.Ordinal)
                && !critical.Contains(ids[name]))
            {
                critical.Add(ids[name]);
            }
        }

        constructed = seen;
        return critical;
    }

    [Fact]
    public void Runbook_covers_every_critical_rule()
    {
        var headings = Headings(Runbook);
        var critical = CriticalDefaultRules().Concat(CriticalFailoverRules(out _)).ToList();
        var missing = critical.Where(id => !headings.Contains(id)).ToList();
        Assert.True(missing.Count == 0, "docs/runbook.md has no '## <rule-id>' section for these critical rules: " + string.Join(", ", missing));
    }

    [Fact]
    public void Critical_rules_are_found_in_both_the_built_in_rules_and_the_failover_analyzer()
    {
        // Guards the discovery itself: if the analyzer's source changes shape so that the scan finds nothing, the
        // coverage test above would pass vacuously.
        var failover = CriticalFailoverRules(out var constructed);
        var unseen = FailoverRuleIds().Values.Where(id => !constructed.Contains(id)).ToList();
        Assert.True(unseen.Count == 0,
            "The scan of FailoverAnalyzer.cs found no 'new AlertCondition(FailoverRules.X, ...)' for: " + string.Join(", ", unseen) +
            ". Adapt RunbookTests.ConditionConstruction to how the analyzer builds conditions now.");
        Assert.Contains(FailoverRules.GeneratorFailedToStart, failover);
        Assert.DoesNotContain(FailoverRules.UtilityLost, failover);
        Assert.DoesNotContain(FailoverRules.RetransferCompleted, failover);
        Assert.Contains(CriticalDefaultRules(), id => DefaultAlertRules.Create().Single(r => r.Id == id).Severity != AlertSeverity.Critical);
    }

    [Fact]
    public void Every_critical_section_says_what_it_means_what_to_check_what_to_do_and_when_to_escalate()
    {
        var text = Runbook;
        foreach (var id in CriticalDefaultRules().Concat(CriticalFailoverRules(out _)))
        {
            var section = Section(text, id);
            foreach (var part in new[] { "**Means:**", "**Check first:**", "**Do:**", "**Escalate:**" })
            {
                Assert.True(section.Contains(part, StringComparison.Ordinal), $"docs/runbook.md section '{id}' lacks {part}");
            }
        }
    }

    [Fact]
    public void Every_rule_section_of_the_runbook_names_a_rule_that_exists()
    {
        var known = DefaultAlertRules.Create().Select(r => r.Id).Concat(FailoverRuleIds().Values).ToHashSet(StringComparer.Ordinal);
        var stale = Headings(Runbook).Where(h => RuleIdLike().IsMatch(h) && !known.Contains(h)).ToList();
        Assert.True(stale.Count == 0, "docs/runbook.md has sections for rules that no longer exist: " + string.Join(", ", stale));
    }

    [Fact]
    public void Alerts_doc_links_the_runbook()
    {
        var alerts = File.ReadAllText(Path.Combine(Root, "docs", "alerts.md"));
        Assert.Contains("](runbook.md)", alerts, StringComparison.Ordinal);
    }

    private static HashSet<string> Headings(string markdown) =>
        markdown.Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal)).Select(l => l[3..].Trim().Trim('`')).ToHashSet(StringComparer.Ordinal);

    private static string Section(string markdown, string id)
    {
        var start = markdown.IndexOf("\n## " + id + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/runbook.md has no section '## {id}'");
        var end = markdown.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..end];
    }

    [GeneratedRegex(@"new\s+AlertCondition\(\s*FailoverRules\.(?<rule>\w+)\s*,[^,]*,(?<severity>[^""]*)\$?""")]
    private static partial Regex ConditionConstruction();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)+$")]
    private static partial Regex RuleIdLike();
}

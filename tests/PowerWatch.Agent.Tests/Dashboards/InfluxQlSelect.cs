using System.Text.RegularExpressions;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>
/// What a dashboard's <c>SELECT</c> reads: the measurement, the quoted field keys in the select list (aliases
/// after <c>AS</c> excluded) and regex field selectors (<c>mean(/^outlet\.[0-9]+\.current$/)</c>).
/// Enough of InfluxQL for the dashboards' own style, not a general parser.
/// </summary>
public sealed partial record InfluxQlSelect(string Measurement, IReadOnlyList<string> Fields, IReadOnlyList<Regex> FieldPatterns)
{
    /// <summary>Parses a SELECT, or returns null for anything else (SHOW …).</summary>
    public static InfluxQlSelect? TryParse(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var m = SelectFrom().Match(query);
        if (!m.Success)
        {
            return null;
        }

        var list = Alias().Replace(m.Groups["list"].Value, "");
        var fields = QuotedIdentifier().Matches(list).Select(x => x.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
        var patterns = RegexSelector().Matches(list).Select(x => new Regex(x.Groups[1].Value, RegexOptions.CultureInvariant)).ToList();
        return new InfluxQlSelect(m.Groups["measurement"].Value, fields, patterns);
    }

    [GeneratedRegex(@"^\s*SELECT\s+(?<list>.+?)\s+FROM\s+""(?<measurement>[^""]+)""", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex SelectFrom();

    [GeneratedRegex(@"\s+AS\s+(""[^""]*""|\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex Alias();

    [GeneratedRegex(@"""([^""]+)""")]
    private static partial Regex QuotedIdentifier();

    [GeneratedRegex(@"\(\s*/((?:\\/|[^/])+)/\s*\)")]
    private static partial Regex RegexSelector();
}

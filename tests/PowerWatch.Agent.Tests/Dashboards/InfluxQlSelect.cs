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
        if (query.Contains("FROM (", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseNested(query);
        }

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

    /// <summary>
    /// A query over subqueries (<c>SELECT sum("v") FROM (SELECT "a" AS "v" FROM "m" …), (…)</c>): the one measurement
    /// every inner FROM names, and every quoted identifier that is neither a measurement, an alias, nor a name an
    /// alias defines (tags are filtered by the caller, as for plain queries).
    /// </summary>
    private static InfluxQlSelect? TryParseNested(string query)
    {
        var measurements = FromMeasurement().Matches(query).Select(x => x.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
        if (measurements.Count != 1 || !query.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var aliases = Alias().Matches(query).Select(x => x.Groups[1].Value.Trim('"')).ToHashSet(StringComparer.Ordinal);
        var text = FromMeasurement().Replace(Alias().Replace(query, ""), "");
        text = SingleQuoted().Replace(text, "''");
        var fields = QuotedIdentifier().Matches(text).Select(x => x.Groups[1].Value)
            .Where(f => !aliases.Contains(f)).Distinct(StringComparer.Ordinal).ToList();
        return new InfluxQlSelect(measurements[0], fields, []);
    }

    [GeneratedRegex(@"FROM\s+""([^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex FromMeasurement();

    [GeneratedRegex(@"'[^']*'")]
    private static partial Regex SingleQuoted();

    [GeneratedRegex(@"^\s*SELECT\s+(?<list>.+?)\s+FROM\s+""(?<measurement>[^""]+)""", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex SelectFrom();

    [GeneratedRegex(@"\s+AS\s+(""[^""]*""|\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex Alias();

    [GeneratedRegex(@"""([^""]+)""")]
    private static partial Regex QuotedIdentifier();

    [GeneratedRegex(@"\(\s*/((?:\\/|[^/])+)/\s*\)")]
    private static partial Regex RegexSelector();
}

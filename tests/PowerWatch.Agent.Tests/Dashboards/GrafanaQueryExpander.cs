using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>
/// Expands Grafana's InfluxQL macros and template variables the way Grafana's InfluxDB data source does,
/// so a dashboard query can be run against a real InfluxDB: <c>$timeFilter</c> → <c>time &gt;= …ms and time &lt;= …ms</c>,
/// <c>$__interval</c> / <c>$__interval_ms</c>, the global time-range variables <c>${__from}</c> / <c>${__to}</c> (epoch
/// milliseconds, Grafana's default format for them), and <c>$name</c> / <c>${name}</c> / <c>[[name]]</c>.
/// Inside a regex literal (<c>/^$site$/</c>) a value is regex-escaped and several values become <c>(a|b)</c>; "All"
/// (an empty value list) becomes <c>.*</c>.
/// </summary>
public static partial class GrafanaQueryExpander
{
    /// <summary>Expands one query. Throws when the query uses a variable that <paramref name="variables"/> does not define.</summary>
    public static string Expand(string query, IReadOnlyDictionary<string, IReadOnlyList<string>> variables, DateTimeOffset from, DateTimeOffset to, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(variables);
        var fromMs = from.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var toMs = to.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var text = query
            .Replace("${__from}", fromMs, StringComparison.Ordinal)
            .Replace("${__to}", toMs, StringComparison.Ordinal)
            .Replace("$__from", fromMs, StringComparison.Ordinal)
            .Replace("$__to", toMs, StringComparison.Ordinal)
            .Replace("$timeFilter", $"time >= {from.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}ms and time <= {to.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}ms", StringComparison.Ordinal)
            .Replace("$__interval_ms", ((long)interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("$__interval", FormatInterval(interval), StringComparison.Ordinal);

        // Regex literals first: a variable inside /.../ is regex-formatted.
        text = RegexLiteral().Replace(text, m => "/" + ReplaceVariables(m.Groups[1].Value, variables, regex: true) + "/");
        return ReplaceVariables(text, variables, regex: false);
    }

    /// <summary>The names of every template variable a query refers to (macros such as <c>$timeFilter</c> excluded).</summary>
    public static IReadOnlyList<string> VariablesUsed(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var stripped = query.Replace("$timeFilter", "", StringComparison.Ordinal);
        return [.. VariableReference().Matches(stripped).Select(Name).Where(n => !n.StartsWith("__", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Grafana's interval notation: 500ms, 10s, 5m, 2h, 1d.</summary>
    public static string FormatInterval(TimeSpan interval)
    {
        var ms = (long)interval.TotalMilliseconds;
        return ms switch
        {
            _ when ms % 86_400_000 == 0 => (ms / 86_400_000).ToString(CultureInfo.InvariantCulture) + "d",
            _ when ms % 3_600_000 == 0 => (ms / 3_600_000).ToString(CultureInfo.InvariantCulture) + "h",
            _ when ms % 60_000 == 0 => (ms / 60_000).ToString(CultureInfo.InvariantCulture) + "m",
            _ when ms % 1_000 == 0 => (ms / 1_000).ToString(CultureInfo.InvariantCulture) + "s",
            _ => ms.ToString(CultureInfo.InvariantCulture) + "ms",
        };
    }

    private static string ReplaceVariables(string text, IReadOnlyDictionary<string, IReadOnlyList<string>> variables, bool regex) =>
        VariableReference().Replace(text, m =>
        {
            var name = Name(m);
            if (!variables.TryGetValue(name, out var values))
            {
                throw new KeyNotFoundException($"query uses undefined variable ${name}: {text}");
            }

            if (regex)
            {
                return values.Count switch
                {
                    0 => ".*",
                    1 => EscapeRegex(values[0]),
                    _ => "(" + string.Join('|', values.Select(EscapeRegex)) + ")",
                };
            }

            return values.Count == 0 ? "" : string.Join(',', values);
        });

    // InfluxQL regex literals are delimited by '/', so a '/' in a value must be escaped as well.
    private static string EscapeRegex(string value)
    {
        var sb = new StringBuilder();
        foreach (var c in Regex.Escape(value))
        {
            if (c == '/')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static string Name(Match m) =>
        m.Groups["a"].Success ? m.Groups["a"].Value : m.Groups["b"].Success ? m.Groups["b"].Value : m.Groups["c"].Value;

    [GeneratedRegex(@"\$\{(?<a>\w+)(?::\w+)?\}|\[\[(?<b>\w+)\]\]|\$(?<c>\w+)")]
    private static partial Regex VariableReference();

    // A '/' that opens a regex literal follows '=~' or '!~' (with optional space), as in WHERE "site" =~ /^$site$/.
    [GeneratedRegex(@"(?<=[=!]~\s*)/((?:\\/|[^/])*)/")]
    private static partial Regex RegexLiteral();
}

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>One value a stat panel shows: the tile's title, the reduced number (null when the value is null), the text and the colour.</summary>
public sealed record StatTile(string Title, double? Number, string Text, string Color);

/// <summary>
/// What a Grafana 10/11 stat panel shows for an InfluxQL answer, for the options the PowerWatch dashboards use, so a
/// test can assert the text an operator reads ("NO MARGIN", "CRITICAL", "NO DATA") rather than raw numbers:
/// <list type="number">
/// <item>frames as Grafana's InfluxQL backend builds them: one per series and value column, named by the target's alias
/// (<c>$col</c>, <c>$tag_x</c>, <c>$m</c>) or else <c>measurement.column { tag: value }</c>;</item>
/// <item><c>reduceOptions.fields</c>: empty = numeric fields, else a <c>/regex/</c> on that name;</item>
/// <item><c>reduceOptions.calcs</c> <c>last</c> (the last value, null included) or <c>lastNotNull</c>;</item>
/// <item>value mappings (<c>value</c>, <c>range</c>, <c>special</c> null), then thresholds for the colour; a null, or no field at
/// all, without a mapping → <c>noValue</c> in the base threshold colour (a null mapping also catches "no field at all", as
/// Grafana's <c>createNoValuesFieldDisplay</c> runs the display processor on null).</item>
/// </list>
/// Not a Grafana: no units, decimals or other reducers.
/// </summary>
public static partial class GrafanaStatDisplay
{
    public static IReadOnlyList<StatTile> Evaluate(JsonElement panel, JsonElement influxResult)
    {
        var target = panel.GetProperty("targets")[0];
        var alias = target.TryGetProperty("alias", out var a) ? a.GetString() ?? "" : "";
        var reduce = panel.GetProperty("options").GetProperty("reduceOptions");
        var pattern = reduce.TryGetProperty("fields", out var f) ? f.GetString() ?? "" : "";
        var calc = reduce.GetProperty("calcs")[0].GetString();
        var defaults = panel.GetProperty("fieldConfig").GetProperty("defaults");

        var tiles = new List<StatTile>();
        if (influxResult.TryGetProperty("series", out var series))
        {
            foreach (var s in series.EnumerateArray())
            {
                var measurement = s.GetProperty("name").GetString()!;
                var tags = s.TryGetProperty("tags", out var t)
                    ? t.EnumerateObject().Select(p => (p.Name, Value: p.Value.GetString() ?? "")).ToList()
                    : [];
                var columns = s.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
                var rows = s.GetProperty("values").EnumerateArray().ToList();
                for (var i = 1; i < columns.Count; i++)
                {
                    var cells = rows.Select(r => r[i]).ToList();
                    var numeric = cells.All(c => c.ValueKind is JsonValueKind.Number or JsonValueKind.Null);
                    var name = FrameName(alias, measurement, columns[i], tags);
                    if (pattern.Length == 0 ? !numeric : !ToRegex(pattern).IsMatch(name))
                    {
                        continue;
                    }

                    var value = calc switch
                    {
                        "last" => cells.Count == 0 ? (JsonElement?)null : cells[^1],
                        "lastNotNull" => cells.LastOrDefault(c => c.ValueKind != JsonValueKind.Null) is { ValueKind: not JsonValueKind.Undefined } v ? v : null,
                        _ => throw new NotSupportedException("reducer " + calc),
                    };
                    tiles.Add(Display(name, value is { ValueKind: JsonValueKind.Number } n ? n.GetDouble() : null, defaults));
                }
            }
        }

        // No field at all: Grafana displays a null through the same processor, so a null mapping applies here too.
        if (tiles.Count == 0)
        {
            tiles.Add(Display("", null, defaults));
        }

        return tiles;
    }

    /// <summary>The frame (and display) name Grafana's InfluxQL backend gives a value column.</summary>
    public static string FrameName(string alias, string measurement, string column, IReadOnlyList<(string Name, string Value)> tags)
    {
        ArgumentNullException.ThrowIfNull(alias);
        ArgumentNullException.ThrowIfNull(tags);
        if (alias.Length == 0)
        {
            return tags.Count == 0 ? $"{measurement}.{column}" : $"{measurement}.{column} {{ {string.Join(", ", tags.Select(t => $"{t.Name}: {t.Value}"))} }}";
        }

        return AliasVariable().Replace(alias, m => m.Groups[1].Value switch
        {
            "col" or "column" => column,
            "m" or "measurement" => measurement,
            var tag when tag.StartsWith("tag_", StringComparison.Ordinal) => tags.FirstOrDefault(t => t.Name == tag[4..]).Value ?? "",
            _ => m.Value,
        });
    }

    private static StatTile Display(string title, double? number, JsonElement defaults)
    {
        if (defaults.TryGetProperty("mappings", out var mappings))
        {
            foreach (var m in mappings.EnumerateArray())
            {
                var options = m.GetProperty("options");
                JsonElement? result = m.GetProperty("type").GetString() switch
                {
                    "special" when number is null && options.GetProperty("match").GetString() is "null" or "null+nan" => options.GetProperty("result"),
                    "range" when number is not null && InRange(options, number.Value) => options.GetProperty("result"),
                    "value" when number is not null && options.TryGetProperty(number.Value.ToString(CultureInfo.InvariantCulture), out var r) => r,
                    _ => null,
                };
                if (result is { } hit)
                {
                    var text = hit.TryGetProperty("text", out var tx) ? tx.GetString()! : number?.ToString(CultureInfo.InvariantCulture) ?? "";
                    var color = hit.TryGetProperty("color", out var c) ? c.GetString()! : ThresholdColor(defaults, number);
                    return new StatTile(title, number, text, color);
                }
            }
        }

        if (number is null)
        {
            return new StatTile(title, null, defaults.TryGetProperty("noValue", out var nv) ? nv.GetString()! : "No data", BaseColor(defaults));
        }

        return new StatTile(title, number, number.Value.ToString(CultureInfo.InvariantCulture), ThresholdColor(defaults, number));
    }

    // Both ends are given in the dashboards (Grafana treats a null end as 0 in its range check, not as infinity).
    private static bool InRange(JsonElement options, double n) =>
        n >= options.GetProperty("from").GetDouble() && n <= options.GetProperty("to").GetDouble();

    private static string BaseColor(JsonElement defaults) => ThresholdColor(defaults, null);

    /// <summary>The colour of the highest threshold step at or below the value (the base step for null).</summary>
    private static string ThresholdColor(JsonElement defaults, double? number)
    {
        if (!defaults.TryGetProperty("thresholds", out var thresholds))
        {
            return "green";
        }

        var color = "";
        foreach (var step in thresholds.GetProperty("steps").EnumerateArray())
        {
            var at = step.GetProperty("value");
            if (at.ValueKind == JsonValueKind.Null || (number is not null && number.Value >= at.GetDouble()))
            {
                color = step.GetProperty("color").GetString()!;
            }
        }

        return color;
    }

    private static Regex ToRegex(string pattern) =>
        pattern.Length > 1 && pattern[0] == '/' && pattern[^1] == '/'
            ? new Regex(pattern[1..^1], RegexOptions.CultureInvariant)
            : new Regex("^" + Regex.Escape(pattern) + "$", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"\$(\w+)")]
    private static partial Regex AliasVariable();
}

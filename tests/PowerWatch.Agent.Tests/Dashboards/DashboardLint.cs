using System.Text.Json;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>
/// Structural rules for a PowerWatch Grafana dashboard; each returns human-readable problems (empty = fine).
/// Kept separate from the tests so the tests can also prove each rule catches a broken dashboard.
/// </summary>
public static class DashboardLint
{
    /// <summary>Grafana 10.0 writes schemaVersion 38; 11.x writes 39–41.</summary>
    public const int MinSchemaVersion = 38;

    public const int MaxSchemaVersion = 41;

    private static readonly HashSet<string> BuiltInVariables = new(StringComparer.Ordinal) { "timeFilter", "__interval", "__interval_ms", "__from", "__to", "__range" };

    private static readonly HashSet<string> TimePanelTypes = new(StringComparer.Ordinal) { "timeseries", "state-timeline", "heatmap", "status-history" };

    public static IReadOnlyList<string> All(string file, JsonElement dashboard) =>
        [.. Header(dashboard), .. PanelIds(dashboard), .. Datasources(dashboard), .. VariablesDefined(file, dashboard),
            .. QueriesMatchSchema(file, dashboard), .. TimeQueries(file, dashboard), .. UnitsAndThresholds(dashboard), .. AlertAnnotations(dashboard),
            .. CurrentValues(dashboard), .. NoMarginShown(dashboard)];

    /// <summary>How old the newest failover point may be for a stat to show it: the agent publishes one per evaluation (1 s).</summary>
    public static readonly TimeSpan FailoverFreshness = TimeSpan.FromSeconds(10);

    /// <summary>How old the newest telemetry may be for a stat to show it: the comms-lost rule's 30 s.</summary>
    public static readonly TimeSpan TelemetryFreshness = TimeSpan.FromSeconds(30);

    public static IEnumerable<string> Header(JsonElement d)
    {
        if (!d.TryGetProperty("uid", out var uid) || string.IsNullOrWhiteSpace(uid.GetString()))
        {
            yield return "dashboard has no uid";
        }

        if (!d.TryGetProperty("title", out var title) || string.IsNullOrWhiteSpace(title.GetString()))
        {
            yield return "dashboard has no title";
        }

        if (!d.TryGetProperty("schemaVersion", out var sv) || sv.GetInt32() is < MinSchemaVersion or > MaxSchemaVersion)
        {
            yield return $"schemaVersion must be {MinSchemaVersion}..{MaxSchemaVersion} (Grafana 10/11)";
        }
    }

    public static IEnumerable<string> PanelIds(JsonElement d)
    {
        var seen = new HashSet<int>();
        foreach (var p in GrafanaDashboards.Panels(d))
        {
            if (!p.TryGetProperty("id", out var id))
            {
                yield return $"panel '{p.GetProperty("title").GetString()}' has no id";
            }
            else if (!seen.Add(id.GetInt32()))
            {
                yield return $"panel id {id.GetInt32()} is used twice";
            }
        }
    }

    /// <summary>No data-source uid is hard-coded: every reference is the <c>${datasource}</c> variable (or Grafana's built-in annotation source).</summary>
    public static IEnumerable<string> Datasources(JsonElement d)
    {
        var variable = GrafanaDashboards.Variables(d).FirstOrDefault(v => v.GetProperty("name").GetString() == "datasource");
        if (variable.ValueKind != JsonValueKind.Object || variable.GetProperty("type").GetString() != "datasource" || variable.GetProperty("query").GetString() != "influxdb")
        {
            yield return "no template variable 'datasource' of type datasource with query influxdb";
        }

        foreach (var (path, uid) in DatasourceUids(d, "$"))
        {
            if (uid is not "${datasource}" and not "$datasource" and not "-- Grafana --")
            {
                yield return $"{path}: hard-coded datasource uid '{uid}'";
            }
        }
    }

    public static IEnumerable<string> VariablesDefined(string file, JsonElement d)
    {
        var defined = GrafanaDashboards.Variables(d).Select(v => v.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
        foreach (var q in GrafanaDashboards.Queries(file, d))
        {
            foreach (var name in GrafanaQueryExpander.VariablesUsed(q.Query))
            {
                if (!defined.Contains(name) && !BuiltInVariables.Contains(name))
                {
                    yield return $"{q.Location}: uses undefined variable ${name}";
                }
            }
        }
    }

    /// <summary>Every SELECT reads a PowerWatch measurement and only fields the ingest writes there.</summary>
    public static IEnumerable<string> QueriesMatchSchema(string file, JsonElement d)
    {
        var concrete = PowerWatchSchema.ConcreteCatalogNames().ToList();
        foreach (var q in GrafanaDashboards.Queries(file, d))
        {
            if (q.Query.TrimStart().StartsWith("SHOW ", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var m in ShowMeasurements(q.Query).Where(m => !IsMeasurement(m)))
                {
                    yield return $"{q.Location}: unknown measurement '{m}'";
                }

                continue;
            }

            var select = InfluxQlSelect.TryParse(q.Query);
            if (select is null)
            {
                yield return $"{q.Location}: not a SELECT this lint understands: {q.Query}";
                continue;
            }

            if (!IsMeasurement(select.Measurement))
            {
                yield return $"{q.Location}: unknown measurement '{select.Measurement}'";
                continue;
            }

            var fields = select.Fields.Where(f => !PowerWatchSchema.Tags.Contains(f)).ToList();
            if (fields.Count == 0 && select.FieldPatterns.Count == 0)
            {
                yield return $"{q.Location}: selects no field";
            }

            foreach (var f in fields.Where(f => PowerWatchSchema.FieldType(select.Measurement, f) is null))
            {
                yield return $"{q.Location}: field '{f}' is not written to '{select.Measurement}'";
            }

            foreach (var p in select.FieldPatterns.Where(p => !concrete.Any(n => p.IsMatch(n))))
            {
                yield return $"{q.Location}: field regex /{p}/ matches no catalogue metric";
            }
        }
    }

    /// <summary>Panel queries are bounded by the dashboard's time range; bucketed ones follow the panel's interval.</summary>
    public static IEnumerable<string> TimeQueries(string file, JsonElement d)
    {
        foreach (var q in GrafanaDashboards.Queries(file, d))
        {
            if (q.Query.TrimStart().StartsWith("SHOW ", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!q.Query.Contains("$timeFilter", StringComparison.Ordinal))
            {
                yield return $"{q.Location}: no $timeFilter";
            }

            if (q.Query.Contains("GROUP BY time(", StringComparison.OrdinalIgnoreCase) && !q.Query.Contains("time($__interval)", StringComparison.Ordinal))
            {
                yield return $"{q.Location}: GROUP BY time must use $__interval";
            }

            if (!q.Query.Contains("\"site\" =~ /^$site$/", StringComparison.Ordinal))
            {
                yield return $"{q.Location}: not filtered by site";
            }
        }
    }

    public static IEnumerable<string> UnitsAndThresholds(JsonElement d)
    {
        foreach (var p in GrafanaDashboards.Panels(d))
        {
            var type = p.GetProperty("type").GetString();
            if (type is not ("timeseries" or "stat" or "heatmap"))
            {
                continue;
            }

            var defaults = p.GetProperty("fieldConfig").GetProperty("defaults");
            if (!defaults.TryGetProperty("unit", out var unit) || string.IsNullOrEmpty(unit.GetString()))
            {
                yield return $"panel {p.GetProperty("id").GetInt32()} '{p.GetProperty("title").GetString()}' has no unit";
            }

            if (type == "stat" && !defaults.TryGetProperty("thresholds", out _))
            {
                yield return $"panel {p.GetProperty("id").GetInt32()} '{p.GetProperty("title").GetString()}' has no thresholds";
            }
        }
    }

    /// <summary>
    /// A stat shows the state at the end of the time range and cannot present stale data as current: every query is
    /// restricted to a freshness window ending there (<c>time &gt; ${__to}ms - 10s</c> for failover, at most 30 s for
    /// telemetry), so no point in it reads <c>noValue</c> ("NO DATA") instead of the last value; the reducer is
    /// <c>last</c> (the newest value, null included), never <c>lastNotNull</c>, which would carry an older value over a null.
    /// </summary>
    public static IEnumerable<string> CurrentValues(JsonElement d)
    {
        foreach (var p in GrafanaDashboards.Panels(d).Where(p => p.GetProperty("type").GetString() == "stat"))
        {
            var name = $"panel {p.GetProperty("id").GetInt32()} '{p.GetProperty("title").GetString()}'";
            var calcs = p.GetProperty("options").GetProperty("reduceOptions").GetProperty("calcs").EnumerateArray().Select(c => c.GetString()).ToList();
            if (calcs is not ["last"])
            {
                yield return $"{name}: reduce with [last] (the newest value, null included), not [{string.Join(", ", calcs)}]";
            }

            if (!p.GetProperty("fieldConfig").GetProperty("defaults").TryGetProperty("noValue", out var noValue) || string.IsNullOrEmpty(noValue.GetString()))
            {
                yield return $"{name}: no noValue text for a panel without fresh data";
            }

            foreach (var t in p.GetProperty("targets").EnumerateArray())
            {
                var query = t.GetProperty("query").GetString()!;
                var window = FreshnessWindow(query);
                var limit = query.Contains("FROM \"failover\"", StringComparison.Ordinal) ? FailoverFreshness : TelemetryFreshness;
                if (window is null)
                {
                    yield return $"{name}: query has no freshness window 'time > ${{__to}}ms - N' ({query})";
                }
                else if (window > limit)
                {
                    yield return $"{name}: freshness window {window} is longer than {limit}";
                }
            }
        }
    }

    /// <summary>
    /// A stat showing <c>failover.margin</c> never shows an older margin for a UPS whose newest point has none. InfluxQL's
    /// <c>last("failover.margin")</c> returns the last point that still had a margin, and a null mapping in Grafana would
    /// also catch "no data at all"; so the query adds, per UPS, the newest point's margin and
    /// <c>("failover.margin.known" - 1) * 1000000000</c> of the newest point (≈ −10⁹ when it has no margin), and a range
    /// mapping reads that as "NO MARGIN" in red.
    /// </summary>
    public static IEnumerable<string> NoMarginShown(JsonElement d)
    {
        foreach (var p in GrafanaDashboards.Panels(d).Where(p => p.GetProperty("type").GetString() == "stat"))
        {
            var queries = p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("query").GetString()!).ToList();
            if (!queries.Any(q => q.Contains("\"failover.margin\"", StringComparison.Ordinal)))
            {
                continue;
            }

            var name = $"panel {p.GetProperty("id").GetInt32()} '{p.GetProperty("title").GetString()}'";
            foreach (var q in queries.Where(q => q.Contains("\"failover.margin\"", StringComparison.Ordinal)))
            {
                if (!q.Contains("(\"failover.margin.known\" - 1) * 1000000000", StringComparison.Ordinal)
                    || System.Text.RegularExpressions.Regex.Count(q, "ORDER BY time DESC LIMIT 1") < 2
                    || q.Contains("(\"failover.margin\")", StringComparison.Ordinal))
                {
                    yield return $"{name}: must add the newest point's \"failover.margin\" and (\"failover.margin.known\" - 1) * 1000000000 (each ORDER BY time DESC LIMIT 1), never aggregate the margin itself: {q}";
                }
            }

            var mapsMarker = p.GetProperty("fieldConfig").GetProperty("defaults").TryGetProperty("mappings", out var mappings)
                && mappings.EnumerateArray().Any(m => m.GetProperty("type").GetString() == "range"
                    && m.GetProperty("options").GetProperty("to").GetDouble() <= -1e8
                    && m.GetProperty("options").GetProperty("from").GetDouble() <= -1e10
                    && m.GetProperty("options").GetProperty("result").GetProperty("text").GetString() == "NO MARGIN"
                    && m.GetProperty("options").GetProperty("result").GetProperty("color").GetString() == "red");
            if (!mapsMarker)
            {
                yield return $"{name}: the no-margin marker (≈ −10⁹) must read NO MARGIN in red (range mapping from ≤ −10¹⁰ to ≤ −10⁸)";
            }
        }
    }

    /// <summary>The length N of a <c>time &gt; ${__to}ms - N</c> clause, or null when there is none.</summary>
    public static TimeSpan? FreshnessWindow(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var m = System.Text.RegularExpressions.Regex.Match(query, @"time > \$\{__to\}ms - (\d+)(s|m)\b");
        if (!m.Success)
        {
            return null;
        }

        var n = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return m.Groups[2].Value == "s" ? TimeSpan.FromSeconds(n) : TimeSpan.FromMinutes(n);
    }

    /// <summary>An enabled alerts annotation exists (Grafana draws dashboard annotations on every time panel).</summary>
    public static IEnumerable<string> AlertAnnotations(JsonElement d)
    {
        var hasTimePanel = GrafanaDashboards.Panels(d).Any(p => TimePanelTypes.Contains(p.GetProperty("type").GetString()!));
        var ok = d.GetProperty("annotations").GetProperty("list").EnumerateArray().Any(a =>
            a.TryGetProperty("enable", out var e) && e.GetBoolean() &&
            a.TryGetProperty("target", out var t) && t.TryGetProperty("query", out var q) &&
            q.GetString()!.Contains("FROM \"alerts\"", StringComparison.Ordinal));
        if (hasTimePanel && !ok)
        {
            yield return "no enabled annotation reading the alerts measurement";
        }

        foreach (var p in GrafanaDashboards.Panels(d).Where(p => TimePanelTypes.Contains(p.GetProperty("type").GetString()!)))
        {
            if (p.TryGetProperty("options", out var o) && o.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.False)
            {
                yield return $"panel {p.GetProperty("id").GetInt32()} hides annotations";
            }
        }
    }

    private static bool IsMeasurement(string m) => PowerWatchSchema.DeviceKinds.Contains(m) || m is "alerts" or "failover";

    private static IEnumerable<string> ShowMeasurements(string query)
    {
        var i = query.IndexOf("FROM \"", StringComparison.OrdinalIgnoreCase);
        if (i < 0)
        {
            yield break;
        }

        var start = i + 6;
        yield return query[start..query.IndexOf('"', start)];
    }

    private static IEnumerable<(string Path, string Uid)> DatasourceUids(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == "datasource")
                {
                    if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("uid", out var uid))
                    {
                        yield return (path + ".datasource", uid.GetString() ?? "");
                    }
                    else if (p.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return (path + ".datasource", p.Value.GetString()!);
                    }
                }
                else
                {
                    foreach (var x in DatasourceUids(p.Value, path + "." + p.Name))
                    {
                        yield return x;
                    }
                }
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in e.EnumerateArray())
            {
                foreach (var x in DatasourceUids(item, $"{path}[{i++}]"))
                {
                    yield return x;
                }
            }
        }
    }
}

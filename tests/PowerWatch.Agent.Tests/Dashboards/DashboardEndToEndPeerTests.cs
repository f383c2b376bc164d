using System.Text.Json;
using System.Text.RegularExpressions;
using PowerWatch.TestSupport;
using Xunit.Abstractions;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>
/// The dashboards on real data (DESIGN "Testing layers", end-to-end), over one <see cref="DashboardOutageRun"/>:
/// simulated outage → <c>powerwatch run</c> → mosquitto → <c>powerwatch ingest</c> → InfluxDB 1.6. Every panel,
/// template-variable and annotation query of every dashboard, with its variables resolved from the data by the
/// dashboard's own variable queries, must parse and return at least one series with a value, and every text state
/// the data holds must have a value mapping where the panel colours states.
/// </summary>
public sealed partial class DashboardEndToEndPeerTests(DashboardOutageRun run, ITestOutputHelper output) : IClassFixture<DashboardOutageRun>
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    [PeerFact("influxd", "mosquitto")]
    public async Task Every_dashboard_query_returns_data_from_a_simulated_outage_through_agent_mosquitto_and_ingest()
    {
        await run.StartAsync();
        var influx = run.Influx;
        // The range ends now, as on a live dashboard: stat panels only show points from the last seconds before it.
        var (from, to) = (run.From, DateTimeOffset.UtcNow);
        var failures = new List<string>();
        if (File.Exists(run.DeadLetterFile) && new FileInfo(run.DeadLetterFile).Length > 0)
        {
            failures.Add("ingest dead-lettered messages:\n" + DashboardOutageRun.Tail(await File.ReadAllTextAsync(run.DeadLetterFile)));
        }

        var checkedQueries = 0;
        foreach (var file in GrafanaDashboards.Files())
        {
            using var doc = GrafanaDashboards.Load(file);
            var variables = await ResolveVariablesAsync(influx, doc.RootElement, from, to, failures, file);
            if (variables.TryGetValue("site", out var sites) && !sites.SequenceEqual([run.Site.Site.Name]))
            {
                failures.Add($"{file} variable $site: resolved to [{string.Join(", ", sites)}], expected the simulated site '{run.Site.Site.Name}'");
            }

            foreach (var q in GrafanaDashboards.Queries(file, doc.RootElement))
            {
                checkedQueries++;
                string expanded;
                try
                {
                    expanded = GrafanaQueryExpander.Expand(q.Query, variables, from, to, Interval);
                }
                catch (KeyNotFoundException ex)
                {
                    failures.Add($"{q.Dashboard} {q.Location}: {ex.Message}");
                    continue;
                }

                var reason = await ProblemAsync(influx, expanded);

                // A stat reads only the last seconds before the range's end; a quantity the agent no longer writes (the
                // discharge estimate once off battery) is rightly empty there. It must still read real data over the range.
                if (reason is not null && DashboardLint.FreshnessWindow(q.Query) is not null)
                {
                    var unwindowed = GrafanaQueryExpander.Expand(FreshnessClause().Replace(q.Query, ""), variables, from, to, Interval);
                    if (await ProblemAsync(influx, unwindowed) is null)
                    {
                        output.WriteLine($"{q.Dashboard} {q.Location}: nothing fresh now (the tile reads NO DATA), data over the range: {reason}");
                        reason = null;
                    }
                }

                if (reason is not null)
                {
                    failures.Add($"{q.Dashboard} {q.Location}: {reason}\n    {expanded}");
                }
            }

            // Panels that colour text states: every state the real data holds has a mapping (else Grafana shows it raw and grey).
            foreach (var panel in GrafanaDashboards.Panels(doc.RootElement).Where(p => p.TryGetProperty("targets", out _)))
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    string expanded;
                    JsonElement result;
                    try
                    {
                        expanded = GrafanaQueryExpander.Expand(target.GetProperty("query").GetString()!, variables, from, to, Interval);
                        result = await influx.QueryAsync(expanded, DashboardOutageRun.Database);
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException)
                    {
                        continue; // already reported above
                    }

                    foreach (var unmapped in UnmappedValues(panel, result))
                    {
                        failures.Add($"{file} panel {panel.GetProperty("id").GetInt32()} '{panel.GetProperty("title").GetString()}' target {target.GetProperty("refId").GetString()}: {unmapped}\n    {expanded}");
                    }
                }
            }
        }

        Assert.True(checkedQueries > 0, "no dashboard queries found");
        Assert.True(failures.Count == 0, $"{failures.Count} problems with the {checkedQueries} dashboard queries on real data:\n" + string.Join('\n', failures));
    }

    /// <summary>
    /// The overview's "Active alerts" table (its query, then its filterByValue transformation that hides rows whose
    /// last state is 'cleared') lists none of the alerts the agent itself reports cleared (its status API). In this
    /// run ups-on-battery is raised during the outage and cleared once the generator carries the load.
    /// </summary>
    [PeerFact("influxd", "mosquitto")]
    public async Task Active_alerts_table_hides_the_alerts_the_agent_has_cleared()
    {
        await run.StartAsync();
        using var http = new HttpClient { BaseAddress = run.StatusUrl, Timeout = TimeSpan.FromSeconds(10) };
        List<(string Rule, string Device, DateTimeOffset ClearedAt)> cleared = [];
        await run.WaitUntilAsync(
            async () =>
            {
                using var alerts = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/alerts", UriKind.Relative)));
                var active = alerts.RootElement.GetProperty("active").EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToHashSet(StringComparer.Ordinal);
                cleared = [.. alerts.RootElement.GetProperty("recent").EnumerateArray()
                    .Where(a => !a.GetProperty("active").GetBoolean() && a.GetProperty("clearedAt").ValueKind == JsonValueKind.String && !active.Contains(a.GetProperty("id").GetString()))
                    .Select(a => (a.GetProperty("rule").GetString()!, a.GetProperty("device").GetString()!, a.GetProperty("clearedAt").GetDateTimeOffset()))];
                return cleared.Count > 0;
            },
            () => "the agent reports a cleared alert");

        // The agent publishes in order through its outbox: once telemetry stamped after the last clear is in InfluxDB, so is the clear.
        var lastClear = cleared.Max(c => c.ClearedAt).AddSeconds(1).ToUnixTimeMilliseconds();
        await run.WaitUntilAsync(() => run.HasSeriesAsync($"SELECT * FROM \"ups\" WHERE time > {lastClear}ms LIMIT 1"), () => "telemetry newer than the last clear");

        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        var panel = GrafanaDashboards.Panels(doc.RootElement).Single(p => p.GetProperty("title").GetString() == "Active alerts");
        var variables = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["site"] = [run.Site.Site.Name] };
        var query = GrafanaQueryExpander.Expand(panel.GetProperty("targets")[0].GetProperty("query").GetString()!, variables, run.From, DateTimeOffset.UtcNow.AddMinutes(1), Interval);
        var result = await run.Influx.QueryAsync(query, DashboardOutageRun.Database);
        var shown = new List<(string Rule, string Device, string State)>();
        foreach (var series in result.GetProperty("series").EnumerateArray())
        {
            var columns = series.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
            var tags = series.GetProperty("tags");
            foreach (var row in series.GetProperty("values").EnumerateArray())
            {
                var cells = columns.Select((c, i) => (Column: c, Value: row[i].ToString())).ToDictionary(x => x.Column, x => x.Value, StringComparer.Ordinal);
                if (!HiddenByTransformations(panel, cells))
                {
                    shown.Add((tags.GetProperty("rule").GetString()!, tags.GetProperty("device").GetString()!, cells["state"]));
                }
            }
        }

        var wrong = shown.Where(r => cleared.Any(c => c.Rule == r.Rule && c.Device == r.Device)).ToList();
        Assert.True(
            wrong.Count == 0,
            $"the Active alerts table shows alerts the agent has cleared ({string.Join(", ", cleared.Select(c => $"{c.Rule}/{c.Device} at {c.ClearedAt:O}"))}): "
            + string.Join("; ", wrong.Select(r => $"{r.Rule}/{r.Device} last state '{r.State}'")) + $"\n    {query}");
    }

    /// <summary>Grafana's filterByValue transformation with <c>equal</c> conditions: whether it drops the row.</summary>
    private static bool HiddenByTransformations(JsonElement panel, Dictionary<string, string> cells)
    {
        if (!panel.TryGetProperty("transformations", out var transformations))
        {
            return false;
        }

        foreach (var t in transformations.EnumerateArray().Where(t => t.GetProperty("id").GetString() == "filterByValue"))
        {
            var options = t.GetProperty("options");
            var matches = options.GetProperty("filters").EnumerateArray().Select(f =>
                f.GetProperty("config").GetProperty("id").GetString() == "equal"
                && cells.TryGetValue(f.GetProperty("fieldName").GetString()!, out var v)
                && v == f.GetProperty("config").GetProperty("options").GetProperty("value").ToString()).ToList();
            var hit = options.GetProperty("match").GetString() == "all" ? matches.All(m => m) : matches.Any(m => m);
            if (hit == (options.GetProperty("type").GetString() == "exclude"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Resolves a dashboard's query variables in order, as Grafana does on load: each variable's query is expanded
    /// with the variables before it and run; a single-value variable takes the first value, a multi-value one all
    /// of them (Grafana's "All" without a custom all value).
    /// </summary>
    private static async Task<Dictionary<string, IReadOnlyList<string>>> ResolveVariablesAsync(
        InfluxDaemon influx, JsonElement dashboard, DateTimeOffset from, DateTimeOffset to, List<string> failures, string file)
    {
        var resolved = GrafanaDashboards.CustomVariableDefaults(dashboard);
        foreach (var v in GrafanaDashboards.Variables(dashboard))
        {
            var name = v.GetProperty("name").GetString()!;
            if (v.GetProperty("type").GetString() != "query")
            {
                continue;
            }

            List<string> values = [];
            try
            {
                var expanded = GrafanaQueryExpander.Expand(v.GetProperty("query").GetString()!, resolved, from, to, TimeSpan.FromSeconds(1));
                var result = await influx.QueryAsync(expanded, DashboardOutageRun.Database);
                if (result.TryGetProperty("series", out var series))
                {
                    values = [.. series.EnumerateArray()
                        .SelectMany(s => s.GetProperty("values").EnumerateArray())
                        .Select(row => row[1].GetString()!)
                        .Distinct(StringComparer.Ordinal)
                        .Order(StringComparer.Ordinal)];
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException)
            {
                failures.Add($"{file} variable ${name}: cannot be resolved: {ex.Message}");
            }

            var multi = v.TryGetProperty("multi", out var m) && m.GetBoolean() || v.TryGetProperty("includeAll", out var a) && a.GetBoolean();
            resolved[name] = multi ? values : values.Take(1).ToList();
        }

        return resolved;
    }

    /// <summary>
    /// Text and boolean values in a panel's result that none of its value mappings match: <c>fieldConfig.defaults.mappings</c>
    /// for every value column, a <c>byName</c> override's mappings for that column or tag. Value mappings match the exact
    /// text; regex mappings match as Grafana's do (a regex search). Columns without mappings are not checked.
    /// </summary>
    private static IEnumerable<string> UnmappedValues(JsonElement panel, JsonElement result)
    {
        if (!result.TryGetProperty("series", out var series) || !panel.TryGetProperty("fieldConfig", out var config))
        {
            yield break;
        }

        var defaults = config.TryGetProperty("defaults", out var d) && d.TryGetProperty("mappings", out var dm) ? dm : default;
        var byName = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (config.TryGetProperty("overrides", out var overrides))
        {
            foreach (var o in overrides.EnumerateArray())
            {
                if (o.GetProperty("matcher").GetProperty("id").GetString() != "byName")
                {
                    continue;
                }

                foreach (var property in o.GetProperty("properties").EnumerateArray())
                {
                    if (property.GetProperty("id").GetString() == "mappings")
                    {
                        byName[o.GetProperty("matcher").GetProperty("options").GetString()!] = property.GetProperty("value");
                    }
                }
            }
        }

        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in series.EnumerateArray())
        {
            var cells = new List<(string Column, JsonElement Value)>();
            var columns = s.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
            foreach (var row in s.GetProperty("values").EnumerateArray())
            {
                cells.AddRange(row.EnumerateArray().Select((cell, i) => (columns[i], cell)).Skip(1));
            }

            if (s.TryGetProperty("tags", out var tags))
            {
                cells.AddRange(tags.EnumerateObject().Where(t => byName.ContainsKey(t.Name)).Select(t => (t.Name, t.Value)));
            }

            foreach (var (column, cell) in cells)
            {
                var text = cell.ValueKind switch
                {
                    JsonValueKind.String => cell.GetString()!,
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => null,
                };
                var mappings = byName.TryGetValue(column, out var m) ? m : defaults;
                if (text is null || mappings.ValueKind != JsonValueKind.Array || mappings.GetArrayLength() == 0 || IsMapped(mappings, text))
                {
                    continue;
                }

                if (reported.Add(column + "\u0000" + text))
                {
                    yield return $"value '{text}' of column '{column}' has no value mapping";
                }
            }
        }
    }

    private static bool IsMapped(JsonElement mappings, string text) =>
        mappings.EnumerateArray().Any(m => m.GetProperty("type").GetString() switch
        {
            "value" => m.GetProperty("options").TryGetProperty(text, out _),
            "regex" => Regex.IsMatch(text, m.GetProperty("options").GetProperty("pattern").GetString()!),
            _ => false,
        });

    [GeneratedRegex(@" AND time > \$\{__to\}ms - \d+[sm]\b")]
    private static partial Regex FreshnessClause();

    /// <summary>Null when the query answers with at least one series holding a non-null value; else why not.</summary>
    private static async Task<string?> ProblemAsync(InfluxDaemon influx, string query)
    {
        JsonElement result;
        try
        {
            result = await influx.QueryAsync(query, DashboardOutageRun.Database);
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }

        if (!result.TryGetProperty("series", out var series) || series.GetArrayLength() == 0)
        {
            return "no series";
        }

        var hasValue = series.EnumerateArray().Any(s =>
            s.GetProperty("values").EnumerateArray().Any(row => row.EnumerateArray().Skip(1).Any(cell => cell.ValueKind != JsonValueKind.Null)));
        return hasValue ? null : $"{series.GetArrayLength()} series, every value null";
    }
}

using System.Globalization;
using System.Text;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Dashboards;

public sealed class DashboardInfluxPeerTests
{
    private const string Database = "powerwatch";
    private const string Site = "dc-1";
    private const string Device = "dev-1";

    [PeerFact("influxd")]
    public async Task Every_dashboard_query_parses_on_influxdb_1_and_returns_a_series()
    {
        var queries = GrafanaDashboards.Files()
            .SelectMany(f =>
            {
                using var doc = GrafanaDashboards.Load(f);
                return GrafanaDashboards.Queries(f, doc.RootElement);
            })
            .ToList();
        Assert.NotEmpty(queries);

        await using var influx = await InfluxDaemon.StartAsync(false, Database);
        var now = DateTimeOffset.UtcNow;
        // The last point is 2 s old, so the stat panels' freshness windows (the last 10 s / 30 s of the range) hold it.
        await influx.WriteAsync(Database, SyntheticPoints(queries, [now.AddMinutes(-10), now.AddMinutes(-5), now.AddSeconds(-2)]));

        var variables = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["site"] = [Site],
            ["device"] = [Device],
            ["meter"] = [Device],
        };
        foreach (var file in GrafanaDashboards.Files())
        {
            using var doc = GrafanaDashboards.Load(file);
            foreach (var (name, values) in GrafanaDashboards.CustomVariableDefaults(doc.RootElement))
            {
                variables[name] = values;
            }
        }

        var failures = new List<string>();
        foreach (var q in queries)
        {
            var expanded = GrafanaQueryExpander.Expand(q.Query, variables, now.AddHours(-1), now, TimeSpan.FromMinutes(1));
            try
            {
                var result = await influx.QueryAsync(expanded, Database);
                if (!result.TryGetProperty("series", out var series) || series.GetArrayLength() == 0)
                {
                    failures.Add($"{q.Dashboard} {q.Location}: no series for {expanded}");
                }
            }
            catch (InvalidOperationException ex)
            {
                failures.Add($"{q.Dashboard} {q.Location}: {ex.Message} in {expanded}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>
    /// The overview's headline queries on a real InfluxDB 1.6 over failover points written as the agreed schema has
    /// them (site point and per-UPS points, one set per evaluation): ups-a's margin was 50 s and then disappears (the
    /// generator failed: failover.margin.known 0), ups-b keeps 300 → 280 s. At each end of the time range the tiles read
    /// what the newest points within 10 s say, never an older margin, and NO DATA when there is nothing that fresh.
    /// </summary>
    [PeerFact("influxd")]
    public async Task Headline_queries_read_the_newest_failover_point_no_margin_and_no_data_on_influxdb_1()
    {
        await using var influx = await InfluxDaemon.StartAsync(false, Database);
        var t0 = DateTimeOffset.UtcNow.AddSeconds(-8);
        string Ns(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() * 1_000_000).ToString(CultureInfo.InvariantCulture);
        var (t1, t2) = (t0.AddSeconds(4), t0.AddSeconds(7));
        await influx.WriteAsync(Database, string.Join('\n',
            $"failover,site={Site} failover.state=\"generator-starting\",failover.verdict=\"at-risk\",failover.verdict.code=2,failover.seconds.left=260 {Ns(t0)}",
            $"failover,site={Site},device=ups-a,ats=ats,generator=gen failover.phase=\"generator-starting\",failover.margin=50,failover.margin.known=1,failover.verdict.code=2 {Ns(t0)}",
            $"failover,site={Site},device=ups-b,ats=ats,generator=gen failover.phase=\"generator-starting\",failover.margin=300,failover.margin.known=1,failover.verdict.code=1 {Ns(t0)}",
            $"failover,site={Site} failover.state=\"generator-unavailable\",failover.verdict=\"critical\",failover.verdict.code=4,failover.seconds.left=250 {Ns(t1)}",
            $"failover,site={Site},device=ups-a,ats=ats,generator=gen failover.phase=\"generator-unavailable\",failover.margin.known=0,failover.verdict.code=4 {Ns(t1)}",
            $"failover,site={Site} failover.state=\"generator-unavailable\",failover.verdict=\"critical\",failover.verdict.code=4,failover.seconds.left=247 {Ns(t2)}",
            $"failover,site={Site},device=ups-a,ats=ats,generator=gen failover.phase=\"generator-unavailable\",failover.margin.known=0,failover.verdict.code=4 {Ns(t2)}",
            $"failover,site={Site},device=ups-b,ats=ats,generator=gen failover.phase=\"generator-starting\",failover.margin=280,failover.margin.known=1,failover.verdict.code=1 {Ns(t2)}") + "\n");

        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        async Task<IReadOnlyList<StatTile>> ShowAsync(string title, DateTimeOffset to)
        {
            var panel = GrafanaDashboards.Panel(doc.RootElement, title);
            var variables = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["site"] = [Site] };
            var query = GrafanaQueryExpander.Expand(panel.GetProperty("targets")[0].GetProperty("query").GetString()!, variables, to.AddHours(-1), to, TimeSpan.FromSeconds(1));
            return GrafanaStatDisplay.Evaluate(panel, await influx.QueryAsync(query, Database));
        }

        // Just after t0: at risk, 260 s left, both margins known.
        var early = t0.AddSeconds(1);
        Assert.Equal("AT RISK", Assert.Single(await ShowAsync("Site verdict", early)).Text);
        Assert.Equal(260, Assert.Single(await ShowAsync("Countdown to battery depletion", early)).Number);
        Assert.Equal([("ups-a", "50", "orange"), ("ups-b", "300", "green")], (await ShowAsync("Failover margin per UPS", early)).Select(x => (x.Title, x.Text, x.Color)).Order());

        // After t2: critical, the countdown has fallen, ups-a has NO MARGIN although its last good margin (50 s) is 7 s old.
        var late = t2.AddMilliseconds(500);
        Assert.Equal(("CRITICAL", "red"), Assert.Single(await ShowAsync("Site verdict", late)) is var v ? (v.Text, v.Color) : default);
        Assert.Equal(247, Assert.Single(await ShowAsync("Countdown to battery depletion", late)).Number);
        Assert.Equal([("ups-a", "NO MARGIN", "red"), ("ups-b", "280", "green")], (await ShowAsync("Failover margin per UPS", late)).Select(x => (x.Title, x.Text, x.Color)).Order());
        var old = await influx.QueryAsync($"SELECT last(\"failover.margin\") FROM \"failover\" WHERE \"device\" = 'ups-a' AND time <= {late.ToUnixTimeMilliseconds()}ms", Database);
        Assert.Equal(50, old.GetProperty("series")[0].GetProperty("values")[0][1].GetDouble()); // what last() would have shown

        // 11 s after the newest point (the agent stopped): nothing is shown as current.
        var stale = t2.AddSeconds(11);
        Assert.Equal(("NO DATA", "#808080"), Assert.Single(await ShowAsync("Site verdict", stale)) is var sv ? (sv.Text, sv.Color) : default);
        Assert.Equal(("NO DATA", "#808080"), Assert.Single(await ShowAsync("Failover margin per UPS", stale)) is var sm ? (sm.Text, sm.Color) : default);
        Assert.Equal("NO COUNTDOWN", Assert.Single(await ShowAsync("Countdown to battery depletion", stale)).Text);
    }

    /// <summary>Line protocol with every field the queries read, per measurement, typed as the ingest writes it.</summary>
    private static string SyntheticPoints(IEnumerable<DashboardQuery> queries, IEnumerable<DateTimeOffset> times)
    {
        var fields = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var concrete = PowerWatchSchema.ConcreteCatalogNames().ToList();
        foreach (var q in queries)
        {
            var select = InfluxQlSelect.TryParse(q.Query);
            if (select is null)
            {
                continue;
            }

            if (!fields.TryGetValue(select.Measurement, out var set))
            {
                fields[select.Measurement] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(select.Fields.Where(f => !PowerWatchSchema.Tags.Contains(f)));
            foreach (var p in select.FieldPatterns)
            {
                set.UnionWith(concrete.Where(n => p.IsMatch(n)));
            }
        }

        // Every device measurement, so SHOW TAG VALUES FROM any of them answers.
        foreach (var kind in PowerWatchSchema.DeviceKinds)
        {
            if (!fields.ContainsKey(kind))
            {
                fields[kind] = new SortedSet<string>(StringComparer.Ordinal) { "device.available" };
            }
        }

        var sb = new StringBuilder();
        foreach (var t in times)
        {
            var ns = (t.ToUnixTimeMilliseconds() * 1_000_000).ToString(CultureInfo.InvariantCulture);
            foreach (var (measurement, set) in fields)
            {
                // Failover has a per-UPS point and a site point (no device tag) at each time.
                string[] tagSets = measurement switch
                {
                    "alerts" => [$"device={Device},rule=utility-lost,severity=critical,site={Site}"],
                    "failover" => [$"ats={Device},device={Device},generator={Device},site={Site}", $"site={Site}"],
                    _ => [$"device={Device},model=sim,site={Site}"],
                };
                var values = set.Select(f =>
                {
                    var type = PowerWatchSchema.FieldType(measurement, f) ?? throw new InvalidOperationException($"{measurement}.{f} not in schema");
                    return $"{f}={PowerWatchSchema.SampleValue(f, type)}";
                }).ToList();
                foreach (var tags in tagSets)
                {
                    sb.Append(measurement).Append(',').Append(tags).Append(' ').AppendJoin(',', values).Append(' ').Append(ns).Append('\n');
                }
            }
        }

        return sb.ToString();
    }
}

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
        await influx.WriteAsync(Database, SyntheticPoints(queries, [now.AddMinutes(-10), now.AddMinutes(-5)]));

        var variables = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["site"] = [Site],
            ["device"] = [Device],
            ["meter"] = [Device],
        };
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
                var tags = measurement switch
                {
                    "alerts" => $"device={Device},rule=utility-lost,severity=critical,site={Site}",
                    "failover" => $"ats={Device},device={Device},generator={Device},site={Site}",
                    _ => $"device={Device},model=sim,site={Site}",
                };
                var values = set.Select(f =>
                {
                    var type = PowerWatchSchema.FieldType(measurement, f) ?? throw new InvalidOperationException($"{measurement}.{f} not in schema");
                    return $"{f}={PowerWatchSchema.SampleValue(f, type)}";
                });
                sb.Append(measurement).Append(',').Append(tags).Append(' ').AppendJoin(',', values).Append(' ').Append(ns).Append('\n');
            }
        }

        return sb.ToString();
    }
}

using System.Text.Json;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>One InfluxQL query found in a dashboard, with where it sits (for failure messages).</summary>
public sealed record DashboardQuery(string Dashboard, string Location, string Query);

/// <summary>Loads the shipped Grafana dashboards (dashboards/*.json) and enumerates every InfluxQL query in them.</summary>
public static class GrafanaDashboards
{
    /// <summary>The repository root: the first ancestor of the test assembly's directory that holds PowerWatch.sln.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PowerWatch.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("PowerWatch.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Directory => Path.Combine(RepositoryRoot(), "dashboards");

    /// <summary>Every dashboard file name (without directory), sorted.</summary>
    public static IReadOnlyList<string> Files() =>
        [.. System.IO.Directory.GetFiles(Directory, "*.json").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    public static JsonDocument Load(string file) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, file)));

    /// <summary>Every panel, including panels nested in collapsed rows.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in nested.EnumerateArray())
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Panel targets, template-variable queries and annotation queries: every InfluxQL text in the dashboard.</summary>
    public static IReadOnlyList<DashboardQuery> Queries(string file, JsonElement dashboard)
    {
        var list = new List<DashboardQuery>();
        foreach (var panel in Panels(dashboard))
        {
            if (!panel.TryGetProperty("targets", out var targets))
            {
                continue;
            }

            foreach (var t in targets.EnumerateArray())
            {
                if (t.TryGetProperty("query", out var q))
                {
                    list.Add(new DashboardQuery(file, $"panel {panel.GetProperty("id").GetInt32()} '{panel.GetProperty("title").GetString()}' target {t.GetProperty("refId").GetString()}", q.GetString()!));
                }
            }
        }

        foreach (var v in Variables(dashboard))
        {
            if (v.GetProperty("type").GetString() == "query")
            {
                list.Add(new DashboardQuery(file, $"variable ${v.GetProperty("name").GetString()}", v.GetProperty("query").GetString()!));
            }
        }

        foreach (var a in dashboard.GetProperty("annotations").GetProperty("list").EnumerateArray())
        {
            if (a.TryGetProperty("target", out var target) && target.TryGetProperty("query", out var q))
            {
                list.Add(new DashboardQuery(file, $"annotation '{a.GetProperty("name").GetString()}'", q.GetString()!));
            }
        }

        return list;
    }

    public static IEnumerable<JsonElement> Variables(JsonElement dashboard) =>
        dashboard.GetProperty("templating").GetProperty("list").EnumerateArray();

    /// <summary>The selected value of every custom variable (e.g. <c>nominal_frequency</c> → ["50"]), as Grafana uses it when the dashboard opens.</summary>
    public static Dictionary<string, IReadOnlyList<string>> CustomVariableDefaults(JsonElement dashboard) =>
        Variables(dashboard)
            .Where(v => v.GetProperty("type").GetString() == "custom")
            .ToDictionary(
                v => v.GetProperty("name").GetString()!,
                v => (IReadOnlyList<string>)[v.GetProperty("current").GetProperty("value").GetString()!],
                StringComparer.Ordinal);

    /// <summary>The panel with this title (exactly one).</summary>
    public static JsonElement Panel(JsonElement dashboard, string title) =>
        Panels(dashboard).Single(p => p.GetProperty("title").GetString() == title);
}

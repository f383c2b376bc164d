using System.Text.Json;
using System.Text.Json.Nodes;

namespace PowerWatch.Agent.Tests.Dashboards;

public sealed class DashboardStructureTests
{
    public static TheoryData<string> DashboardFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in GrafanaDashboards.Files())
        {
            data.Add(f);
        }

        return data;
    }

    [Fact]
    public void The_four_shipped_dashboards_are_present()
    {
        Assert.Equal(
            ["generator-detail.json", "pdu-meter.json", "power-chain-overview.json", "ups-detail.json"],
            GrafanaDashboards.Files());
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Shipped_dashboard_passes_every_structural_rule(string file)
    {
        using var doc = GrafanaDashboards.Load(file);
        var problems = DashboardLint.All(file, doc.RootElement);
        Assert.True(problems.Count == 0, file + ":\n" + string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Shipped_dashboard_has_site_variable_from_show_tag_values(string file)
    {
        using var doc = GrafanaDashboards.Load(file);
        var site = GrafanaDashboards.Variables(doc.RootElement).Single(v => v.GetProperty("name").GetString() == "site");
        Assert.Equal("query", site.GetProperty("type").GetString());
        Assert.StartsWith("SHOW TAG VALUES", site.GetProperty("query").GetString(), StringComparison.Ordinal);
        Assert.Equal("${datasource}", site.GetProperty("datasource").GetProperty("uid").GetString());
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Every_panel_query_is_a_raw_influxql_query(string file)
    {
        using var doc = GrafanaDashboards.Load(file);
        var targets = GrafanaDashboards.Panels(doc.RootElement)
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .ToList();
        Assert.NotEmpty(targets);
        Assert.All(targets, t => Assert.True(t.GetProperty("rawQuery").GetBoolean()));
    }

    [Fact]
    public void Overview_headline_is_the_failover_margin_per_ups()
    {
        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        var first = GrafanaDashboards.Panels(doc.RootElement).First(p => p.GetProperty("type").GetString() != "row");
        Assert.Equal("stat", first.GetProperty("type").GetString());
        Assert.Contains("last(\"failover.margin\")", first.GetProperty("targets")[0].GetProperty("query").GetString(), StringComparison.Ordinal);
        Assert.Contains("GROUP BY \"device\"", first.GetProperty("targets")[0].GetProperty("query").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Overview_shows_every_link_of_the_power_chain()
    {
        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        var measurements = GrafanaDashboards.Queries("overview", doc.RootElement)
            .Select(q => InfluxQlSelect.TryParse(q.Query)?.Measurement)
            .ToHashSet();
        foreach (var m in new[] { "ats", "generator", "ups", "pdu", "alerts", "failover" })
        {
            Assert.Contains(m, measurements);
        }
    }

    // The rules must be able to fail: each broken copy of a real dashboard is caught by its rule.
    [Fact]
    public void Lint_catches_a_hard_coded_datasource_uid()
    {
        var broken = Mutate("ups-detail.json", d => d["panels"]![0]!["datasource"]!["uid"] = "P951FEA4DE68E13C5");
        Assert.Contains(DashboardLint.Datasources(broken), p => p.Contains("P951FEA4DE68E13C5", StringComparison.Ordinal));
    }

    [Fact]
    public void Lint_catches_a_duplicate_panel_id()
    {
        var broken = Mutate("ups-detail.json", d => d["panels"]![1]!["id"] = d["panels"]![0]!["id"]!.GetValue<int>());
        Assert.NotEmpty(DashboardLint.PanelIds(broken));
    }

    [Fact]
    public void Lint_catches_an_undefined_variable()
    {
        var broken = Mutate("ups-detail.json", d => SetFirstQuery(d, q => q.Replace("$device", "$ups", StringComparison.Ordinal)));
        Assert.Contains(DashboardLint.VariablesDefined("x", broken), p => p.Contains("$ups", StringComparison.Ordinal));
    }

    [Fact]
    public void Lint_catches_a_field_missing_from_the_metric_catalogue()
    {
        var broken = Mutate("ups-detail.json", d => SetFirstQuery(d, q => q.Replace("battery.runtime", "battery.runtime.minutes", StringComparison.Ordinal)));
        Assert.Contains(DashboardLint.QueriesMatchSchema("x", broken), p => p.Contains("battery.runtime.minutes", StringComparison.Ordinal));
    }

    [Fact]
    public void Lint_catches_an_unknown_measurement()
    {
        var broken = Mutate("ups-detail.json", d => SetFirstQuery(d, q => q.Replace("FROM \"ups\"", "FROM \"upses\"", StringComparison.Ordinal)));
        Assert.Contains(DashboardLint.QueriesMatchSchema("x", broken), p => p.Contains("upses", StringComparison.Ordinal));
    }

    [Fact]
    public void Lint_catches_a_query_without_time_filter()
    {
        var broken = Mutate("ups-detail.json", d => SetFirstQuery(d, q => q.Replace(" AND $timeFilter", "", StringComparison.Ordinal)));
        Assert.NotEmpty(DashboardLint.TimeQueries("x", broken));
    }

    [Fact]
    public void Lint_catches_a_field_regex_that_matches_no_metric()
    {
        var broken = Mutate("pdu-meter.json", d => SetFirstQuery(d, q => q.Replace("current$/", "amps$/", StringComparison.Ordinal)));
        Assert.Contains(DashboardLint.QueriesMatchSchema("x", broken), p => p.Contains("amps", StringComparison.Ordinal));
    }

    [Fact]
    public void Lint_catches_a_time_panel_dashboard_without_alert_annotations()
    {
        var broken = Mutate("ups-detail.json", d => d["annotations"]!["list"]!.AsArray().RemoveAt(1));
        Assert.NotEmpty(DashboardLint.AlertAnnotations(broken));
    }

    private static JsonElement Mutate(string file, Action<JsonNode> change)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(GrafanaDashboards.Directory, file)))!;
        change(node);
        return JsonDocument.Parse(node.ToJsonString()).RootElement;
    }

    private static void SetFirstQuery(JsonNode d, Func<string, string> change)
    {
        var target = d["panels"]!.AsArray().First(p => p!["targets"] is not null)!["targets"]![0]!;
        target["query"] = change(target["query"]!.GetValue<string>());
    }
}

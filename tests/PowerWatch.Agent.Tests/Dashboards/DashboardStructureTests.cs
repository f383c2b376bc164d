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
    public void Overview_headline_is_the_site_verdict_then_the_countdown_then_the_margin_per_ups()
    {
        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        var first = GrafanaDashboards.Panels(doc.RootElement).Where(p => p.GetProperty("type").GetString() != "row").Take(3).ToList();
        Assert.Equal(["Site verdict", "Countdown to battery depletion", "Failover margin per UPS"], first.Select(p => p.GetProperty("title").GetString()));
        Assert.All(first, p => Assert.Equal("stat", p.GetProperty("type").GetString()));
        Assert.All(first, p => Assert.Equal(1, p.GetProperty("gridPos").GetProperty("y").GetInt32()));
        Assert.Contains("\"failover.verdict.code\"", Query(first[0]), StringComparison.Ordinal);
        Assert.Contains("\"device\" = ''", Query(first[0]), StringComparison.Ordinal);
        Assert.Contains("\"failover.seconds.left\"", Query(first[1]), StringComparison.Ordinal);
        Assert.Contains("\"failover.margin.known\"", Query(first[2]), StringComparison.Ordinal);
        Assert.Contains("GROUP BY \"device\"", Query(first[2]), StringComparison.Ordinal);
        Assert.DoesNotContain("last(\"failover.margin\")", Query(first[2]), StringComparison.Ordinal);
    }

    [Fact]
    public void Verdict_codes_read_as_the_verdict_words_and_nothing_is_green_by_default()
    {
        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        var verdict = GrafanaDashboards.Panel(doc.RootElement, "Site verdict");
        var options = verdict.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("mappings")[0].GetProperty("options");
        foreach (var (word, code) in FailoverVerdictContract.Codes)
        {
            var text = options.GetProperty(code.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetProperty("text").GetString();
            Assert.Equal(word.Replace('-', ' ').ToUpperInvariant(), text);
        }

        Assert.Equal("red", options.GetProperty("4").GetProperty("color").GetString());
        Assert.Equal("NO DATA", verdict.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("noValue").GetString());
    }

    [Fact]
    public void Headline_panels_show_no_data_in_grey_when_the_newest_failover_point_is_older_than_ten_seconds()
    {
        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        using var empty = JsonDocument.Parse("""{"statement_id":0}""");
        foreach (var (title, text) in new[] { ("Site verdict", "NO DATA"), ("Failover margin per UPS", "NO DATA"), ("Countdown to battery depletion", "NO COUNTDOWN") })
        {
            var panel = GrafanaDashboards.Panel(doc.RootElement, title);
            Assert.Equal(TimeSpan.FromSeconds(10), DashboardLint.FreshnessWindow(Query(panel)));
            var shown = Assert.Single(GrafanaStatDisplay.Evaluate(panel, empty.RootElement));
            Assert.Equal(text, shown.Text);
            Assert.Contains(shown.Color, new[] { "#808080", "text" });
        }
    }

    [Fact]
    public void Margin_panel_reads_no_margin_in_red_for_the_newest_point_without_a_margin_not_the_last_good_value()
    {
        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        var panel = GrafanaDashboards.Panel(doc.RootElement, "Failover margin per UPS");

        // What InfluxDB 1.6 answers for the panel's query when ups-a's newest point has no margin (its last good one was 50 s)
        // and ups-b's newest has 250 s and ups-c's −25 s (the battery runs out 25 s before the generator can take the load).
        using var answer = JsonDocument.Parse("""
            {"statement_id":0,"series":[
              {"name":"failover","tags":{"device":"ups-a"},"columns":["time","margin"],"values":[["1970-01-01T00:00:00Z",-999999950]]},
              {"name":"failover","tags":{"device":"ups-b"},"columns":["time","margin"],"values":[["1970-01-01T00:00:00Z",250]]},
              {"name":"failover","tags":{"device":"ups-c"},"columns":["time","margin"],"values":[["1970-01-01T00:00:00Z",-25]]}]}
            """);
        Assert.Equal(
            [new StatTile("ups-a", -999999950, "NO MARGIN", "red"), new StatTile("ups-b", 250, "250", "green"), new StatTile("ups-c", -25, "-25", "red")],
            GrafanaStatDisplay.Evaluate(panel, answer.RootElement));
    }

    [Fact]
    public void Countdown_reads_the_newest_site_point_and_no_countdown_when_it_has_none()
    {
        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        var panel = GrafanaDashboards.Panel(doc.RootElement, "Countdown to battery depletion");
        using var onBattery = JsonDocument.Parse("""{"statement_id":0,"series":[{"name":"failover","columns":["time","seconds_left","verdict"],"values":[["2026-12-07T17:11:46.641Z",250,4]]}]}""");
        using var back = JsonDocument.Parse("""{"statement_id":0,"series":[{"name":"failover","columns":["time","seconds_left","verdict"],"values":[["2026-12-07T17:11:46.641Z",null,0]]}]}""");
        Assert.Equal([new StatTile("seconds_left", 250, "250", "red")], GrafanaStatDisplay.Evaluate(panel, onBattery.RootElement));
        Assert.Equal([new StatTile("seconds_left", null, "NO COUNTDOWN", "text")], GrafanaStatDisplay.Evaluate(panel, back.RootElement));
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

    [Fact]
    public void Lint_catches_a_stat_that_carries_the_last_non_null_value_over()
    {
        var broken = Mutate("power-chain-overview.json", d => d["panels"]![1]!["options"]!["reduceOptions"]!["calcs"] = new JsonArray("lastNotNull"));
        Assert.Contains(DashboardLint.CurrentValues(broken), p => p.Contains("lastNotNull", StringComparison.Ordinal));
    }

    [Fact]
    public void Lint_catches_a_stat_without_a_freshness_window()
    {
        var broken = Mutate("generator-detail.json", d => SetFirstQuery(d, q => q.Replace(" AND time > ${__to}ms - 30s", "", StringComparison.Ordinal)));
        Assert.Contains(DashboardLint.CurrentValues(broken), p => p.Contains("no freshness window", StringComparison.Ordinal));
    }

    [Fact]
    public void Lint_catches_the_old_margin_headline_that_shows_the_last_good_value()
    {
        var broken = Mutate("power-chain-overview.json", d =>
        {
            var margin = d["panels"]!.AsArray().Single(p => p!["title"]!.GetValue<string>() == "Failover margin per UPS")!;
            margin["targets"]![0]!["query"] = "SELECT last(\"failover.margin\") FROM \"failover\" WHERE \"site\" =~ /^$site$/ AND $timeFilter AND time > ${__to}ms - 10s GROUP BY \"device\"";
        });
        Assert.NotEmpty(DashboardLint.NoMarginShown(broken));
    }

    private static string Query(JsonElement panel) => panel.GetProperty("targets")[0].GetProperty("query").GetString()!;

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

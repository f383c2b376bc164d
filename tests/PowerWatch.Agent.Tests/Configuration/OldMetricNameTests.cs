using PowerWatch.Agent.Cli;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Tests.Dashboards;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Configuration;

/// <summary>check-config's warnings for metric names from before the NUT names (docs/metrics.md, Renamed to NUT names).</summary>
public sealed class OldMetricNameTests
{
    private const string OldRules = """
        { "PowerWatch": { "Site": "dc1", "Agent": "edge-1",
          "Devices": [ { "Id": "pdu-1", "Kind": "pdu", "Endpoint": "tcp://127.0.0.1:5022", "Profile": "raritan-xerus-pdu" } ],
          "Alerts": { "Rules": [
            { "Id": "pdu-hot", "Kind": "threshold", "Metric": "pdu.input.current", "Level": 10, "Description": "PDU current" },
            { "Id": "ats-off", "Kind": "state", "Metric": "ats.position", "EqualTo": "neutral", "Description": "No source" },
            { "Id": "ups-eco", "Kind": "state", "Metric": "ups.status", "Token": "ECO", "Description": "ECO mode" },
            { "Id": "outlet-w", "Kind": "threshold", "Metric": "outlet.3.power", "Level": 500, "Description": "Outlet 3" },
            { "Id": "fine", "Kind": "threshold", "Metric": "input.L1.current", "Level": 60, "Description": "Feed" }
          ] } } }
        """;

    [Fact]
    public void Alert_rules_with_old_names_or_values_get_a_warning_naming_the_new_one()
    {
        using var dir = new TempDir();
        var path = dir.File("site.json");
        File.WriteAllText(path, OldRules);
        Assert.Empty(PowerWatchCommandLine.LoadAndValidate(path, out var options));

        var warnings = OldMetricNames.InConfiguration(options).Select(w => w.ToString(options)).ToList();

        Assert.Equal(5, warnings.Count);
        Assert.StartsWith("Alerts.Rules[0].Metric: 'pdu.input.current' is the old name of 'input.current'", warnings[0], StringComparison.Ordinal);
        Assert.StartsWith("Alerts.Rules[1].Metric: 'ats.position' is the old name of 'input.source'", warnings[1], StringComparison.Ordinal);
        Assert.Equal("Alerts.Rules[1].EqualTo: 'neutral' is an old ats.position value; input.source is '0' (NUT source numbers)", warnings[2]);
        Assert.StartsWith("Alerts.Rules[2].Token: 'ECO' is not a NUT status token", warnings[3], StringComparison.Ordinal);
        Assert.Contains("vendor:apc:HE", warnings[3], StringComparison.Ordinal);
        Assert.StartsWith("Alerts.Rules[3].Metric: 'outlet.3.power' now has NUT's meaning (VA); PowerWatch's old 'outlet.3.power' is 'outlet.3.realpower'", warnings[4], StringComparison.Ordinal);
    }

    [Fact]
    public void A_dashboard_query_with_an_old_field_is_warned_about_with_its_line()
    {
        var dashboard = """
            {
              "panels": [ { "targets": [ {
                "query": "SELECT last(\"pdu.power\") FROM \"pdu\" WHERE $timeFilter", "rawQuery": true } ] },
                { "targets": [ { "query": "SELECT mean(\"meter.voltage.l1n\"), mean(\"input.L2-N.voltage\") FROM \"meter\"" } ] } ]
            }
            """;

        var warnings = OldMetricNames.InDashboard(dashboard).ToList();

        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("line 3: 'pdu.power' is the old name of 'input.realpower'", warnings[0], StringComparison.Ordinal);
        Assert.StartsWith("line 4: 'meter.voltage.l1n' is the old name of 'input.L1-N.voltage'", warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_dashboards_use_no_old_names()
    {
        foreach (var file in GrafanaDashboards.Files())
        {
            Assert.Empty(OldMetricNames.InDashboard(File.ReadAllText(Path.Combine(GrafanaDashboards.Directory, file))));
        }
    }

    [Fact]
    public void A_current_name_is_not_described() => Assert.Null(OldMetricNames.Describe("input.realpower"));
}

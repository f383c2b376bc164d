using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>
/// Dashboard colours come from the same defaults as the alert rules and the failover analyzer, read from code
/// (<see cref="DefaultAlertRules"/>, <see cref="FailoverOptions"/>): every panel that shows one of those quantities
/// turns orange where the rule warns and red where it goes critical, and nowhere else. Voltage, frequency and engine
/// speed are plotted as deviation from the dashboard's nominal variables, with the analyzer's ±tolerance as the band.
/// </summary>
public sealed class DashboardThresholdTests
{
    private static readonly string[] CriticalColors = ["red", "dark-red"];
    private static readonly string[] WarningColors = ["orange", "dark-orange"];

    /// <summary>A level pair: warn at <see cref="Warning"/>, critical at <see cref="Critical"/>, alarming below them or above them.</summary>
    private sealed record Band(string Source, double Warning, double Critical, bool Below);

    /// <summary>The quantity each field is, with its band from code.</summary>
    private static Dictionary<string, Band> Bands()
    {
        var rules = DefaultAlertRules.Create().ToDictionary(r => r.Id, StringComparer.Ordinal);
        var options = new FailoverOptions();
        Band Rule(string id) => new(
            "rule " + id,
            rules[id].Level,
            rules[id].CriticalLevel ?? throw new InvalidOperationException(id + " has no critical level"),
            rules[id].Direction == AlertDirection.Below);

        var runtime = Rule("ups-runtime-low");
        var meter = Rule("meter-overload");
        return new Dictionary<string, Band>(StringComparer.Ordinal)
        {
            ["ups.load"] = Rule("ups-overload"),
            ["battery.runtime"] = runtime,
            ["failover.runtime.estimate"] = runtime,
            ["failover.seconds.left"] = runtime,
            ["fuel.level"] = Rule("generator-low-fuel"),
            ["input.current"] = Rule("pdu-overload"),
            ["input.L1.current"] = meter,
            ["input.L2.current"] = meter,
            ["input.L3.current"] = meter,
            ["failover.margin"] = new("FailoverOptions.Margin*", options.MarginWarning.TotalSeconds, options.MarginCritical.TotalSeconds, Below: true),
            ["failover.fuel.hours"] = new("FailoverOptions.Fuel*", options.FuelWarning.TotalHours, options.FuelCritical.TotalHours, Below: true),
            ["generator.power.percent"] = new("FailoverOptions.Overload*Percent", options.OverloadWarningPercent, options.OverloadCriticalPercent, Below: false),
        };
    }

    /// <summary>Fields shown as deviation from a nominal variable, with the tolerance in percent.</summary>
    private static Dictionary<string, (string Variable, double TolerancePercent)> Deviations()
    {
        var o = new FailoverOptions();
        var (f, v) = (o.FrequencyTolerance * 100, o.VoltageTolerance * 100);
        return new Dictionary<string, (string, double)>(StringComparer.Ordinal)
        {
            ["generator.frequency"] = ("nominal_frequency", f), ["input.frequency"] = ("nominal_frequency", f),
            ["output.frequency"] = ("nominal_frequency", f),
            ["engine.speed"] = ("nominal_rpm", f),
            ["generator.voltage.l1n"] = ("nominal_voltage", v), ["generator.voltage.l2n"] = ("nominal_voltage", v),
            ["generator.voltage.l3n"] = ("nominal_voltage", v), ["input.voltage"] = ("nominal_voltage", v),
            ["output.voltage"] = ("nominal_voltage", v),
            ["input.L1-N.voltage"] = ("nominal_voltage", v), ["input.L2-N.voltage"] = ("nominal_voltage", v),
            ["input.L3-N.voltage"] = ("nominal_voltage", v),
        };
    }

    [Fact]
    public void Bands_are_read_from_the_code_defaults()
    {
        var b = Bands();
        Assert.Equal(new Band("rule ups-overload", 90, 100, false), b["ups.load"]);
        Assert.Equal(new Band("rule ups-runtime-low", 600, 300, true), b["battery.runtime"]);
        Assert.Equal(new Band("rule generator-low-fuel", 25, 10, true), b["fuel.level"]);
        Assert.Equal(new Band("rule pdu-overload", 16, 20, false), b["input.current"]);
        Assert.Equal(new Band("rule meter-overload", 63, 80, false), b["input.L1.current"]);
        Assert.Equal((120d, 30d), (b["failover.margin"].Warning, b["failover.margin"].Critical));
        Assert.Equal((4d, 1d), (b["failover.fuel.hours"].Warning, b["failover.fuel.hours"].Critical));
        Assert.Equal((90d, 100d), (b["generator.power.percent"].Warning, b["generator.power.percent"].Critical));
    }

    [Fact]
    public void Every_panel_threshold_agrees_with_the_alert_rule_or_analyzer_default_for_its_quantity()
    {
        var problems = new List<string>();
        var checkedPanels = 0;
        foreach (var file in GrafanaDashboards.Files())
        {
            using var doc = GrafanaDashboards.Load(file);
            foreach (var p in GrafanaDashboards.Panels(doc.RootElement))
            {
                var problem = ThresholdProblem(p, out var quantity);
                checkedPanels += quantity is null ? 0 : 1;
                if (problem is not null)
                {
                    problems.Add($"{file} panel {p.GetProperty("id").GetInt32()} '{p.GetProperty("title").GetString()}': {problem}");
                }
            }
        }

        Assert.True(checkedPanels >= 15, $"only {checkedPanels} panels show a quantity with an alert band");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Voltage_frequency_and_speed_panels_plot_deviation_from_the_nominal_variables_with_the_analyzer_tolerance()
    {
        var problems = new List<string>();
        var checkedPanels = 0;
        foreach (var file in GrafanaDashboards.Files())
        {
            using var doc = GrafanaDashboards.Load(file);
            var defined = GrafanaDashboards.CustomVariableDefaults(doc.RootElement);
            foreach (var p in GrafanaDashboards.Panels(doc.RootElement))
            {
                var problem = DeviationProblem(p, defined, out var isDeviation);
                checkedPanels += isDeviation ? 1 : 0;
                if (problem is not null)
                {
                    problems.Add($"{file} panel {p.GetProperty("id").GetInt32()} '{p.GetProperty("title").GetString()}': {problem}");
                }
            }
        }

        Assert.True(checkedPanels >= 7, $"only {checkedPanels} deviation panels");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Nominal_variables_default_to_the_analyzer_nominals_and_offer_the_usual_systems()
    {
        var o = new FailoverOptions();
        var expected = new Dictionary<string, (string Default, string[] Options)>(StringComparer.Ordinal)
        {
            ["nominal_voltage"] = (o.NominalVoltage.ToString(CultureInfo.InvariantCulture), ["120", "208", "230", "240", "277"]),
            ["nominal_frequency"] = (o.NominalFrequency.ToString(CultureInfo.InvariantCulture), ["50", "60"]),
            ["nominal_rpm"] = ("1500", ["1500", "1800"]),
        };
        foreach (var file in GrafanaDashboards.Files())
        {
            using var doc = GrafanaDashboards.Load(file);
            foreach (var v in GrafanaDashboards.Variables(doc.RootElement).Where(v => expected.ContainsKey(v.GetProperty("name").GetString()!)))
            {
                var (def, options) = expected[v.GetProperty("name").GetString()!];
                Assert.Equal("custom", v.GetProperty("type").GetString());
                Assert.Equal(def, v.GetProperty("current").GetProperty("value").GetString());
                Assert.Equal(options, v.GetProperty("options").EnumerateArray().Select(x => x.GetProperty("value").GetString()!).ToArray());
                Assert.Equal(string.Join(',', options), v.GetProperty("query").GetString());
            }
        }
    }

    [Fact]
    public void Threshold_check_catches_the_old_ups_load_band()
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(GrafanaDashboards.Directory, "ups-detail.json")))!;
        var load = node["panels"]!.AsArray().First(p => p!["title"]!.GetValue<string>() == "Load" && p["type"]!.GetValue<string>() == "stat")!;
        load["fieldConfig"]!["defaults"]!["thresholds"]!["steps"] = JsonNode.Parse("""[{"color":"green","value":null},{"color":"orange","value":80},{"color":"red","value":95}]""");
        using var doc = JsonDocument.Parse(load.ToJsonString());
        Assert.NotNull(ThresholdProblem(doc.RootElement, out _));
    }

    [Fact]
    public void Deviation_check_catches_a_hard_coded_50_hz_band()
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(GrafanaDashboards.Directory, "generator-detail.json")))!;
        var panel = node["panels"]!.AsArray().Single(p => p!["title"]!.GetValue<string>().StartsWith("Frequency", StringComparison.Ordinal))!;
        panel["targets"]![0]!["query"] = "SELECT mean(\"generator.frequency\") FROM \"generator\" WHERE \"site\" =~ /^$site$/ AND $timeFilter GROUP BY time($__interval), \"device\" fill(null)";
        panel["fieldConfig"]!["defaults"]!["thresholds"]!["steps"] = JsonNode.Parse("""[{"color":"red","value":null},{"color":"green","value":49},{"color":"red","value":51}]""");
        using var doc = JsonDocument.Parse(panel.ToJsonString());
        Assert.NotNull(DeviationProblem(doc.RootElement, new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal), out _));
    }

    /// <summary>Null when the panel shows no banded quantity or its thresholds match the band; else what is wrong.</summary>
    private static string? ThresholdProblem(JsonElement panel, out Band? band)
    {
        band = null;
        var bands = Bands();
        var fields = Fields(panel).Where(bands.ContainsKey).Select(f => bands[f]).Distinct().ToList();
        if (fields.Count == 0)
        {
            return null;
        }

        if (fields.Count > 1)
        {
            return "shows quantities with different bands: " + string.Join(", ", fields);
        }

        band = fields[0];
        if (!panel.TryGetProperty("fieldConfig", out var config) || !config.GetProperty("defaults").TryGetProperty("thresholds", out var thresholds))
        {
            return null; // a table or timeline without thresholds colours nothing by value
        }

        var steps = thresholds.GetProperty("steps").EnumerateArray()
            .Select(s => (Value: s.GetProperty("value").ValueKind == JsonValueKind.Null ? double.NegativeInfinity : s.GetProperty("value").GetDouble(), Color: s.GetProperty("color").GetString()!))
            .ToList();

        // Steps far below any real value (a marker band, e.g. the margin's "no margin" ≈ −1e9) are not levels.
        var levels = steps.Select(s => s.Value).Where(v => !double.IsInfinity(v) && Math.Abs(v) < 1e6).Order().ToList();
        var expected = new[] { band.Warning, band.Critical }.Order().ToList();
        if (!levels.SequenceEqual(expected))
        {
            return $"threshold levels [{string.Join(", ", levels)}] but {band.Source} says warning {band.Warning}, critical {band.Critical}";
        }

        string ColorAt(double x) => steps.Last(s => s.Value <= x).Color;
        var (low, high) = (expected[0], expected[1]);
        var (below, between, above) = (ColorAt(low - 0.001), ColorAt((low + high) / 2), ColorAt(high));
        var (critical, ok) = band.Below ? (below, above) : (above, below);
        if (!CriticalColors.Contains(critical) || !WarningColors.Contains(between) || CriticalColors.Contains(ok) || WarningColors.Contains(ok))
        {
            return $"colours {below} < {low} ≤ {between} < {high} ≤ {above} do not read critical / warning / normal as {band.Source} does";
        }

        return null;
    }

    private static string? DeviationProblem(JsonElement panel, Dictionary<string, IReadOnlyList<string>> defined, out bool isDeviation)
    {
        var deviations = Deviations();
        var fields = Fields(panel).Where(deviations.ContainsKey).ToList();
        isDeviation = fields.Count > 0 && panel.GetProperty("fieldConfig").GetProperty("defaults").TryGetProperty("thresholds", out _);
        if (!isDeviation)
        {
            return null;
        }

        var (variable, tolerance) = deviations[fields[0]];
        if (fields.Any(f => deviations[f] != (variable, tolerance)))
        {
            return "mixes quantities with different nominals";
        }

        if (!defined.ContainsKey(variable))
        {
            return $"no custom variable ${variable}";
        }

        foreach (var f in fields)
        {
            var expression = $"(mean(\"{f}\") - ${variable}) / ${variable} * 100";
            if (!panel.GetProperty("targets").EnumerateArray().Any(t => t.GetProperty("query").GetString()!.Contains(expression, StringComparison.Ordinal)))
            {
                return $"does not plot {expression}";
            }
        }

        var defaults = panel.GetProperty("fieldConfig").GetProperty("defaults");
        var steps = defaults.GetProperty("thresholds").GetProperty("steps").EnumerateArray()
            .Select(s => (Value: s.GetProperty("value").ValueKind == JsonValueKind.Null ? (double?)null : s.GetProperty("value").GetDouble(), Color: s.GetProperty("color").GetString()!))
            .ToList();
        if (defaults.GetProperty("unit").GetString() != "percent"
            || steps.Count != 3
            || steps[0] != (null, "red") || steps[1].Value != -tolerance || CriticalColors.Contains(steps[1].Color) || steps[2] != (tolerance, "red"))
        {
            return $"band must be percent with red below −{tolerance} %, normal to +{tolerance} %, red above: {string.Join(", ", steps)}";
        }

        return null;
    }

    private static IEnumerable<string> Fields(JsonElement panel) =>
        panel.TryGetProperty("targets", out var targets)
            ? targets.EnumerateArray().Select(t => InfluxQlSelect.TryParse(t.GetProperty("query").GetString()!)).Where(s => s is not null).SelectMany(s => s!.Fields).Distinct(StringComparer.Ordinal)
            : [];
}

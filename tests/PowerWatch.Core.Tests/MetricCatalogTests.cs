namespace PowerWatch.Core.Tests;

public sealed class MetricCatalogTests
{
    [Fact]
    public void Catalogue_doc_is_fresh()
    {
        var rendered = MetricCatalog.RenderMarkdown();
        if (Environment.GetEnvironmentVariable("POWERWATCH_UPDATE_DOCS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Repo.MetricsDoc)!);
            File.WriteAllText(Repo.MetricsDoc, rendered);
        }

        var committed = File.Exists(Repo.MetricsDoc) ? File.ReadAllText(Repo.MetricsDoc) : "(missing)";
        Assert.True(
            committed == rendered,
            "docs/metrics.md is out of date with MetricCatalog. Regenerate it with: " +
            "POWERWATCH_UPDATE_DOCS=1 dotnet test tests/PowerWatch.Core.Tests --filter Catalogue_doc_is_fresh");
    }

    [Fact]
    public void Metric_names_are_unique_lower_case_dotted_with_nut_phase_contexts()
    {
        var names = MetricCatalog.All.Select(d => d.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        foreach (var name in names)
        {
            // Lower case, except NUT's phase contexts (input.L1.current, input.L1-N.voltage).
            Assert.Matches(@"^[a-z0-9]+(\.([a-z0-9-]+|L[1-3](-N|-L[1-3])?|\{n\}|\{name\}))+$", name);
        }
    }

    [Fact]
    public void Every_entry_has_a_meaning()
    {
        Assert.All(MetricCatalog.All, d => Assert.False(string.IsNullOrWhiteSpace(d.Description), d.Name));
    }

    [Theory]
    [InlineData("battery.charge", "%")]
    [InlineData("battery.runtime", "s")]
    [InlineData("battery.voltage", "V")]
    [InlineData("ups.realpower", "W")]
    [InlineData("ups.power", "VA")]
    [InlineData("ups.temperature", "°C")]
    [InlineData("engine.speed", "rpm")]
    [InlineData("engine.oil.pressure", "kPa")]
    [InlineData("generator.power", "kW")]
    [InlineData("meter.energy", "kWh")]
    [InlineData("ats.transfer.last.duration", "ms")]
    [InlineData("outlet.12.current", "A")]
    [InlineData("outlet.3.realpower", "W")]
    public void Units_follow_the_design(string metric, string unit)
    {
        Assert.True(MetricCatalog.TryFind(metric, out var def));
        Assert.Equal(unit, def.Unit);
    }

    [Theory]
    [InlineData("outlet.1.current", "outlet.{n}.current")]
    [InlineData("outlet.48.status", "outlet.{n}.status")]
    [InlineData("outlet.{n}.realpower", "outlet.{n}.realpower")]
    [InlineData("generator.alarm.low-oil-pressure", "generator.alarm.{name}")]
    public void Pattern_entries_match_concrete_names(string metric, string pattern)
    {
        Assert.True(MetricCatalog.TryFind(metric, out var def));
        Assert.Equal(pattern, def.Name);
    }

    [Theory]
    [InlineData("outlet.0.current")]
    [InlineData("outlet.01.current")]
    [InlineData("outlet.x.current")]
    [InlineData("outlet.1.current.extra")]
    [InlineData("outlet.1")]
    [InlineData("generator.alarm.Low-Oil")]
    [InlineData("battery")]
    [InlineData("")]
    public void Names_outside_the_catalogue_are_not_found(string metric)
    {
        Assert.False(MetricCatalog.Contains(metric));
    }

    [Fact]
    public void Metric_name_constants_are_all_catalogued()
    {
        var constants = typeof(MetricNames).GetFields()
            .Where(f => f.IsLiteral && f.Name != nameof(MetricNames.GeneratorAlarmPrefix))
            .Select(f => (string)f.GetRawConstantValue()!);
        Assert.All(constants, c => Assert.True(MetricCatalog.Contains(c), c));
        Assert.True(MetricCatalog.Contains(MetricNames.OutletCurrent(4)));
        Assert.True(MetricCatalog.Contains(MetricNames.OutletStatus(4)));
    }

    [Fact]
    public void Serial_field_maps_name_catalogued_metrics()
    {
        foreach (var type in new[] { typeof(Q1Fields), typeof(ApcSmartFields) })
        {
            foreach (var f in type.GetFields().Where(f => f.IsLiteral))
            {
                Assert.True(MetricCatalog.Contains((string)f.GetRawConstantValue()!), $"{type.Name}.{f.Name}");
            }
        }
    }

    [Fact]
    public void Every_catalogue_unit_has_a_resolution_so_a_new_unit_is_a_decision()
    {
        var missing = MetricCatalog.All.Select(d => d.Unit).Where(u => u.Length > 0).Distinct().Where(u => !MetricResolution.DecimalsByUnit.ContainsKey(u)).ToList();
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("V", 25.400000000000002, 25.4)]
    [InlineData("s", 17.568991065402635, 17.6)]
    [InlineData("%", 99.999, 100)]
    [InlineData("", 0.30000000000000004, 0.3)]
    [InlineData("A", -1.2346, -1.235)]
    public void Numbers_are_rounded_to_the_decimals_of_their_unit(string unit, double value, double expected)
    {
        Assert.Equal(expected, MetricResolution.Round(unit, value));
    }
}

public sealed class MetricRenamesTests
{
    [Fact]
    public void Every_new_name_is_in_the_catalogue_and_every_old_name_is_gone_but_the_one_nut_reuses()
    {
        Assert.All(MetricRenames.All, r => Assert.True(MetricCatalog.Contains(r.New), r.New));
        Assert.Equal(["outlet.{n}.power"], MetricRenames.All.Where(r => r.OldNameReused).Select(r => r.Old).ToArray());
        Assert.Equal(MetricRenames.All.Length, MetricRenames.All.Select(r => r.Old).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("pdu.input.current", "input.current")]
    [InlineData("meter.voltage.l2n", "input.L2-N.voltage")]
    [InlineData("outlet.7.state", "outlet.7.status")]
    [InlineData("outlet.12.power", "outlet.12.realpower")]
    [InlineData("ats.position", "input.source")]
    public void An_old_name_finds_its_nut_name_concrete(string old, string expected)
    {
        Assert.True(MetricRenames.TryFind(old, out var r));
        Assert.Equal(expected, r.New);
        Assert.Equal(old, r.Old);
    }

    [Theory]
    [InlineData("input.current")]
    [InlineData("meter.voltage.thd.l1n")]
    [InlineData("generator.power")]
    public void A_current_name_is_no_rename(string name) => Assert.False(MetricRenames.TryFind(name, out _));
}

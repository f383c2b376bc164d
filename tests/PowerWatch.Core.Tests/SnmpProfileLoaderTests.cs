using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Tests;

public sealed class SnmpProfileLoaderTests
{
    private const string File = "snmp-device.json";

    private static string Profile(string oids, string tables = "[]", string kind = "ups", string extra = "") => $$"""
        {
          "schema": "powerwatch-profile/1",
          "protocol": "snmp",
          "id": "test",
          "kind": "{{kind}}",
          "manufacturer": "Test",
          "model": "T1",
          "sentinelSets": { "na": [ { "value": -1, "meaning": "not available", "result": "absent" } ] },
          {{extra}}
          "oids": [ {{oids}} ],
          "tables": {{tables}}
        }
        """;

    private static ProfileProblem SingleProblem(string json)
    {
        var result = ProfileLoader.Parse(json, File);
        Assert.Null(result.Profile);
        return Assert.Single(result.Problems);
    }

    [Fact]
    public void Scalar_objects_load_with_scale_sentinels_status_and_fallbacks()
    {
        var profile = ProfileLoader.Parse(Profile("""
            { "name": "upsEstimatedMinutesRemaining", "metric": "battery.runtime", "oid": "1.3.6.1.2.1.33.1.2.3.0", "scale": 60, "unit": "s", "sentinels": "na" },
            { "name": "upsOutputSource", "oid": "1.3.6.1.2.1.33.1.4.1.0", "status": { "3": "OL", "4": "OL BYPASS", "5": "OB", "1": "" } },
            { "name": "upsAdvBatteryCapacity", "metric": "battery.charge", "oid": "1.3.6.1.4.1.318.1.1.1.2.3.1.0", "scale": 0.1,
              "fallback": [ { "oid": "1.3.6.1.4.1.318.1.1.1.2.2.1.0" } ] }
            """), File).GetProfileOrThrow();

        Assert.Equal(ProfileProtocol.Snmp, profile.Protocol);
        Assert.Empty(profile.Registers);
        var objects = profile.Snmp!.Objects;
        Assert.Equal(3, objects.Length);
        Assert.Equal(60, objects[0].Scale);
        Assert.Equal("s", objects[0].Unit);
        Assert.Equal(unchecked((ulong)-1L), Assert.Single(objects[0].Sentinels).Raw);
        Assert.Null(objects[1].Metric);
        Assert.Equal(new[] { "OL", "BYPASS" }, objects[1].Status![4].ToArray());
        Assert.Empty(objects[1].Status![1]);
        var fallback = Assert.Single(objects[2].Fallbacks);
        Assert.Equal(("1.3.6.1.4.1.318.1.1.1.2.2.1.0", 1.0), (fallback.Oid, fallback.Scale));
    }

    [Fact]
    public void Tables_load_with_index_patterns_digit_columns_number_columns_and_row_metrics()
    {
        var profile = ProfileLoader.Parse(Profile(
            """{ "metric": "outlet.count", "oid": "1.3.6.1.4.1.13742.6.3.2.2.1.4.1" }""",
            """
            [
              { "name": "measurementsOutletSensorTable", "index": "1.{n}.1", "columns": [
                  { "metric": "outlet.{n}.current", "oid": "1.3.6.1.4.1.13742.6.5.4.3.1.4", "unit": "A", "digitsFrom": "1.3.6.1.4.1.13742.6.3.5.4.1.7" } ] },
              { "name": "rPDU2OutletMeteredStatusTable", "numberFrom": "1.3.6.1.4.1.318.1.1.26.9.4.3.1.3", "columns": [
                  { "metric": "outlet.{n}.status", "oid": "1.3.6.1.4.1.318.1.1.26.9.2.3.1.5", "enum": { "1": "off", "2": "on" } } ] },
              { "name": "upsInputTable", "columns": [
                  { "metrics": { "1": "input.L1-N.voltage", "2": "input.L2-N.voltage" }, "oid": "1.3.6.1.2.1.33.1.3.3.1.3", "index": "{n}" } ] }
            ]
            """,
            kind: "pdu"), File).GetProfileOrThrow();

        var tables = profile.Snmp!.Tables;
        Assert.Equal(3, tables.Length);
        Assert.True(tables[0].Index.TryMatch([1, 7, 1], out var n));
        Assert.Equal(7, n);
        Assert.False(tables[0].Index.TryMatch([1, 7, 4], out _));
        Assert.False(tables[0].Index.TryMatch([1, 7], out _));
        Assert.Equal("1.3.6.1.4.1.13742.6.3.5.4.1.7", tables[0].Columns[0].DigitsFrom);
        Assert.Equal("1.3.6.1.4.1.318.1.1.26.9.4.3.1.3", tables[1].NumberFrom);
        Assert.Equal("on", tables[1].Columns[0].Enum![2]);
        Assert.Equal("input.L2-N.voltage", tables[2].Columns[0].Metrics![2]);
        Assert.Equal("V", tables[2].Columns[0].Unit);
    }

    [Fact]
    public void A_bad_oid_is_reported_at_its_line_and_column()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge", "oid": ".1.3.6.1.2.1.33.1.2.4.0" }"""));
        Assert.Equal("$.oids[0].oid", p.Path);
        Assert.Contains("not an OID", p.Reason, StringComparison.Ordinal);
        Assert.Equal(10, p.Line);
        Assert.True(p.Column > 1);
    }

    [Fact]
    public void A_column_metric_without_n_is_refused()
    {
        var p = SingleProblem(Profile(string.Empty, """[ { "columns": [ { "metric": "input.voltage", "oid": "1.3.6.1.2.1.33.1.3.3.1.3" } ] } ]"""));
        Assert.Equal("$.tables[0].columns[0].metric", p.Path);
    }

    [Fact]
    public void An_index_pattern_needs_exactly_one_n()
    {
        var p = SingleProblem(Profile(string.Empty, """[ { "index": "1.2", "columns": [ { "metric": "outlet.{n}.current", "oid": "1.3.6.1.4.1.318.1.1.26.9.4.3.1.6" } ] } ]""", kind: "pdu"));
        Assert.Equal("$.tables[0].index", p.Path);
    }

    [Fact]
    public void An_unknown_status_token_is_refused()
    {
        var p = SingleProblem(Profile("""{ "oid": "1.3.6.1.2.1.33.1.4.1.0", "status": { "5": "ONBATT" } }"""));
        Assert.Equal("$.oids[0].status['5']", p.Path);
        Assert.Contains("ONBATT", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_text_metric_from_an_integer_needs_an_enum()
    {
        var p = SingleProblem(Profile("""{ "metric": "ups.test.result", "oid": "1.3.6.1.2.1.33.1.7.3.0" }"""));
        Assert.Equal("$.oids[0].metric", p.Path);
    }

    [Fact]
    public void An_snmp_profile_with_registers_is_refused_and_a_modbus_profile_with_oids_too()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge", "oid": "1.3.6.1.2.1.33.1.2.4.0" }""", extra: "\"registers\": [],"));
        Assert.Equal("$.registers", p.Path);

        var modbus = """
            { "schema": "powerwatch-profile/1", "id": "m", "kind": "ups", "manufacturer": "T", "model": "M",
              "registers": [ { "metric": "battery.charge", "table": "holding", "address": 1, "type": "uint16" } ],
              "oids": [ { "metric": "battery.charge", "oid": "1.3.6.1.2.1.33.1.2.4.0" } ] }
            """;
        Assert.Equal("$.oids", SingleProblem(modbus).Path);
    }

    [Fact]
    public void Duplicate_metrics_across_objects_and_tables_are_refused()
    {
        var p = SingleProblem(Profile(
            """{ "metric": "input.voltage", "oid": "1.3.6.1.2.1.33.1.3.3.1.3.1" }""",
            """[ { "columns": [ { "metrics": { "1": "input.voltage" }, "oid": "1.3.6.1.2.1.33.1.3.3.1.3" } ] } ]"""));
        Assert.Equal("$.tables[0].columns[0]", p.Path);
        Assert.Contains("already emitted", p.Reason, StringComparison.Ordinal);
    }
}

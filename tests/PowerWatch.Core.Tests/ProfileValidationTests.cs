using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Tests;

public sealed class ProfileValidationTests
{
    private const string File = "test-device.json";

    private static string Profile(string registers, string extra = "") => $$"""
        {
          "schema": "powerwatch-profile/1",
          "id": "test",
          "kind": "ups",
          "manufacturer": "Test",
          "model": "T1",
          "defaults": { "table": "holding" },
          {{extra}}
          "registers": [ {{registers}} ]
        }
        """;

    private static ProfileProblem SingleProblem(string json)
    {
        var result = ProfileLoader.Parse(json, File);
        Assert.False(result.Succeeded);
        Assert.Null(result.Profile);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(File, problem.File);
        return problem;
    }

    [Fact]
    public void A_valid_minimal_profile_loads()
    {
        var result = ProfileLoader.Parse(Profile("""{ "metric": "battery.charge", "address": 130, "type": "uint16", "scale": "1/512", "unit": "%" }"""), File);
        Assert.Empty(result.Problems);
        var r = Assert.Single(result.GetProfileOrThrow().Registers);
        Assert.Equal(1.0 / 512, r.Scale);
        Assert.Equal("%", r.Unit);
    }

    [Fact]
    public void Provenance_statements_are_kept_in_order()
    {
        const string Register = """{ "metric": "battery.charge", "address": 130, "type": "uint16" }""";
        var profile = ProfileLoader.Parse(Profile(Register, "\"provenance\": [ \"Source: a document\", \"Unverified: register 130\" ],"), File).GetProfileOrThrow();

        Assert.Equal(new[] { "Source: a document", "Unverified: register 130" }, profile.Provenance.ToArray());
    }

    [Fact]
    public void Empty_provenance_statement_is_reported_with_its_index()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge", "address": 130, "type": "uint16" }""", "\"provenance\": [ \"Source: a document\", \" \" ],"));

        Assert.Equal("$.provenance[1]", p.Path);
    }

    [Fact]
    public void Unknown_type_is_reported_with_path_and_reason()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge", "address": 130, "type": "uint12" }"""));
        Assert.Equal("$.registers[0].type", p.Path);
        Assert.Contains("unknown value 'uint12'", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Address_out_of_range_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge", "address": 70000, "type": "uint16" }"""));
        Assert.Equal("$.registers[0].address", p.Path);
        Assert.Contains("out of range", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_register_value_running_past_65535_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.runtime", "address": 65535, "type": "uint32" }"""));
        Assert.Equal("$.registers[0].address", p.Path);
        Assert.Contains("beyond 65535", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_registers_of_different_types_are_reported_naming_both()
    {
        var p = SingleProblem(Profile("""
            { "metric": "battery.runtime", "address": 128, "type": "uint32" },
            { "metric": "battery.charge", "address": 129, "type": "uint16" }
            """));
        Assert.Equal("$.registers[1]", p.Path);
        Assert.Contains("overlapping registers of different types", p.Reason, StringComparison.Ordinal);
        Assert.Contains("$.registers[0]", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Metric_not_in_catalogue_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge.pct", "address": 130, "type": "uint16" }"""));
        Assert.Equal("$.registers[0].metric", p.Path);
        Assert.Contains("not in the metric catalogue", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unit_mismatching_the_catalogue_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.runtime", "address": 128, "type": "uint32", "unit": "min" }"""));
        Assert.Equal("$.registers[0].unit", p.Path);
        Assert.Contains("unit 'min' does not match the catalogue unit 's'", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Enum_value_not_allowed_by_the_catalogue_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "input.source", "address": 1, "type": "uint16", "enum": { "0": "0", "1": "utility" } }"""));
        Assert.Equal("$.registers[0].enum['1']", p.Path);
        Assert.Contains("'utility' is not an allowed value of metric 'input.source'", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_bit_needs_a_text_metric()
    {
        var p = SingleProblem(Profile("""{ "address": 0, "type": "bitfield", "bits": { "1": { "metric": "ats.fault", "token": "x" } } }"""));
        Assert.Equal("$.registers[0].bits['1'].metric", p.Path);
        Assert.Contains("a bit with a token adds a word to a text metric", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_is_one_word()
    {
        var p = SingleProblem(Profile("""{ "address": 0, "type": "bitfield", "bits": { "1": { "metric": "experimental.ups.mode.buzzwords", "token": "vendor:apc HE" } } }"""));
        Assert.Equal("$.registers[0].bits['1'].token", p.Path);
    }

    [Fact]
    public void Enum_key_that_is_not_an_integer_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "input.source", "address": 1, "type": "uint16", "enum": { "one": "1" } }"""));
        Assert.Equal("$.registers[0].enum['one']", p.Path);
        Assert.Contains("not an integer", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_field_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge", "type": "uint16" }"""));
        Assert.Equal("$.registers[0].address", p.Path);
        Assert.Equal("missing field", p.Reason);
    }

    [Fact]
    public void Unknown_field_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge", "address": 130, "type": "uint16", "scael": 2 }"""));
        Assert.Equal("$.registers[0].scael", p.Path);
        Assert.Equal("unknown field", p.Reason);
    }

    [Fact]
    public void Unknown_status_token_in_a_bit_is_reported()
    {
        var p = SingleProblem(Profile("""{ "address": 0, "type": "bitfield", "bits": { "1": { "status": "ONLINE" } } }"""));
        Assert.Equal("$.registers[0].bits['1'].status", p.Path);
        Assert.Contains("unknown status token 'ONLINE'", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Type_that_cannot_produce_the_metric_kind_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "ats.fault", "address": 0, "type": "uint16" }"""));
        Assert.Equal("$.registers[0].metric", p.Path);
        Assert.Contains("boolean metric", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_sentinel_set_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge", "address": 130, "type": "uint16", "sentinels": "dse-u16" }"""));
        Assert.Equal("$.registers[0].sentinels", p.Path);
        Assert.Contains("unknown sentinel set 'dse-u16'", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_scale_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "battery.charge", "address": 130, "type": "uint16", "scale": "1/0" }"""));
        Assert.Equal("$.registers[0].scale", p.Path);
    }

    [Fact]
    public void Repeated_register_whose_instances_overlap_is_reported()
    {
        var p = SingleProblem(Profile("""{ "metric": "outlet.{n}.current", "address": 100, "type": "uint32", "repeat": { "count": 4, "stride": 1 } }"""));
        Assert.Equal("$.registers[0].repeat.stride", p.Path);
    }

    [Fact]
    public void Same_metric_emitted_twice_is_reported()
    {
        var p = SingleProblem(Profile("""
            { "metric": "battery.charge", "address": 130, "type": "uint16" },
            { "metric": "battery.charge", "address": 131, "type": "uint16" }
            """));
        Assert.Equal("$.registers[1]", p.Path);
        Assert.Contains("already emitted", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_schema_is_reported()
    {
        var json = Profile("""{ "metric": "battery.charge", "address": 130, "type": "uint16" }""").Replace("powerwatch-profile/1", "powerwatch-profile/9", StringComparison.Ordinal);
        var p = SingleProblem(json);
        Assert.Equal("$.schema", p.Path);
    }

    [Fact]
    public void Command_writing_a_read_only_table_is_reported()
    {
        var json = Profile(
            """{ "metric": "battery.charge", "address": 130, "type": "uint16" }""",
            """ "commands": { "start": { "writes": [ { "table": "input", "address": 4, "values": [1] } ] } }, """);
        var p = SingleProblem(json);
        Assert.Equal("$.commands['start'].writes[0].table", p.Path);
        Assert.Contains("read-only", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_is_reported_with_its_location()
    {
        var p = SingleProblem("""{ "schema": "powerwatch-profile/1", "registers": [ { "address": "x" } ] }""");
        Assert.Equal("$.registers[0].address", p.Path);
        Assert.Equal("invalid JSON: expected a whole number", p.Reason);
        Assert.Equal((1, 54), (p.Line, p.Column));
    }

    [Fact]
    public void Every_problem_is_reported_not_just_the_first()
    {
        var json = """
            {
              "schema": "powerwatch-profile/1",
              "kind": "toaster",
              "manufacturer": "Test",
              "model": "T1",
              "registers": [
                { "metric": "no.such.metric", "table": "holding", "address": 1, "type": "uint16" },
                { "metric": "battery.charge", "table": "holding", "address": -1, "type": "int7" },
                { "metric": "battery.voltage", "table": "holding", "address": 3, "type": "int16", "unit": "mV" }
              ]
            }
            """;
        var result = ProfileLoader.Parse(json, File);
        var paths = result.Problems.Select(p => p.Path).ToList();
        Assert.Contains("$.id", paths);
        Assert.Contains("$.kind", paths);
        Assert.Contains("$.registers[0].metric", paths);
        Assert.Contains("$.registers[1].type", paths);
        Assert.Contains("$.registers[1].address", paths);
        Assert.Contains("$.registers[2].unit", paths);
        var ex = Assert.Throws<ProfileException>(result.GetProfileOrThrow);
        Assert.Contains("test-device.json: line 9, column 87: $.registers[2].unit: unit 'mV'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(result.Problems.Length, ex.Problems.Length);
    }
}

public sealed class ProfileValidationMoreTests
{
    private static ProfileProblem Single(string registers)
    {
        var json = $$"""
            { "schema": "powerwatch-profile/1", "id": "t", "kind": "generator", "manufacturer": "T", "model": "T",
              "defaults": { "table": "holding" }, "registers": [ {{registers}} ] }
            """;
        return Assert.Single(ProfileLoader.Parse(json, "g.json").Problems);
    }

    [Fact]
    public void Bit_number_beyond_the_bitfield_is_reported()
    {
        var p = Single("""{ "address": 0, "type": "bitfield", "bits": { "16": { "metric": "ats.fault" } } }""");
        Assert.Equal("$.registers[0].bits['16']", p.Path);
    }

    [Fact]
    public void Packed_alarms_need_a_name_pattern_metric()
    {
        var p = Single("""{ "metric": "generator.alarms.active", "address": 39425, "type": "packed-alarms", "alarms": ["e-stop"] }""");
        Assert.Equal("$.registers[0].metric", p.Path);
        Assert.Contains("{name}", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Packed_alarm_names_must_be_identifiers()
    {
        var p = Single("""{ "metric": "generator.alarm.{name}", "address": 39425, "type": "packed-alarms", "alarms": ["E Stop"] }""");
        Assert.Equal("$.registers[0].alarms[0]", p.Path);
    }

    [Fact]
    public void Repeated_metric_without_n_is_reported()
    {
        var p = Single("""{ "metric": "generator.power", "address": 1536, "type": "int32", "repeat": { "count": 2 } }""");
        Assert.Equal("$.registers[0].metric", p.Path);
    }

    [Fact]
    public void Packed_alarms_span_one_register_per_four_alarms()
    {
        var json = """
            { "schema": "powerwatch-profile/1", "id": "t", "kind": "generator", "manufacturer": "T", "model": "T",
              "registers": [ { "metric": "generator.alarm.{name}", "table": "holding", "address": 39425, "type": "packed-alarms",
                               "alarms": ["a", "b", "c", "d", "e"] } ] }
            """;
        var r = Assert.Single(ProfileLoader.Parse(json, "g.json").GetProfileOrThrow().Registers);
        Assert.Equal(2, r.Count);
    }
}

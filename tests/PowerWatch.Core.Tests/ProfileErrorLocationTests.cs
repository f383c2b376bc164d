using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Tests;

/// <summary>
/// Issue 15: a broken profile file is reported like a broken configuration file: file, line and column, then the key
/// (JSON path) and the reason, one line per problem, the exact text a user reads.
/// </summary>
public sealed class ProfileErrorLocationTests
{
    private const string Head = """
        {
          "schema": "powerwatch-profile/1",
          "id": "test",
          "kind": "ups",
          "manufacturer": "Test",
          "model": "T1",
          "defaults": { "table": "holding" },
          "registers": [

        """;

    private const string Good = """    { "metric": "battery.charge", "address": 130, "type": "uint16", "scale": "1/512", "unit": "%" }""";

    public static TheoryData<string, string, string[]> BrokenFiles => new()
    {
        {
            "unknown-type",
            Head + Good + ",\n    { \"metric\": \"battery.voltage\", \"address\": 131, \"type\": \"int7\" }\n  ]\n}\n",
            ["broken.json: line 10, column 52: $.registers[1].type: unknown value 'int7' (expected one of: bitfield, bool, float32, float64, int16, int32, int64, packed-alarms, string, uint16, uint32, uint64)"]
        },
        {
            "address-is-a-word",
            Head + "    { \"metric\": \"battery.charge\",\n      \"address\": \"x\", \"type\": \"uint16\" }\n  ]\n}\n",
            ["broken.json: line 10, column 7: $.registers[0].address: invalid JSON: expected a whole number"]
        },
        {
            "missing-comma",
            Head + Good + "\n    { \"metric\": \"battery.voltage\", \"address\": 131, \"type\": \"uint16\" }\n  ]\n}\n",
            ["broken.json: line 10, column 5: $.registers[1]: invalid JSON: '{' is invalid after a value. Expected either ',', '}', or ']'"]
        },
        {
            "unknown-field-and-bad-unit",
            Head + Good + ",\n    { \"metric\": \"battery.voltage\", \"address\": 131, \"type\": \"uint16\",\n      \"unit\": \"mV\", \"scal\": 2 }\n  ]\n}\n",
            [
                "broken.json: line 11, column 21: $.registers[1].scal: unknown field",
                "broken.json: line 11, column 7: $.registers[1].unit: unit 'mV' does not match the catalogue unit 'V' of metric 'battery.voltage'",
            ]
        },
        {
            "no-registers",
            "{\n  \"schema\": \"powerwatch-profile/1\",\n  \"id\": \"test\", \"kind\": \"ups\", \"manufacturer\": \"T\", \"model\": \"T1\",\n  \"registers\": []\n}\n",
            ["broken.json: line 4, column 3: $.registers: missing field (a profile needs at least one register)"]
        },
        {
            "kind-missing",
            "{\n  \"schema\": \"powerwatch-profile/1\",\n  \"id\": \"test\", \"manufacturer\": \"T\", \"model\": \"T1\",\n  \"registers\": [ " + Good.Trim() + " ]\n}\n",
            [
                "broken.json: line 1, column 1: $.kind: missing field",
                "broken.json: line 4, column 18: $.registers[0].table: missing field (and no defaults.table)",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Broken_profile_file_names_file_line_column_key_and_reason(string name, string json, string[] expected)
    {
        var result = ProfileLoader.Parse(json, "broken.json");
        Assert.False(result.Succeeded, name);
        Assert.Equal(expected, result.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Positions_follow_keys_through_maps_lists_and_comments()
    {
        var positions = JsonPositions.Of("""
            {
              // a comment
              "commands": {
                "start": { "writes": [ { "table": "input" },
                                       { "table": "coils" } ] }
              }
            }
            """);
        Assert.Equal((4, 5), positions.Find("$.commands['start']"));
        Assert.Equal((4, 16), positions.Find("$.commands['start'].writes"));
        Assert.Equal((5, 30), positions.Find("$.commands['start'].writes[1].table"));
        Assert.Equal((5, 28), positions.Find("$.commands['start'].writes[1].missing"));
        Assert.Equal((1, 1), positions.Find("$.nothing"));
    }
}

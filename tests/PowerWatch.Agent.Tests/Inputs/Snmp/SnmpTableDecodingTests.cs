using PowerWatch.Agent.Inputs.Snmp;
using PowerWatch.Core.Profiles;
using PowerWatch.Snmp;

namespace PowerWatch.Agent.Tests.Inputs.Snmp;

/// <summary>Table rows into instances: index patterns, instance numbers from another column, decimal digits per row, sentinels.</summary>
public sealed class SnmpTableDecodingTests
{
    private const string Profile = """
        {
          "schema": "powerwatch-profile/1", "protocol": "snmp", "id": "t", "kind": "pdu", "manufacturer": "T", "model": "T",
          "sentinelSets": { "na": [ { "value": -1, "meaning": "not available", "result": "absent" } ] },
          "tables": [
            { "index": "1.{n}.1", "columns": [ { "metric": "outlet.{n}.current", "oid": "1.3.6.1.4.1.99.5", "digitsFrom": "1.3.6.1.4.1.99.7", "sentinels": "na" } ] },
            { "numberFrom": "1.3.6.1.4.1.99.9", "columns": [ { "metric": "outlet.{n}.status", "oid": "1.3.6.1.4.1.99.8", "enum": { "1": "on", "2": "off" } } ] }
          ]
        }
        """;

    private static SnmpVariable Cell(string oid, int value) => new(Oid.Parse(oid), SnmpValue.Integer32(value));

    [Fact]
    public void Rows_become_instances_scaled_by_their_own_decimal_digits_and_numbered_by_another_column()
    {
        var profile = ProfileLoader.Parse(Profile, "t.json").GetProfileOrThrow();
        var decoder = new SnmpProfileDecoder(profile, "pdu-1");
        var data = new SnmpPollData();
        data.Columns[Oid.Parse("1.3.6.1.4.1.99.5")] = [Cell("1.3.6.1.4.1.99.5.1.1.1", 1234), Cell("1.3.6.1.4.1.99.5.1.2.1", 56), Cell("1.3.6.1.4.1.99.5.1.3.1", -1), Cell("1.3.6.1.4.1.99.5.1.2.4", 999)];
        data.Columns[Oid.Parse("1.3.6.1.4.1.99.7")] = [Cell("1.3.6.1.4.1.99.7.1.1.1", 3), Cell("1.3.6.1.4.1.99.7.1.2.1", 1), Cell("1.3.6.1.4.1.99.7.1.3.1", 1)];
        data.Columns[Oid.Parse("1.3.6.1.4.1.99.8")] = [Cell("1.3.6.1.4.1.99.8.10", 1), Cell("1.3.6.1.4.1.99.8.11", 2)];
        data.Columns[Oid.Parse("1.3.6.1.4.1.99.9")] = [Cell("1.3.6.1.4.1.99.9.10", 7), Cell("1.3.6.1.4.1.99.9.11", 8)];

        var readings = decoder.Decode(data, includeSlow: true, DateTimeOffset.UnixEpoch, 1).ToDictionary(r => r.Metric);

        Assert.Equal(1.234, readings["outlet.1.current"].Value.Number, 9);   // 1234 with 3 decimal digits
        Assert.Equal(5.6, readings["outlet.2.current"].Value.Number, 9);     // 56 with 1 decimal digit
        Assert.DoesNotContain("outlet.3.current", readings.Keys);              // -1: not available
        Assert.Equal("on", readings["outlet.7.status"].Value.Text);            // row 10 is outlet 7
        Assert.Equal("off", readings["outlet.8.status"].Value.Text);
        Assert.Equal(4, readings.Count);                                       // sensor type 4 of outlet 2 does not match 1.{n}.1
    }
}

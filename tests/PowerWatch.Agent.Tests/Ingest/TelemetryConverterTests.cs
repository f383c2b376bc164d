using System.Text;
using PowerWatch.Agent.Ingest;
using PowerWatch.Agent.Outputs;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Tests.Outputs;
using PowerWatch.Influx;

namespace PowerWatch.Agent.Tests.Ingest;

public sealed class TelemetryConverterTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 6, 52, 58, 123, TimeSpan.Zero);

    [Fact]
    public void Telemetry_becomes_one_point_per_message_measured_by_kind_with_site_device_model_tags()
    {
        var payload = Payloads.Telemetry(PayloadTests.UpsPoll(42, T));
        Assert.True(TelemetryConverter.TryConvert("powerwatch", "powerwatch/dc1/ups-a/telemetry", payload, out var points, out var reason), reason);

        // docs/ingest.md "Schema": numbers as float, booleans as bool, text as string, seq as integer, time = ts (ms).
        Assert.Equal(
            "ups,device=ups-a,model=Smart-UPS\\ 3000,site=dc1 seq=42i,quality=\"good\",battery.charge=97.5,input.power.failure=false,device.model=\"SMT3000\",ups.status=\"OL CHRG\" 1795243978123\n",
            ToText(points));
    }

    [Fact]
    public void Alert_and_failover_become_their_own_measurements()
    {
        var alert = Payloads.Alert(new AlertMessage("ups-a-ob", "on-battery", "ups-a", "critical", "active", "on battery", 1, T));
        Assert.True(TelemetryConverter.TryConvert("pw", "pw/dc1/alerts/ups-a-ob", alert, out var a, out _));
        Assert.Equal("alerts,device=ups-a,rule=on-battery,severity=critical,site=dc1 id=\"ups-a-ob\",state=\"active\",level=\"critical\",message=\"on battery\",value=1 1795243978123\n", ToText(a));

        var fo = Payloads.Failover(new FailoverMessage(T, "utility-lost",
        [
            new FailoverMargin("ups-a", "utility-lost")
            {
                RuntimeSeconds = 600, RuntimeSource = "estimate", RuntimeReportedSeconds = 700, RuntimeEstimatedSeconds = 600,
                GeneratorNeedSeconds = 45, MarginSeconds = 555, FuelHours = 7.5, GeneratorState = "cranking", Ats = "ats-1", Generator = "gen-1",
            },
            new FailoverMargin("ups-b", "generator-unavailable") { RuntimeSeconds = 300, RuntimeSource = "reported", Verdict = "critical", VerdictCode = 4, SecondsLeft = 300, Cause = "gen failed" },
        ], "generator cranking") { Verdict = "critical", VerdictCode = 4, SecondsLeft = 300, Cause = "gen failed", Action = "shed" });
        Assert.True(TelemetryConverter.TryConvert("pw", "pw/dc1/failover", fo, out var f, out _));
        // docs/ingest.md "Schema": a site point and one point per UPS tagged device, fields named as in the catalogue.
        Assert.Equal(
            "failover,site=dc1 failover.state=\"utility-lost\",failover.message=\"generator cranking\",failover.verdict=\"critical\",failover.verdict.code=4," +
            "failover.seconds.left=300,failover.cause=\"gen failed\",failover.action=\"shed\" 1795243978123\n" +
            "failover,ats=ats-1,device=ups-a,generator=gen-1,site=dc1 failover.phase=\"utility-lost\",failover.margin=555,failover.runtime=600,failover.runtime.source=\"estimate\"," +
            "failover.runtime.reported=700,failover.runtime.estimate=600,failover.generator.need=45,failover.generator.state=\"cranking\",failover.fuel.hours=7.5,failover.margin.known=1 1795243978123\n" +
            "failover,device=ups-b,site=dc1 failover.phase=\"generator-unavailable\",failover.runtime=300,failover.runtime.source=\"reported\"," +
            "failover.verdict=\"critical\",failover.verdict.code=4,failover.seconds.left=300,failover.cause=\"gen failed\",failover.margin.known=0 1795243978123\n",
            ToText(f));
    }

    [Fact]
    public void Empty_retained_alert_is_a_clear_with_nothing_to_store()
    {
        Assert.True(TelemetryConverter.TryConvert("pw", "pw/dc1/alerts/x", [], out var points, out _));
        Assert.Empty(points);
    }

    [Theory]
    [InlineData("pw/dc1/ups-a/telemetry", "{not json", "invalid JSON")]
    [InlineData("pw/dc1/ups-a/telemetry", "[1,2]", "not a JSON object")]
    [InlineData("pw/dc1/ups-a/telemetry", """{"ts":"2026-11-21T06:52:58Z","seq":1,"metrics":{}}""", "'kind' is missing")]
    [InlineData("pw/dc1/ups-a/telemetry", """{"ts":"yesterday","seq":1,"kind":"ups","metrics":{}}""", "invalid payload")]
    [InlineData("pw/dc1/ups-a/telemetry", """{"ts":"2026-11-21T06:52:58Z","seq":1,"kind":"ups","metrics":{"a":{}}}""", "metric 'a'")]
    [InlineData("pw/dc1/ups-a/telemetry", "", "empty payload")]
    [InlineData("pw/dc1/ups-a/other", "{}", "not a PowerWatch")]
    [InlineData("pw/dc1/failover", """{"ts":"2026-11-21T06:52:58Z","state":"normal","margins":{}}""", "'margins' is not an array")]
    [InlineData("pw/dc1/failover", """{"ts":"2026-11-21T06:52:58Z","state":"normal","margins":[{"phase":"normal"}]}""", "'ups' is missing")]
    public void Malformed_messages_are_refused_with_a_reason(string topic, string payload, string expected)
    {
        Assert.False(TelemetryConverter.TryConvert("pw", topic, Encoding.UTF8.GetBytes(payload), out var points, out var reason));
        Assert.Empty(points);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    private static string ToText(List<Point> points)
    {
        var w = new System.Buffers.ArrayBufferWriter<byte>();
        LineProtocol.Write(w, points, WritePrecision.Milliseconds);
        return Encoding.UTF8.GetString(w.WrittenSpan);
    }
}

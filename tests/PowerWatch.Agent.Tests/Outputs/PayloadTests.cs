using System.Text;
using System.Text.Json;
using PowerWatch.Agent.Outputs;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core;

namespace PowerWatch.Agent.Tests.Outputs;

public sealed class PayloadTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 6, 52, 58, 123, TimeSpan.Zero);

    internal static PollResult UpsPoll(long seq, DateTimeOffset ts) => new(
        "ups-a", "ups", "Smart-UPS 3000", ts, seq, Quality.Good,
        [
            new Reading("ups-a", "battery.charge", ReadingValue.FromNumber(97.5), "%", ts, Quality.Good, seq),
            new Reading("ups-a", "ups.status", ReadingValue.FromText("OL CHRG"), "", ts, Quality.Good, seq),
            new Reading("ups-a", "input.power.failure", ReadingValue.FromBoolean(false), "", ts, Quality.Good, seq),
            new Reading("ups-a", "device.model", ReadingValue.FromText("SMT3000"), "", ts, Quality.Good, seq),
            new Reading("ups-a", "battery.runtime", ReadingValue.FromNumber(1200), "s", ts, Quality.Stale, seq),
            new Reading("ups-a", "ups.temperature", ReadingValue.FromNumber(31), "°C", ts, Quality.Bad, seq),
        ]);

    [Fact]
    public void Telemetry_payload_has_good_metrics_status_flags_and_quality_lists()
    {
        var json = Encoding.UTF8.GetString(Payloads.Telemetry(UpsPoll(42, T)));

        // DESIGN.md "MQTT": {"ts","seq","device","kind","metrics",...,"status":["OL"],"quality"}.
        Assert.Equal(
            """{"ts":"2026-11-21T06:52:58.123Z","seq":42,"device":"ups-a","kind":"ups","model":"Smart-UPS 3000","metrics":{"battery.charge":97.5,"input.power.failure":false,"device.model":"SMT3000"},"status":["OL","CHRG"],"quality":"good","stale":["battery.runtime"],"bad":["ups.temperature"]}""",
            json);
    }

    [Fact]
    public void Numbers_in_telemetry_are_rounded_to_their_units_resolution_without_float_tails()
    {
        var r = new PollResult("gen-1", "generator", "", T, 8, Quality.Good,
        [
            new Reading("gen-1", "generator.voltage.l1n", ReadingValue.FromNumber(25.400000000000002), "V", T, Quality.Good, 8),
            new Reading("gen-1", "battery.runtime", ReadingValue.FromNumber(17.568991065402635), "s", T, Quality.Good, 8),
            new Reading("gen-1", "output.current", ReadingValue.FromNumber(0.1 + 0.2), "A", T, Quality.Good, 8),
        ]);
        var json = Encoding.UTF8.GetString(Payloads.Telemetry(r));
        Assert.Contains("""
            "metrics":{"generator.voltage.l1n":25.4,"battery.runtime":17.6,"output.current":0.3}
            """, json, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_in_the_readings_api_are_rounded_to_their_units_resolution()
    {
        var dto = PowerWatch.Agent.Status.StatusApi.ToDto(new Reading("ups-a", "ups.load", ReadingValue.FromNumber(25.400000000000002), "%", T, Quality.Good, 1));
        Assert.Equal("25.4", JsonSerializer.Serialize(dto.Value));
    }

    [Fact]
    public void Failed_poll_payload_carries_the_error_and_bad_quality()
    {
        var r = new PollResult("gen-1", "generator", "", T, 7, Quality.Bad, [], "timeout after 500 ms");
        var json = Encoding.UTF8.GetString(Payloads.Telemetry(r));
        Assert.Equal("""{"ts":"2026-11-21T06:52:58.123Z","seq":7,"device":"gen-1","kind":"generator","metrics":{},"quality":"bad","error":"timeout after 500 ms"}""", json);
    }

    [Fact]
    public void Alert_event_and_failover_payload_field_names_are_frozen()
    {
        var alert = Encoding.UTF8.GetString(Payloads.Alert(new AlertMessage("ups-a-on-battery", "on-battery", "ups-a", "critical", "active", "UPS ups-a on battery", 97.5, T)));
        Assert.Equal("""{"id":"ups-a-on-battery","rule":"on-battery","device":"ups-a","severity":"critical","state":"active","message":"UPS ups-a on battery","value":97.5,"raised":"2026-11-21T06:52:58.123Z"}""", alert);

        var ev = Encoding.UTF8.GetString(Payloads.Event(new EventMessage(T, "raised", "m", AlertId: "a1", Rule: "r", Device: "d", Severity: "warning", Value: 1)));
        Assert.Equal("""{"ts":"2026-11-21T06:52:58.123Z","type":"raised","message":"m","alert_id":"a1","rule":"r","device":"d","severity":"warning","value":1}""", ev);

        var fo = Encoding.UTF8.GetString(Payloads.Failover(new FailoverMessage(T, "utility-lost",
            [new FailoverMargin("ups-a", "utility-lost") { RuntimeSeconds = 600, RuntimeSource = "reported", RuntimeReportedSeconds = 600, RuntimeEstimatedSeconds = 640, GeneratorNeedSeconds = 45, MarginSeconds = 555, FuelHours = 7.5, Ats = "ats-1", Generator = "gen-1", GeneratorState = "cranking" }])));
        Assert.Equal("""{"ts":"2026-11-21T06:52:58.123Z","state":"utility-lost","margins":[{"ups":"ups-a","phase":"utility-lost","runtime_seconds":600,"runtime_source":"reported","runtime_reported_seconds":600,"runtime_estimated_seconds":640,"generator_need_seconds":45,"margin_seconds":555,"fuel_hours":7.5,"ats":"ats-1","generator":"gen-1","generator_state":"cranking"}]}""", fo);
    }

    public static TheoryData<string, string> Produced() => new()
    {
        { "telemetry.schema.json", Encoding.UTF8.GetString(Payloads.Telemetry(UpsPoll(1, T))) },
        { "telemetry.schema.json", Encoding.UTF8.GetString(Payloads.Telemetry(new PollResult("gen-1", "generator", "", T, 7, Quality.Bad, [], "timeout"))) },
        { "telemetry.schema.json", Encoding.UTF8.GetString(Payloads.Telemetry(UpsPoll(2, T), "4f1c0e5a9b2d7c31")) },
        { "stored.schema.json", Encoding.UTF8.GetString(new StoredAck("ups-a", "4f1c0e5a9b2d7c31", [new SeqRange(1, 40), new SeqRange(42, 42)], "powerwatch-ingest-1").Encode()) },
        { "alert.schema.json", Encoding.UTF8.GetString(Payloads.Alert(new AlertMessage("a", "r", "d", "warning", "cleared", "m", null, T, T, T))) },
        { "event.schema.json", Encoding.UTF8.GetString(Payloads.Event(new EventMessage(T, "outbox-dropped", "m", Severity: "warning", Value: 3))) },
        { "failover.schema.json", Encoding.UTF8.GetString(Payloads.Failover(new FailoverMessage(T, "on-generator", [new FailoverMargin("ups-a", "on-generator") { GeneratorState = "unknown", RuntimeSource = "none" }, new FailoverMargin("ups-b", "utility-lost") { RuntimeSeconds = 1, MarginSeconds = -3, FuelHours = 2 }], "msg"))) },
        { "availability.schema.json", "\"online\"" },
        { "agent-status.schema.json", "\"offline\"" },
    };

    [Theory]
    [MemberData(nameof(Produced))]
    public void Produced_payloads_satisfy_their_published_schema(string schema, string payload)
    {
        using var doc = JsonDocument.Parse(payload);
        var problems = SchemaChecker.Check(SchemaChecker.LoadSchema(schema), doc.RootElement);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Schema_checker_catches_a_missing_field_a_wrong_type_and_an_unknown_field()
    {
        using var doc = JsonDocument.Parse("""{"ts":"x","seq":"1","device":"d","kind":"toaster","metrics":{"a":[1]},"extra":1}""");
        var problems = SchemaChecker.Check(SchemaChecker.LoadSchema("telemetry.schema.json"), doc.RootElement);
        Assert.Contains(problems, p => p.Contains("'quality' is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("$.seq:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("$.kind:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("$.metrics.a:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'extra' is not in the schema", StringComparison.Ordinal));
    }

    [Fact]
    public void Topic_layout_is_frozen()
    {
        var t = new MqttTopics("powerwatch", "dc1", "agent-1");
        Assert.Equal("powerwatch/dc1/ups-a/telemetry", t.Telemetry("ups-a"));
        Assert.Equal("powerwatch/dc1/ups-a/availability", t.Availability("ups-a"));
        Assert.Equal("powerwatch/dc1/agent/agent-1/status", t.AgentStatus);
        Assert.Equal("powerwatch/dc1/events", t.Events);
        Assert.Equal("powerwatch/dc1/alerts/ups-a-ob", t.Alert("ups-a-ob"));
        Assert.Equal("powerwatch/dc1/failover", t.Failover);
        Assert.Equal("powerwatch/dc1/ups-a/stored", t.Stored("ups-a"));
        Assert.Equal("powerwatch/dc1/+/stored", t.StoredFilter);
    }

    [Fact]
    public void Telemetry_payload_carries_the_agent_run_after_seq()
    {
        var json = Encoding.UTF8.GetString(Payloads.Telemetry(new PollResult("gen-1", "generator", "", T, 7, Quality.Bad, [], "timeout"), "4f1c0e5a9b2d7c31"));
        Assert.Equal("""{"ts":"2026-11-21T06:52:58.123Z","seq":7,"run":"4f1c0e5a9b2d7c31","device":"gen-1","kind":"generator","metrics":{},"quality":"bad","error":"timeout"}""", json);
    }

    [Fact]
    public void Stored_confirmation_payload_is_frozen()
    {
        var ack = new StoredAck("ups-a", "4f1c0e5a9b2d7c31", [new SeqRange(1, 40), new SeqRange(42, 42)], "powerwatch-ingest-1");
        var json = Encoding.UTF8.GetString(ack.Encode());
        Assert.Equal("""{"device":"ups-a","run":"4f1c0e5a9b2d7c31","seqs":[[1,40],[42,42]],"by":"powerwatch-ingest-1"}""", json);
        Assert.True(StoredAck.TryDecode(Encoding.UTF8.GetBytes(json), out var back));
        Assert.Equal(ack.Device, back!.Device);
        Assert.Equal(ack.Run, back.Run);
        Assert.Equal(ack.Seqs, back.Seqs);
        Assert.Equal(ack.By, back.By);
    }
}

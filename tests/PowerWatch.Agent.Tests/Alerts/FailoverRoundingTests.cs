using System.Text;
using System.Text.Json;
using PowerWatch.Agent.Alerts;
using PowerWatch.Agent.Outputs;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Tests.Alerts;

/// <summary>Issue 15: the failover and alert numbers leave the agent rounded per unit like the readings (no binary-float tails).</summary>
public sealed class FailoverRoundingTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 7, 14, 2, 7, TimeSpan.Zero);

    private static readonly FailoverUpsState Ups = new()
    {
        Ups = "ups",
        Ats = "ats",
        Generator = "generator",
        Phase = "utility-lost",
        UtilityLost = true,
        OnBattery = true,
        RuntimeReportedSeconds = 1234.5600000000002,
        RuntimeEstimatedSeconds = 17.568991065402635,
        RuntimeEstimateSource = "observed",
        RuntimeUsedSeconds = 17.568991065402635,
        RuntimeUsed = "estimate",
        GeneratorState = "cranking",
        GeneratorNeedSeconds = 12.049999999999999,
        MarginSeconds = 5.518991065402636,
        FuelHoursRemaining = 7.1234560000000001,
        Verdict = Verdicts.OnBattery,
        SecondsLeft = 17.568991065402635,
        Cause = "c",
        Action = "a",
        At = T,
    };

    private static readonly SiteVerdict Site = new()
    {
        Verdict = Verdicts.OnBattery,
        SecondsLeft = 17.568991065402635,
        RuntimeSource = "estimate",
        Cause = "c",
        Action = "a",
        Ups = "ups",
        At = T,
    };

    private static AlertInfo Alert(double value, string unit) => new()
    {
        Id = "ups-load:ups",
        Rule = "ups-load",
        Device = "ups",
        Severity = AlertSeverity.Warning,
        Message = "m",
        Value = value,
        Unit = unit,
        RaisedAt = T,
    };

    [Fact]
    public void Failover_api_body_has_seconds_to_a_tenth_and_fuel_hours_to_a_hundredth()
    {
        var json = JsonSerializer.Serialize(new FailoverDto(T, [Ups], Site), AlertJsonContext.Default.FailoverDto);
        using var doc = JsonDocument.Parse(json);
        var ups = doc.RootElement.GetProperty("ups")[0];
        string Raw(JsonElement e, string name) => e.GetProperty(name).GetRawText();
        Assert.Equal("1234.6", Raw(ups, "runtimeReportedSeconds"));
        Assert.Equal("17.6", Raw(ups, "runtimeEstimatedSeconds"));
        Assert.Equal("17.6", Raw(ups, "runtimeUsedSeconds"));
        Assert.Equal("12", Raw(ups, "generatorNeedSeconds"));
        Assert.Equal("5.5", Raw(ups, "marginSeconds"));
        Assert.Equal("7.12", Raw(ups, "fuelHoursRemaining"));
        Assert.Equal("17.6", Raw(ups, "secondsLeft"));
        Assert.Equal("17.6", Raw(doc.RootElement.GetProperty("site"), "secondsLeft"));
        Assert.DoesNotContain("00000", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Mqtt_failover_payload_is_rounded_per_unit_in_exact_json()
    {
        var json = Encoding.UTF8.GetString(Payloads.Failover(FailoverMessage.From(Site, [Ups])));
        Assert.Equal(
            """{"ts":"2026-12-07T14:02:07.000Z","state":"utility-lost","margins":[{"ups":"ups","phase":"utility-lost","runtime_seconds":17.6,"runtime_source":"estimate","runtime_reported_seconds":1234.6,"runtime_estimated_seconds":17.6,"generator_need_seconds":12,"margin_seconds":5.5,"fuel_hours":7.12,"ats":"ats","generator":"generator","generator_state":"cranking","verdict":"on-battery","verdict_code":1,"seconds_left":17.6,"cause":"c"}],"verdict":"on-battery","verdict_code":1,"seconds_left":17.6,"runtime_source":"estimate","cause":"c","action":"a"}""",
            json);
    }

    [Fact]
    public void Mqtt_alert_and_event_payloads_round_the_value_to_the_alerts_unit_in_exact_json()
    {
        var load = Alert(25.400000000000002, "%");
        Assert.Equal(
            """{"id":"ups-load:ups","rule":"ups-load","device":"ups","severity":"warning","state":"active","message":"m","value":25.4,"raised":"2026-12-07T14:02:07.000Z"}""",
            Encoding.UTF8.GetString(Payloads.Alert(AlertMessage.From(load, "active"))));
        Assert.Equal(
            """{"ts":"2026-12-07T14:02:07.000Z","type":"raised","message":"m","alert_id":"ups-load:ups","rule":"ups-load","device":"ups","severity":"warning","value":608}""",
            Encoding.UTF8.GetString(Payloads.Event(EventMessage.ForTransition(T, "raised", Alert(608.0400000000001, "s")))));
        Assert.Equal(
            """{"id":"ups-load:ups","rule":"ups-load","device":"ups","severity":"warning","state":"cleared","message":"m","value":0.3,"raised":"2026-12-07T14:02:07.000Z","cleared":"2026-12-07T14:02:07.000Z"}""",
            Encoding.UTF8.GetString(Payloads.Alert(AlertMessage.From(Alert(0.1 + 0.2, "A"), "cleared", cleared: T))));
    }
}

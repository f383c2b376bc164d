using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Polling;
using PowerWatch.Agent.Status;
using PowerWatch.Core;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Tests.Status;

/// <summary>
/// /metrics rendering: the Prometheus text exposition format 0.0.4 (HELP and TYPE per family, label values escaped
/// as \\ \" \n, HELP text escaped as \\ \n), for a known agent state.
/// </summary>
public sealed class PrometheusExpositionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    private static List<DeviceState> Devices()
    {
        var ups = new DeviceState("ups-a", "ups", "SMT3000", "tcp://127.0.0.1:1", TimeSpan.FromSeconds(10));
        ups.RecordSuccess(Now.AddSeconds(-1),
        [
            new Reading("ups-a", "battery.charge", ReadingValue.FromNumber(97.5), "%", Now.AddSeconds(-1), Quality.Good, 1),
            new Reading("ups-a", "input.power.failure", ReadingValue.FromBoolean(false), "", Now.AddSeconds(-1), Quality.Good, 1),
            new Reading("ups-a", "device.model", ReadingValue.FromText("SMT3000"), "", Now.AddSeconds(-1), Quality.Good, 1),
            new Reading("ups-a", "ups.temperature", ReadingValue.FromNumber(31), "°C", Now.AddSeconds(-1), Quality.Bad, 1),
        ]);
        ups.RecordFailure(Now, "timeout");
        var pdu = new DeviceState("pdu-1", "pdu", "PDU", "tcp://127.0.0.1:2", TimeSpan.FromSeconds(10));
        pdu.RecordSuccess(Now.AddSeconds(-2), [new Reading("pdu-1", "input.current", ReadingValue.FromNumber(12.25), "A", Now.AddSeconds(-2), Quality.Good, 7)]);
        return [ups, pdu];
    }

    private static MqttOutputMetrics Mqtt() => new()
    {
        Connected = false,
        Connects = 3,
        ConnectFailures = 2,
        PublishedQos0 = 4,
        PublishedQos1 = 40,
        PublishesRefused = 1,
        PublishesInterrupted = 5,
        Appended = 50,
        Acknowledged = 45,
        Dropped = 2,
        OutboxOpen = true,
        PendingEntries = 3,
        PendingBytes = 984,
        DiskBytes = 4096,
        OldestPending = Now.AddSeconds(-12.5),
        StoredConfirmed = 38,
        Unconfirmed = 2,
        Replays = 1,
    };

    [Fact]
    public void Known_state_with_mqtt_enabled_renders_exactly()
    {
        const string L = "site=\"dc1\",agent=\"agent-1\"";
        var expected = string.Join("\n",
            "# HELP powerwatch_battery_charge Battery state of charge (reading battery.charge, unit %).",
            "# TYPE powerwatch_battery_charge gauge",
            "powerwatch_battery_charge{site=\"dc1\",device=\"ups-a\"} 97.5",
            "# HELP powerwatch_input_current Input current (PDU: inlet; meter: average line current) (reading input.current, unit A).",
            "# TYPE powerwatch_input_current gauge",
            "powerwatch_input_current{site=\"dc1\",device=\"pdu-1\"} 12.25",
            "# HELP powerwatch_input_power_failure Input power failure signalled (APC SimpleSignalingStatus bit 0) (reading input.power.failure, 1 = true).",
            "# TYPE powerwatch_input_power_failure gauge",
            "powerwatch_input_power_failure{site=\"dc1\",device=\"ups-a\"} 0",
            "# HELP powerwatch_polls_total Polls of the device since the agent started, successful or not.",
            "# TYPE powerwatch_polls_total counter",
            "powerwatch_polls_total{site=\"dc1\",device=\"ups-a\"} 2",
            "powerwatch_polls_total{site=\"dc1\",device=\"pdu-1\"} 1",
            "# HELP powerwatch_poll_failures_total Failed polls of the device since the agent started.",
            "# TYPE powerwatch_poll_failures_total counter",
            "powerwatch_poll_failures_total{site=\"dc1\",device=\"ups-a\"} 1",
            "powerwatch_poll_failures_total{site=\"dc1\",device=\"pdu-1\"} 0",
            "# HELP powerwatch_mqtt_enabled 1 when the MQTT output and its outbox run; 0 when MQTT is disabled, and then no powerwatch_mqtt_* or powerwatch_outbox_* series exist.",
            "# TYPE powerwatch_mqtt_enabled gauge",
            $"powerwatch_mqtt_enabled{{{L}}} 1",
            "# HELP powerwatch_mqtt_connected 1 while a broker session is up (CONNACK received, not lost since), else 0.",
            "# TYPE powerwatch_mqtt_connected gauge",
            $"powerwatch_mqtt_connected{{{L}}} 0",
            "# HELP powerwatch_mqtt_credentials_refused 1 while the broker refuses the agent's credentials (bad user name or password, not authorized): fix PowerWatch:Mqtt:Username/Password or the broker's password file/ACL; else 0.",
            "# TYPE powerwatch_mqtt_credentials_refused gauge",
            $"powerwatch_mqtt_credentials_refused{{{L}}} 0",
            "# HELP powerwatch_mqtt_connects_total Successful broker connections since the agent started (the first one included).",
            "# TYPE powerwatch_mqtt_connects_total counter",
            $"powerwatch_mqtt_connects_total{{{L}}} 3",
            "# HELP powerwatch_mqtt_reconnects_total Successful broker connections after the first one since the agent started.",
            "# TYPE powerwatch_mqtt_reconnects_total counter",
            $"powerwatch_mqtt_reconnects_total{{{L}}} 2",
            "# HELP powerwatch_mqtt_connect_failures_total Broker connection attempts that failed (refused, unreachable, timed out) since the agent started.",
            "# TYPE powerwatch_mqtt_connect_failures_total counter",
            $"powerwatch_mqtt_connect_failures_total{{{L}}} 2",
            "# HELP powerwatch_mqtt_publishes_total Outbox entries delivered to the broker: QoS 1 acknowledged by PUBACK, QoS 0 written to the connection.",
            "# TYPE powerwatch_mqtt_publishes_total counter",
            $"powerwatch_mqtt_publishes_total{{{L},qos=\"0\"}} 4",
            $"powerwatch_mqtt_publishes_total{{{L},qos=\"1\"}} 40",
            "# HELP powerwatch_mqtt_publish_failures_total Publishes that failed: reason refused = the broker refused the message (dropped), connection_lost = cut by a lost connection (replayed later).",
            "# TYPE powerwatch_mqtt_publish_failures_total counter",
            $"powerwatch_mqtt_publish_failures_total{{{L},reason=\"refused\"}} 1",
            $"powerwatch_mqtt_publish_failures_total{{{L},reason=\"connection_lost\"}} 5",
            "# HELP powerwatch_mqtt_stored_confirmed_total Telemetry entries ingest confirmed as stored in the database (Delivery = stored) since the agent started.",
            "# TYPE powerwatch_mqtt_stored_confirmed_total counter",
            $"powerwatch_mqtt_stored_confirmed_total{{{L}}} 38",
            "# HELP powerwatch_mqtt_unconfirmed_entries Telemetry entries sent and awaiting ingest's stored confirmation (always 0 with Delivery = broker).",
            "# TYPE powerwatch_mqtt_unconfirmed_entries gauge",
            $"powerwatch_mqtt_unconfirmed_entries{{{L}}} 2",
            "# HELP powerwatch_mqtt_stored_replays_total Replays of unconfirmed telemetry because confirmations stopped for StoredTimeout, since the agent started.",
            "# TYPE powerwatch_mqtt_stored_replays_total counter",
            $"powerwatch_mqtt_stored_replays_total{{{L}}} 1",
            "# HELP powerwatch_outbox_appended_total Entries appended to the durable outbox since the agent started.",
            "# TYPE powerwatch_outbox_appended_total counter",
            $"powerwatch_outbox_appended_total{{{L}}} 50",
            "# HELP powerwatch_outbox_acknowledged_total Outbox entries acknowledged (delivered, or refused by the broker) since the agent started.",
            "# TYPE powerwatch_outbox_acknowledged_total counter",
            $"powerwatch_outbox_acknowledged_total{{{L}}} 45",
            "# HELP powerwatch_outbox_dropped_total Pending outbox entries dropped by the disk quota since the agent started.",
            "# TYPE powerwatch_outbox_dropped_total counter",
            $"powerwatch_outbox_dropped_total{{{L}}} 2",
            "# HELP powerwatch_outbox_pending_entries Entries waiting in the outbox for the broker's acknowledgement.",
            "# TYPE powerwatch_outbox_pending_entries gauge",
            $"powerwatch_outbox_pending_entries{{{L}}} 3",
            "# HELP powerwatch_outbox_pending_bytes On-disk bytes of the pending entries' records.",
            "# TYPE powerwatch_outbox_pending_bytes gauge",
            $"powerwatch_outbox_pending_bytes{{{L}}} 984",
            "# HELP powerwatch_outbox_disk_bytes Bytes of all outbox segment files on disk (what Outbox:MaxBytes limits).",
            "# TYPE powerwatch_outbox_disk_bytes gauge",
            $"powerwatch_outbox_disk_bytes{{{L}}} 4096",
            "# HELP powerwatch_outbox_oldest_pending_age_seconds Age of the oldest pending outbox entry in seconds; 0 when nothing is pending.",
            "# TYPE powerwatch_outbox_oldest_pending_age_seconds gauge",
            $"powerwatch_outbox_oldest_pending_age_seconds{{{L}}} 12.5",
            "");
        Assert.Equal(expected, StatusApi.Prometheus("dc1", "agent-1", Devices(), Now, Mqtt()));
    }

    [Fact]
    public void With_mqtt_disabled_only_the_enabled_flag_says_so_and_no_mqtt_or_outbox_series_exist()
    {
        var text = StatusApi.Prometheus("dc1", "agent-1", Devices(), Now, mqtt: null);
        Assert.Contains("\npowerwatch_mqtt_enabled{site=\"dc1\",agent=\"agent-1\"} 0\n", text, StringComparison.Ordinal);
        var names = Samples(text).Select(s => s.Name).Distinct().ToList();
        Assert.DoesNotContain(names, n => n.StartsWith("powerwatch_outbox_", StringComparison.Ordinal));
        Assert.Equal(["powerwatch_mqtt_enabled"], names.Where(n => n.StartsWith("powerwatch_mqtt_", StringComparison.Ordinal)));
    }

    [Fact]
    public void Before_the_outbox_is_open_its_gauges_are_absent_rather_than_zero()
    {
        var text = StatusApi.Prometheus("dc1", "agent-1", [], Now, new MqttOutputMetrics { OutboxOpen = false, Appended = 0 });
        var names = Samples(text).Select(s => s.Name).ToHashSet();
        Assert.Contains("powerwatch_outbox_appended_total", names);
        Assert.DoesNotContain("powerwatch_outbox_pending_entries", names);
        Assert.DoesNotContain("powerwatch_outbox_disk_bytes", names);
        Assert.DoesNotContain("powerwatch_outbox_oldest_pending_age_seconds", names);
    }

    [Fact]
    public void Oldest_pending_age_is_zero_when_nothing_is_pending()
    {
        var text = StatusApi.Prometheus("dc1", "agent-1", [], Now, Mqtt() with { PendingEntries = 0, OldestPending = null });
        Assert.Contains("\npowerwatch_outbox_oldest_pending_age_seconds{site=\"dc1\",agent=\"agent-1\"} 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_line_feed()
    {
        var device = new DeviceState("ups \"A\"\\1\nx", "ups", "m", "e", TimeSpan.FromSeconds(10));
        var text = StatusApi.Prometheus("dc\\1", "agent \"x\"", [device], Now, Mqtt());
        Assert.Contains("powerwatch_polls_total{site=\"dc\\\\1\",device=\"ups \\\"A\\\"\\\\1\\nx\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("powerwatch_mqtt_enabled{site=\"dc\\\\1\",agent=\"agent \\\"x\\\"\"} 1\n", text, StringComparison.Ordinal);
        // Every line is still one line: no raw line feed leaked out of a label.
        Assert.All(text.TrimEnd('\n').Split('\n'), line => Assert.True(line.StartsWith('#') || line.StartsWith("powerwatch_", StringComparison.Ordinal), line));
    }

    [Fact]
    public void Help_text_escapes_backslash_and_line_feed_but_not_quotes()
    {
        var w = new PrometheusWriter();
        w.Family("x_total", "counter", "a \\ b\n\"c\"");
        Assert.Equal("# HELP x_total a \\\\ b\\n\"c\"\n# TYPE x_total counter\n", w.ToString());
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5e-7, "-2.5E-07")]
    public void Sample_values_use_the_exposition_spelling(double value, string text) =>
        Assert.Equal(text, PrometheusWriter.Format(value));

    [Fact]
    public void A_reading_not_in_the_catalogue_still_gets_a_help_line_and_a_sanitized_name()
    {
        var d = new DeviceState("x", "ups", "m", "e", TimeSpan.FromSeconds(10));
        d.RecordSuccess(Now, [new Reading("x", "vendor.odd-name", ReadingValue.FromNumber(1), "", Now, Quality.Good, 1)]);
        var text = StatusApi.Prometheus("dc1", "a", [d], Now, null);
        Assert.StartsWith("# HELP powerwatch_vendor_odd_name Reading vendor.odd-name (not in the metric catalogue).\n# TYPE powerwatch_vendor_odd_name gauge\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_family_has_one_help_and_one_type_line_before_its_samples_and_appears_once()
    {
        AssertWellFormed(StatusApi.Prometheus("dc1", "agent-1", Devices(), Now, Mqtt()));
    }

    /// <summary>Checks the structural rules of format 0.0.4 that a scraper relies on; returns the samples.</summary>
    internal static List<(string Name, string Labels, double Value)> AssertWellFormed(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? help = null, type = null;
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                help = line.Split(' ')[2];
                Assert.True(seen.Add(help), $"family {help} appears twice");
                type = null;
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(help, parts[2]);
                Assert.Contains(parts[3], new[] { "gauge", "counter" });
                Assert.True(parts[2].EndsWith("_total", StringComparison.Ordinal) == (parts[3] == "counter"), line);
                type = parts[2];
            }
            else
            {
                var name = line[..line.IndexOfAny(['{', ' '])];
                Assert.True(name == type, $"sample before its HELP/TYPE: {line}");
                Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", name);
            }
        }

        return Samples(text);
    }

    [Fact]
    public void Failover_families_expose_the_site_verdict_margins_depletion_and_alert_counts()
    {
        var site = new SiteVerdict { Verdict = Verdicts.Critical, SecondsLeft = 183.44, Cause = "c", Action = "a", At = Now };
        FailoverUpsState[] ups =
        [
            new() { Ups = "ups-a", Phase = FailoverPhases.GeneratorUnavailable, GeneratorState = "failed", Verdict = Verdicts.Critical, SecondsLeft = 183.44 },
            new() { Ups = "ups-b", Phase = FailoverPhases.Normal, GeneratorState = "stopped", Verdict = Verdicts.Normal, MarginSeconds = 412.26 },
        ];
        AlertInfo[] active =
        [
            new() { Id = "generator-failed-to-start:gen", Rule = "generator-failed-to-start", Device = "gen", Severity = AlertSeverity.Critical, Message = "m", RaisedAt = Now },
            new() { Id = "failover-margin:ups-a", Rule = "failover-margin", Device = "ups-a", Severity = AlertSeverity.Critical, Message = "m", RaisedAt = Now, Cause = "generator-failed-to-start:gen" },
            new() { Id = "utility-lost:ats", Rule = "utility-lost", Device = "ats", Severity = AlertSeverity.Warning, Message = "m", RaisedAt = Now },
        ];

        var text = StatusApi.Prometheus("dc1", "agent-1", [], Now, mqtt: null, new FailoverMetrics(site, ups, active));
        var expected = string.Join('\n',
            "# HELP powerwatch_site_verdict Site verdict: 0 normal, 1 on-battery, 2 at-risk, 3 unknown, 4 critical, 5 load-lost (higher = worse).",
            "# TYPE powerwatch_site_verdict gauge",
            "powerwatch_site_verdict{site=\"dc1\"} 4",
            "# HELP powerwatch_failover_verdict Verdict of one UPS, coded as powerwatch_site_verdict.",
            "# TYPE powerwatch_failover_verdict gauge",
            "powerwatch_failover_verdict{site=\"dc1\",ups=\"ups-a\"} 4",
            "powerwatch_failover_verdict{site=\"dc1\",ups=\"ups-b\"} 0",
            "# HELP powerwatch_failover_margin_known 1 when the UPS has a failover margin; 0 when it has none (the generator cannot carry the load, or the runtime is unknown).",
            "# TYPE powerwatch_failover_margin_known gauge",
            "powerwatch_failover_margin_known{site=\"dc1\",ups=\"ups-a\"} 0",
            "powerwatch_failover_margin_known{site=\"dc1\",ups=\"ups-b\"} 1",
            "# HELP powerwatch_failover_margin_seconds Runtime margin of the UPS: runtime left minus the time the generator still needs to carry the load (absent when not known).",
            "# TYPE powerwatch_failover_margin_seconds gauge",
            "powerwatch_failover_margin_seconds{site=\"dc1\",ups=\"ups-b\"} 412.3",
            "# HELP powerwatch_battery_depletion_seconds Seconds until the UPS battery is empty at the present load (only while on battery).",
            "# TYPE powerwatch_battery_depletion_seconds gauge",
            "powerwatch_battery_depletion_seconds{site=\"dc1\",ups=\"ups-a\"} 183.4",
            "# HELP powerwatch_alerts_active Active alerts by severity (consequences included).",
            "# TYPE powerwatch_alerts_active gauge",
            "powerwatch_alerts_active{site=\"dc1\",severity=\"info\"} 0",
            "powerwatch_alerts_active{site=\"dc1\",severity=\"warning\"} 1",
            "powerwatch_alerts_active{site=\"dc1\",severity=\"critical\"} 2",
            "# HELP powerwatch_alerts_root_active Active alerts by severity that are root causes (not folded under another active alert).",
            "# TYPE powerwatch_alerts_root_active gauge",
            "powerwatch_alerts_root_active{site=\"dc1\",severity=\"info\"} 0",
            "powerwatch_alerts_root_active{site=\"dc1\",severity=\"warning\"} 1",
            "powerwatch_alerts_root_active{site=\"dc1\",severity=\"critical\"} 1",
            "");
        var start = text.IndexOf("# HELP powerwatch_site_verdict", StringComparison.Ordinal);
        Assert.True(start > 0, text);
        Assert.Equal(expected, text[start..]);
        AssertWellFormed(text);
    }

    internal static List<(string Name, string Labels, double Value)> Samples(string text) =>
        [.. text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l =>
        {
            var space = l.LastIndexOf(' ');
            var brace = l.IndexOf('{', StringComparison.Ordinal);
            var name = brace >= 0 && brace < space ? l[..brace] : l[..space];
            var labels = brace >= 0 && brace < space ? l[(brace + 1)..l.LastIndexOf('}')] : "";
            return (name, labels, double.Parse(l[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        })];
}

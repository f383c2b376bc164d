using System.Globalization;
using PowerWatch.Agent.Tests.Status;
using PowerWatch.Simulators.Faces.Serial;
using PowerWatch.TestSupport;
using Site = PowerWatch.Simulators.Site;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>
/// The real agent (in this process) polls a simulated APC Smart UPS over loopback TCP four times a second and
/// publishes through the MQTT output; /metrics is scraped over HTTP the way Prometheus does. With the broker
/// absent the backlog must show (pending grows, nothing delivered); with a real mosquitto it must drain.
/// </summary>
public sealed class MqttMetricsTests
{
    private const string AgentLabels = "site=\"dc1\",agent=\"agent-1\"";

    private static Dictionary<string, string?> Settings(TempDir dir, string upsEndpoint, int? brokerPort)
    {
        var s = new Dictionary<string, string?>
        {
            ["PowerWatch:Site"] = "dc1",
            ["PowerWatch:Agent"] = "agent-1",
            ["PowerWatch:DataDirectory"] = dir.File("data"),
            ["PowerWatch:Devices:0:Id"] = "ups",
            ["PowerWatch:Devices:0:Kind"] = "ups",
            ["PowerWatch:Devices:0:Input"] = "apc-smart",
            ["PowerWatch:Devices:0:Endpoint"] = upsEndpoint,
            ["PowerWatch:Devices:0:PollInterval"] = "00:00:00.250",
            ["PowerWatch:Devices:0:Timeout"] = "00:00:00.200",
        };
        if (brokerPort is { } port)
        {
            s["PowerWatch:Mqtt:Enabled"] = "true";
            s["PowerWatch:Mqtt:Host"] = "127.0.0.1";
            s["PowerWatch:Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture);
            s["PowerWatch:Mqtt:ReconnectMinDelay"] = "00:00:00.100";
            s["PowerWatch:Mqtt:ReconnectMaxDelay"] = "00:00:00.200";
            s["PowerWatch:Mqtt:Outbox:FsyncMode"] = "None";
            s["PowerWatch:Mqtt:Delivery"] = "broker"; // no ingest here to confirm what is stored
        }

        return s;
    }

    private static async Task<Scrape> ScrapeAsync(InProcessAgent agent)
    {
        using var response = await agent.Http.GetAsync(new Uri("metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        return new Scrape(text, PrometheusExpositionTests.AssertWellFormed(text));
    }

    private static async Task<(Site Site, ApcSmartFace Face, SerialFaceServer Server)> StartUpsAsync()
    {
        var site = Site.Create();
        site.RunFor(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));
        var face = new ApcSmartFace(site);
        return (site, face, await face.StartTcpAsync());
    }

    [Fact]
    public async Task With_the_broker_absent_the_pending_gauge_grows_with_every_poll_and_nothing_is_delivered()
    {
        using var dir = new TempDir("powerwatch-metrics-nobroker");
        var (_, face, ups) = await StartUpsAsync();
        using (face)
        await using (ups)
        {
            // Nothing listens on this loopback port: every connection attempt is refused.
            await using var agent = await InProcessAgent.StartAsync(Settings(dir, ups.Endpoint, Peers.FreeTcpPort()));
            Scrape first = null!;
            await Poll.UntilAsync(async () => (first = await ScrapeAsync(agent)).Gauge("powerwatch_outbox_pending_entries") >= 3, TimeSpan.FromSeconds(20), () => first?.Text ?? "");
            Scrape later = null!;
            await Poll.UntilAsync(
                async () => (later = await ScrapeAsync(agent)).Gauge("powerwatch_outbox_pending_entries") > first.Value("powerwatch_outbox_pending_entries")
                    && later.Value("powerwatch_outbox_appended_total") == later.Value("powerwatch_outbox_pending_entries")
                    && later.Value("powerwatch_mqtt_connect_failures_total") >= 1,
                TimeSpan.FromSeconds(20),
                () => later?.Text ?? "");

            Assert.Equal(1, later.Value("powerwatch_mqtt_enabled"));
            Assert.Equal(0, later.Value("powerwatch_mqtt_connected"));
            Assert.Equal(0, later.Value("powerwatch_mqtt_connects_total"));
            Assert.Equal(0, later.Value("powerwatch_outbox_acknowledged_total"));
            Assert.Equal(0, later.Value("powerwatch_mqtt_publishes_total", "qos=\"0\""));
            Assert.Equal(0, later.Value("powerwatch_mqtt_publishes_total", "qos=\"1\""));
            Assert.Equal(0, later.Value("powerwatch_outbox_dropped_total"));
            Assert.True(later.Value("powerwatch_outbox_pending_bytes") > 0, later.Text);
            Assert.True(later.Value("powerwatch_outbox_disk_bytes") >= later.Value("powerwatch_outbox_pending_bytes"), later.Text);
            Assert.True(later.Value("powerwatch_outbox_oldest_pending_age_seconds") > 0, later.Text);
            // The polls themselves are counted per device alongside (each poll appends at least its telemetry).
            Assert.InRange(later.Value("powerwatch_polls_total", "device=\"ups\""), 1, later.Value("powerwatch_outbox_appended_total") + 1);
        }
    }

    [Fact]
    public async Task With_mqtt_disabled_metrics_say_so_and_carry_no_outbox_or_mqtt_series()
    {
        using var dir = new TempDir("powerwatch-metrics-nomqtt");
        var (_, face, ups) = await StartUpsAsync();
        using (face)
        await using (ups)
        {
            await using var agent = await InProcessAgent.StartAsync(Settings(dir, ups.Endpoint, brokerPort: null));
            Scrape s = null!;
            await Poll.UntilAsync(async () => (s = await ScrapeAsync(agent)).Has("powerwatch_battery_charge"), TimeSpan.FromSeconds(20), () => s?.Text ?? "");
            Assert.Equal(0, s.Value("powerwatch_mqtt_enabled"));
            Assert.DoesNotContain(s.Samples, x => x.Name.StartsWith("powerwatch_outbox_", StringComparison.Ordinal));
            Assert.DoesNotContain(s.Samples, x => x.Name.StartsWith("powerwatch_mqtt_", StringComparison.Ordinal) && x.Name != "powerwatch_mqtt_enabled");
        }
    }

    [PeerFact("mosquitto")]
    public async Task When_the_broker_comes_back_the_backlog_drains_to_zero_and_acknowledged_equals_appended()
    {
        using var dir = new TempDir("powerwatch-metrics-drain");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await broker.StopAsync();
        var (_, face, ups) = await StartUpsAsync();
        using (face)
        await using (ups)
        {
            await using var agent = await InProcessAgent.StartAsync(Settings(dir, ups.Endpoint, broker.Port));
            Scrape outage = null!;
            await Poll.UntilAsync(
                async () => (outage = await ScrapeAsync(agent)).Gauge("powerwatch_outbox_pending_entries") >= 5 && outage.Value("powerwatch_mqtt_connect_failures_total") >= 1,
                TimeSpan.FromSeconds(20),
                () => outage?.Text ?? "");
            Assert.Equal(0, outage.Value("powerwatch_mqtt_connected"));
            Assert.Equal(0, outage.Value("powerwatch_outbox_acknowledged_total"));

            await broker.StartProcessAsync();
            // Polls keep coming, so wait for a scrape at which everything appended so far has been acknowledged.
            Scrape drained = null!;
            await Poll.UntilAsync(
                async () => (drained = await ScrapeAsync(agent)).Gauge("powerwatch_outbox_pending_entries") == 0
                    && drained.Value("powerwatch_outbox_acknowledged_total") == drained.Value("powerwatch_outbox_appended_total")
                    && drained.Value("powerwatch_mqtt_connected") == 1,
                TimeSpan.FromSeconds(30),
                () => drained?.Text ?? "");

            Assert.True(drained.Value("powerwatch_outbox_appended_total") >= outage.Value("powerwatch_outbox_pending_entries"), drained.Text);
            Assert.True(drained.Value("powerwatch_mqtt_connects_total") >= 1, drained.Text);
            Assert.True(drained.Value("powerwatch_mqtt_connect_failures_total") >= outage.Value("powerwatch_mqtt_connect_failures_total"), drained.Text);
            Assert.Equal(0, drained.Value("powerwatch_mqtt_publish_failures_total", "reason=\"refused\""));
            Assert.Equal(0, drained.Value("powerwatch_outbox_dropped_total"));
            Assert.Equal(
                drained.Value("powerwatch_outbox_acknowledged_total"),
                drained.Value("powerwatch_mqtt_publishes_total", "qos=\"0\"") + drained.Value("powerwatch_mqtt_publishes_total", "qos=\"1\""));
            Assert.Equal(0, drained.Value("powerwatch_outbox_oldest_pending_age_seconds"));
        }
    }

    private sealed record Scrape(string Text, List<(string Name, string Labels, double Value)> Samples)
    {
        public bool Has(string name) => Samples.Any(s => s.Name == name);

        /// <summary>For wait conditions: the outbox gauges are absent until the outbox is open, so absent is "not yet".</summary>
        public double Gauge(string name) => Has(name) ? Value(name) : double.NaN;

        /// <summary>The one sample of <paramref name="name"/> whose labels contain <paramref name="label"/> (agent labels by default).</summary>
        public double Value(string name, string label = AgentLabels)
        {
            var matches = Samples.Where(s => s.Name == name && s.Labels.Contains(label, StringComparison.Ordinal)).ToList();
            Assert.True(matches.Count == 1, $"{matches.Count} samples of {name}{{{label}}} in:\n{Text}");
            return matches[0].Value;
        }
    }
}

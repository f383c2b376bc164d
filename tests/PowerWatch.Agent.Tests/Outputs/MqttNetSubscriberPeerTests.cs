using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet.Protocol;
using PowerWatch.Agent.Tests.Ingest;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>
/// Issue 17: MQTTnet 5.2, an MQTT implementation nobody here wrote, reads what a real <c>powerwatch run</c> process
/// publishes through a real mosquitto while it polls the simulated site over Modbus TCP: telemetry of every device,
/// retained availability and agent status, alerts and events after a utility failure, failover, and the will after a
/// SIGKILL. Every payload is held to docs/schemas; with MQTT 5 the properties of every message are read back.
/// </summary>
public sealed class MqttNetSubscriberPeerTests
{
    private const string Site = "dc1";
    private const string Agent = "agent-7";
    private const string Prefix = "powerwatch/" + Site + "/";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [PeerTheory("mosquitto", "dotnet")]
    [InlineData("3.1.1")]
    [InlineData("5")]
    public async Task MqttNet_subscriber_reads_schema_valid_telemetry_availability_alerts_failover_and_the_will_of_a_killed_agent(string version)
    {
        using var dir = new TempDir("powerwatch-mqttnet-sub");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await using var site = await SiteHost.StartAsync(new SiteHostOptions(), CancellationToken.None);
        var devices = site.Devices.Select(d => d.Id).ToList();
        var statusUrl = new Uri($"http://127.0.0.1:{Peers.FreeTcpPort().ToString(CultureInfo.InvariantCulture)}/");
        var config = dir.File("agent.json");
        await File.WriteAllTextAsync(config, SimulatedSiteAgentConfig.Build(
            site.ToAgentConfigurationJson(), Site, Agent, dir.File("data"), TimeSpan.FromMilliseconds(500), statusUrl, broker.Port, new JsonObject
            {
                ["ProtocolVersion"] = version,
                ["Delivery"] = "broker", // no ingest confirms here: the broker's PUBACK is delivery
                ["KeepAlive"] = "00:00:05",
                ["Outbox"] = new JsonObject { ["FsyncMode"] = "None" },
            }));

        // Subscribed before the agent starts: it sees every message live.
        await using var live = await MqttNetClient.ConnectAsync(broker.Port, version, "mqttnet-live", "powerwatch/#");
        var agent = AgentProcess.Start(config, statusUrl);
        try
        {
            string Diagnostics() => $"\nreceived: {Summary(live.Received())}\n--- agent:\n{agent.Process.Output}";

            async Task WaitAsync(Func<IReadOnlyList<MqttNetMessage>, bool> condition, string what) =>
                await Poll.UntilAsync(
                    () => Task.FromResult(condition(live.Received())),
                    Patience,
                    () => what + Diagnostics(),
                    () => agent.Process.HasExited ? "the agent exited" + Diagnostics() : null);

            // 1. Telemetry (two polls of every device, in seq order), availability online, agent online, failover.
            await WaitAsync(
                r => devices.All(d => r.Count(m => m.Topic == Prefix + d + "/telemetry") >= 2)
                    && devices.All(d => r.Any(m => m.Topic == Prefix + d + "/availability" && m.Text == "online"))
                    && r.Any(m => m.Topic == Prefix + "agent/" + Agent + "/status" && m.Text == "online")
                    && r.Any(m => m.Topic == Prefix + "failover"),
                "telemetry from every device, availability, agent status and failover");

            // 2. The utility fails: the UPS goes on battery, the agent raises alerts (retained) and events.
            site.Site.Write(s => s.Utility.Fail());
            await WaitAsync(
                r => r.Any(m => m.Topic.StartsWith(Prefix + "alerts/", StringComparison.Ordinal) && m.Payload.Length > 0)
                    && r.Any(m => m.Topic == Prefix + "events" && m.Text.Contains("\"raised\"", StringComparison.Ordinal)),
                "an alert and its raised event after the utility failure");

            // 3. A late subscriber gets what is retained: availability of every device, agent online, the alert, failover.
            await using (var late = await MqttNetClient.ConnectAsync(broker.Port, version, "mqttnet-late", "powerwatch/#"))
            {
                await Poll.UntilAsync(
                    () => Task.FromResult(RetainedTopics(late.Received()).IsSupersetOf(RetainedExpected(devices))
                        && late.Received().Any(m => m.Retain && m.Topic.StartsWith(Prefix + "alerts/", StringComparison.Ordinal))),
                    TimeSpan.FromSeconds(20),
                    () => "retained messages: " + Summary(late.Received()));
                var retained = late.Received().Where(m => m.Retain).ToList();
                Assert.Equal("online", retained.Single(m => m.Topic == Prefix + "agent/" + Agent + "/status").Text);
                Assert.All(devices, d => Assert.Equal("online", retained.Single(m => m.Topic == Prefix + d + "/availability").Text));
                Assert.DoesNotContain(retained, m => m.Topic.EndsWith("/telemetry", StringComparison.Ordinal) || m.Topic.EndsWith("/events", StringComparison.Ordinal));
                AssertSchemaValid(late.Received());
            }

            // 4. SIGKILL: no DISCONNECT, so mosquitto publishes the agent's will.
            agent.Process.Signal(9);
            await Poll.UntilAsync(
                () => Task.FromResult(live.Received().Any(m => m.Topic == Prefix + "agent/" + Agent + "/status" && m.Text == "offline")),
                Patience,
                () => "the will (agent status offline) after SIGKILL" + Diagnostics());
        }
        finally
        {
            await agent.DisposeAsync();
        }

        var all = live.Received();
        AssertSchemaValid(all);

        // Per device, telemetry arrives in poll order, each payload naming the device of its topic.
        foreach (var d in devices)
        {
            var seqs = all.Where(m => m.Topic == Prefix + d + "/telemetry").Select(m => Json(m).GetProperty("seq").GetInt64()).ToList();
            Assert.True(seqs.SequenceEqual(seqs.Order()), $"{d}: seqs out of order: {string.Join(",", seqs)}");
            Assert.All(all.Where(m => m.Topic == Prefix + d + "/telemetry"), m => Assert.Equal(d, Json(m).GetProperty("device").GetString()));
        }

        // QoS as docs/mqtt.md states it: everything at QoS 1 (telemetry's Qos setting is 1 here).
        Assert.All(all, m => Assert.Equal(1, m.Qos));
        if (version == "5")
        {
            // Retain As Published: the retained topics arrive live with the publisher's retain flag, the others without.
            Assert.All(all.Where(m => m.Topic.EndsWith("/telemetry", StringComparison.Ordinal) || m.Topic == Prefix + "events"), m => Assert.False(m.Retain, m.Topic));
            Assert.All(all.Where(m => m.Topic.EndsWith("/availability", StringComparison.Ordinal) || m.Topic == Prefix + "failover" || m.Topic.Contains("/alerts/", StringComparison.Ordinal)), m => Assert.True(m.Retain, m.Topic));

            // The agent sets no MQTT 5 publish properties (docs/mqtt.md promises none): above all no Message Expiry,
            // so telemetry queued for an offline ingest session never expires in the broker.
            Assert.All(all, m =>
            {
                Assert.Equal(0u, m.MessageExpiryInterval);
                Assert.Null(m.ContentType);
                Assert.Empty(m.UserProperties);
                Assert.Equal(MqttPayloadFormatIndicator.Unspecified, m.PayloadFormat);
            });
        }
    }

    /// <summary>Each payload against its schema in docs/schemas, chosen by topic; an unknown topic fails.</summary>
    internal static void AssertSchemaValid(IEnumerable<MqttNetMessage> messages)
    {
        var problems = new List<string>();
        foreach (var m in messages)
        {
            var schema = SchemaFor(m.Topic);
            if (schema is null)
            {
                problems.Add($"{m.Topic}: no schema for this topic");
                continue;
            }

            if (schema == "alert.schema.json" && m.Payload.Length == 0)
            {
                continue; // an empty retained payload clears the alert
            }

            JsonElement value;
            try
            {
                // availability and agent status are plain text; the schema describes them as a JSON string.
                value = schema is "availability.schema.json" or "agent-status.schema.json" ? JsonSerializer.SerializeToElement(m.Text) : Json(m);
            }
            catch (JsonException ex)
            {
                problems.Add($"{m.Topic}: not JSON ({ex.Message}): {m.Text}");
                continue;
            }

            problems.AddRange(SchemaChecker.Check(SchemaChecker.LoadSchema(schema), value).Select(p => $"{m.Topic} {p}"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static string? SchemaFor(string topic)
    {
        var levels = topic.Split('/');
        return levels switch
        {
            [_, _, "alerts", _] => "alert.schema.json",
            [_, _, "events"] => "event.schema.json",
            [_, _, "failover"] => "failover.schema.json",
            [_, _, "agent", _, "status"] => "agent-status.schema.json",
            [_, _, _, "telemetry"] => "telemetry.schema.json",
            [_, _, _, "availability"] => "availability.schema.json",
            [_, _, _, "stored"] => "stored.schema.json",
            _ => null,
        };
    }

    private static JsonElement Json(MqttNetMessage m)
    {
        using var doc = JsonDocument.Parse(m.Payload);
        return doc.RootElement.Clone();
    }

    private static HashSet<string> RetainedTopics(IEnumerable<MqttNetMessage> messages) =>
        [.. messages.Where(m => m.Retain).Select(m => m.Topic)];

    private static HashSet<string> RetainedExpected(IEnumerable<string> devices) =>
        [.. devices.Select(d => Prefix + d + "/availability"), Prefix + "agent/" + Agent + "/status", Prefix + "failover"];

    private static string Summary(IReadOnlyList<MqttNetMessage> messages) =>
        string.Join(", ", messages.GroupBy(m => m.Topic).Select(g => $"{g.Key}×{g.Count()}"));
}

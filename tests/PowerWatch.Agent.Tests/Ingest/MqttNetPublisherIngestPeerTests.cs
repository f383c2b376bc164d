using System.Globalization;
using System.Text.Json;
using PowerWatch.Agent.Tests.Outputs;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Ingest;

/// <summary>
/// Issue 17: MQTTnet 5.2 plays the agent's part in front of <c>powerwatch ingest</c> (<see cref="Agent.Ingest.IngestRunner"/>):
/// it publishes telemetry at QoS 1 through a real mosquitto, ingest writes it to a real influxd 1.6, and the stored
/// confirmations ingest publishes back are read by MQTTnet and held to docs/schemas/stored.schema.json.
/// </summary>
public sealed class MqttNetPublisherIngestPeerTests
{
    private const string Db = "power";
    private const string Run = "00000000000017a1";
    private const int Count = 20;

    private static string Telemetry(long seq) =>
        $$"""{"ts":"2026-11-21T00:{{seq / 60:00}}:{{seq % 60:00}}.000Z","seq":{{seq}},"run":"{{Run}}","device":"ups-a","kind":"ups","model":"sim","metrics":{"battery.charge":{{(50 + seq).ToString(CultureInfo.InvariantCulture)}},"ups.load":{{(seq % 7).ToString(CultureInfo.InvariantCulture)}}.5},"status":["OL"],"quality":"good"}""";

    [PeerTheory("mosquitto", "influxd")]
    [InlineData("3.1.1")]
    [InlineData("5")]
    public async Task Telemetry_published_by_MqttNet_is_stored_in_InfluxDB_by_ingest_and_confirmed_back(string version)
    {
        using var dir = new TempDir("powerwatch-mqttnet-ingest");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await using var influx = await InfluxDaemon.StartAsync(false, Db);
        var (io, mo) = PipelineHarness.IngestSettings(broker.Port, influx.Url, Db, dir.File("dead.txt"));
        await using var ingest = new RunningIngest(io, mo);
        await ingest.Runner.Ready.WaitAsync(TimeSpan.FromSeconds(20));

        await using var publisher = await MqttNetClient.ConnectAsync(broker.Port, version, "mqttnet-agent", "powerwatch/dc1/+/stored");
        for (var seq = 1; seq <= Count; seq++)
        {
            var result = await publisher.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder()
                .WithTopic("powerwatch/dc1/ups-a/telemetry")
                .WithPayload(Telemetry(seq))
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            Assert.True(result.IsSuccess, $"seq {seq}: PUBACK {result.ReasonCode}");
        }

        await Poll.UntilAsync(
            async () => await influx.CountAsync("ups", "seq", Db) == Count,
            TimeSpan.FromSeconds(30),
            () => $"{Count} points in InfluxDB; ingest received {ingest.Runner.Received}, malformed {ingest.Runner.Malformed}");

        // Every point as published: tags from the topic and payload, fields from the metrics, the payload's timestamp.
        var rows = await influx.SelectAsync("SELECT \"seq\", \"battery.charge\", \"ups.load\", \"site\", \"device\", \"model\" FROM ups ORDER BY time", Db);
        Assert.Equal(Count, rows.Count);
        for (var i = 0; i < Count; i++)
        {
            var seq = i + 1;
            Assert.Equal(seq, rows[i]["seq"].GetInt64());
            Assert.Equal(50 + seq, rows[i]["battery.charge"].GetDouble());
            Assert.Equal((seq % 7) + 0.5, rows[i]["ups.load"].GetDouble());
            Assert.Equal("dc1", rows[i]["site"].GetString());
            Assert.Equal("ups-a", rows[i]["device"].GetString());
            Assert.Equal("sim", rows[i]["model"].GetString());
            Assert.Equal(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero).AddSeconds(seq), DateTimeOffset.Parse(rows[i]["time"].GetString()!, CultureInfo.InvariantCulture));
        }

        // The stored confirmations come back to the "agent" (MQTTnet) and cover exactly seqs 1..Count of its run.
        await Poll.UntilAsync(
            () => Task.FromResult(ConfirmedSeqs(publisher.Received()).Count == Count),
            TimeSpan.FromSeconds(20),
            () => "confirmations: " + string.Join(" | ", publisher.Received().Select(m => m.Text)));
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), ConfirmedSeqs(publisher.Received()).Order());
        MqttNetSubscriberPeerTests.AssertSchemaValid(publisher.Received());
        Assert.All(publisher.Received(), m => Assert.Equal("powerwatch/dc1/ups-a/stored", m.Topic));
        Assert.Equal(0, ingest.Runner.Malformed);
    }

    private static HashSet<long> ConfirmedSeqs(IEnumerable<MqttNetMessage> confirmations)
    {
        var seqs = new HashSet<long>();
        foreach (var m in confirmations)
        {
            using var doc = JsonDocument.Parse(m.Payload);
            Assert.Equal(Run, doc.RootElement.GetProperty("run").GetString());
            foreach (var range in doc.RootElement.GetProperty("seqs").EnumerateArray())
            {
                for (var s = range[0].GetInt64(); s <= range[1].GetInt64(); s++)
                {
                    seqs.Add(s);
                }
            }
        }

        return seqs;
    }
}

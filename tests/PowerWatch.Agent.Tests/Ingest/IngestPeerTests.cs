using System.Text;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Tests.Outputs;
using PowerWatch.Influx;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Ingest;

public sealed class IngestPeerTests
{
    private const string Db = "power";

    private static async Task PubAsync(MosquittoServer broker, string topic, string payload)
    {
        var (code, output) = await PeerProcess.RunAsync(Peers.Require("mosquitto_pub"), broker.Args("-q", "1", "-t", topic, "-m", payload), MosquittoServer.Patience);
        Assert.True(code == 0, $"mosquitto_pub exited {code}: {output}");
    }

    private static async Task<long> CountAsync(InfluxDaemon influx)
    {
        var c = await influx.ColumnAsync("SELECT count(seq) FROM ups", Db, "count");
        return c.Count == 0 ? 0 : c[0].GetInt64();
    }

    private static string Telemetry(long seq, string charge = "97") =>
        $$"""{"ts":"2026-11-21T00:00:{{seq:00}}.000Z","seq":{{seq}},"device":"ups-a","kind":"ups","metrics":{"battery.charge":{{charge}}},"quality":"good"}""";

    /// <summary>
    /// Waits until the ingest holds its subscriptions, then publishes telemetry seq 1 exactly once and waits for it in
    /// InfluxDB: a copy published before the subscription would be lost, and a second copy in flight would be counted
    /// (and acknowledged, or not) after the test took its counts.
    /// </summary>
    private static async Task PublishOnceReadyAsync(RunningIngest ingest, MosquittoServer broker, InfluxDaemon influx, string what)
    {
        await ingest.Runner.Ready.WaitAsync(TimeSpan.FromSeconds(20));
        await PubAsync(broker, "powerwatch/dc1/ups-a/telemetry", Telemetry(1));
        await Poll.UntilAsync(async () => await CountAsync(influx) == 1, TimeSpan.FromSeconds(20), () => what);
        await Poll.UntilAsync(() => Task.FromResult(ingest.Runner.Received == 1 && ingest.Runner.Acknowledged >= 1), TimeSpan.FromSeconds(10), () => $"one copy received and acknowledged (received {ingest.Runner.Received}, acknowledged {ingest.Runner.Acknowledged})");
    }

    [PeerFact("mosquitto", "mosquitto_pub", "influxd")]
    public async Task Malformed_payload_is_dead_lettered_with_its_reason_and_acknowledged_so_it_is_not_redelivered()
    {
        using var dir = new TempDir("powerwatch-ingest");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await using var influx = await InfluxDaemon.StartAsync(false, Db);
        var dead = dir.File("dead.txt");
        var (io, mo) = PipelineHarness.IngestSettings(broker.Port, influx.Url, Db, dead);
        await using (var first = new RunningIngest(io, mo))
        {
            await PublishOnceReadyAsync(first, broker, influx, "first good message stored");
            await PubAsync(broker, "powerwatch/dc1/ups-a/telemetry", "{\"seq\": oops");
            await Poll.UntilAsync(() => Task.FromResult(first.Runner.Malformed == 1), TimeSpan.FromSeconds(10), () => "malformed message seen");
            await Poll.UntilAsync(() => Task.FromResult(first.Runner.Acknowledged == first.Runner.Received), TimeSpan.FromSeconds(10), () => "all acknowledged");
        }

        var letters = (await File.ReadAllLinesAsync(dead)).Select(DeadLetterFile.Parse).ToList();
        var letter = Assert.Single(letters);
        Assert.Contains("powerwatch/dc1/ups-a/telemetry: invalid JSON", letter.Reason, StringComparison.Ordinal);
        Assert.Equal("{\"seq\": oops", letter.Line);

        await using (var second = new RunningIngest(io, mo))
        {
            await PubAsync(broker, "powerwatch/dc1/ups-a/telemetry", Telemetry(2));
            await Poll.UntilAsync(async () => await CountAsync(influx) == 2, TimeSpan.FromSeconds(20), () => "second good message stored");
            Assert.Equal(0, second.Runner.Malformed);
        }

        Assert.Single(await File.ReadAllLinesAsync(dead));
    }

    [PeerFact("mosquitto", "mosquitto_pub", "influxd")]
    public async Task Message_is_not_acknowledged_while_InfluxDB_is_down_and_is_redelivered_to_the_next_ingest()
    {
        using var dir = new TempDir("powerwatch-ingest");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await using var influx = await InfluxDaemon.StartAsync(false, Db);
        var (io, mo) = PipelineHarness.IngestSettings(broker.Port, influx.Url, Db, dir.File("dead.txt"));
        await using (var first = new RunningIngest(io, mo))
        {
            await PublishOnceReadyAsync(first, broker, influx, "first message stored");
            await Poll.UntilAsync(() => Task.FromResult(first.Runner.Acknowledged == first.Runner.Received), TimeSpan.FromSeconds(10), () => "every copy of the first message acknowledged");
            var before = first.Runner.Received;
            await influx.KillAsync();
            await PubAsync(broker, "powerwatch/dc1/ups-a/telemetry", Telemetry(2));
            await Poll.UntilAsync(() => Task.FromResult(first.Runner.Received == before + 1), TimeSpan.FromSeconds(10), () => $"received {first.Runner.Received}");
            Assert.Equal(before, first.Runner.Acknowledged);
        }

        await influx.StartProcessAsync();
        await using var second = new RunningIngest(io, mo);
        await Poll.UntilAsync(async () => await CountAsync(influx) == 2, TimeSpan.FromSeconds(20), () => $"redelivered message stored; second received {second.Runner.Received}");
        Assert.True(second.Runner.Received >= 1);
    }

    [PeerFact("mosquitto", "mosquitto_pub", "influxd")]
    public async Task Line_refused_by_InfluxDB_with_400_is_dead_lettered_and_acknowledged()
    {
        using var dir = new TempDir("powerwatch-ingest");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await using var influx = await InfluxDaemon.StartAsync(false, Db);
        var dead = dir.File("dead.txt");
        var (io, mo) = PipelineHarness.IngestSettings(broker.Port, influx.Url, Db, dead);
        await using var ingest = new RunningIngest(io, mo);
        await PublishOnceReadyAsync(ingest, broker, influx, "first message stored");

        // battery.charge was a float; a string now is a field type conflict: InfluxDB 1.x answers 400 partial write.
        await PubAsync(broker, "powerwatch/dc1/ups-a/telemetry", Telemetry(2, "\"full\""));
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(dead) && new FileInfo(dead).Length > 0), TimeSpan.FromSeconds(20), () => "dead letter written");
        await Poll.UntilAsync(() => Task.FromResult(ingest.Runner.Acknowledged == ingest.Runner.Received), TimeSpan.FromSeconds(10), () => "acknowledged");
        var letter = DeadLetterFile.Parse(Assert.Single(await File.ReadAllLinesAsync(dead)));
        Assert.Equal(400, letter.StatusCode);
        Assert.Contains("battery.charge=\"full\"", letter.Line, StringComparison.Ordinal);
        Assert.Equal(0, ingest.Runner.Malformed);
    }
}

using System.Globalization;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Tests.Outputs;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Ingest;

public sealed class NoLossPeerTests
{
    private const string Db = "power";
    private static readonly string[] Devices = ["ups-a", "ups-b", "ups-c"];

    /// <summary>
    /// The heart of the issue: sequenced polls of three devices flow outbox → publisher → mosquitto → ingest →
    /// InfluxDB while the broker is SIGKILLed and restarted, InfluxDB is stopped and restarted, the publisher is
    /// dropped without a flush and reopened over the same outbox, and ingest is dropped and restarted on its
    /// persistent session. Afterwards every (device, seq) is in InfluxDB exactly once.
    /// </summary>
    [PeerFact("mosquitto", "influxd")]
    public async Task Every_sequenced_poll_reaches_InfluxDB_exactly_once_through_broker_database_publisher_and_ingest_restarts()
    {
        using var dir = new TempDir("powerwatch-noloss");
        await using var broker = await MosquittoServer.StartAsync(dir);
        await using var influx = await InfluxDaemon.StartAsync(false, Db);
        var outboxDir = dir.File("outbox");
        var (ingestOptions, mqttOptions) = PipelineHarness.IngestSettings(broker.Port, influx.Url, Db, dir.File("dead.txt"));
        var publisher = await PipelineHarness.StartPublisherAsync(broker.Port, outboxDir, delivery: MqttDelivery.Stored);
        var ingest = new RunningIngest(ingestOptions, mqttOptions);
        long next = 1;
        const int PerPhase = 40;

        async Task AppendAsync()
        {
            for (var i = 0; i < PerPhase; i++, next++)
            {
                foreach (var d in Devices)
                {
                    await publisher.AppendAsync(PipelineHarness.Poll(d, next), CancellationToken.None);
                }
            }
        }

        async Task<long> CountAsync()
        {
            try
            {
                var counts = await influx.ColumnAsync("SELECT count(seq) FROM ups", Db, "count");
                return counts.Count == 0 ? 0 : counts[0].GetInt64();
            }
            catch (HttpRequestException)
            {
                return -1;
            }
        }

        async Task WaitForAllAsync(string phase) => await Poll.UntilAsync(
            async () => await CountAsync() >= (next - 1) * Devices.Length,
            TimeSpan.FromSeconds(30),
            () => $"{phase}: InfluxDB has {CountAsync().GetAwaiter().GetResult()} of {(next - 1) * Devices.Length}; outbox pending {publisher.Pending}, publisher {publisher.GetMetrics()}; ingest received {ingest.Runner.Received}, acked {ingest.Runner.Acknowledged}, confirmations published {ingest.Runner.ConfirmationsPublished} received {ingest.Runner.ConfirmationsReceived}, influx {ingest.Runner.Influx}, run task {ingest.Run.Status} {ingest.Run.Exception?.GetBaseException().Message}");

        try
        {
            // 1. Steady state (ingest's session must exist before anything is published).
            await ingest.Runner.Ready.WaitAsync(TimeSpan.FromSeconds(20));
            await AppendAsync();
            await WaitForAllAsync("steady");

            // 2. Broker SIGKILLed; the publisher keeps appending to the outbox; broker restarts from its persistence.
            // The session and its subscriptions must be in the broker's persistence file before the SIGKILL.
            await Poll.UntilAsync(() => Task.FromResult(File.Exists(dir.File("mosquitto-data/mosquitto.db"))), TimeSpan.FromSeconds(10), () => "mosquitto autosave");
            await broker.KillAsync();
            await AppendAsync();
            await broker.StartProcessAsync();
            await WaitForAllAsync("after broker kill");

            // 3. InfluxDB stopped: ingest holds its acks; the database comes back and the batcher retries.
            await influx.KillAsync();
            await AppendAsync();
            await Poll.UntilAsync(
                () => Task.FromResult(ingest.Runner.Received - ingest.Runner.Acknowledged >= PerPhase * Devices.Length),
                TimeSpan.FromSeconds(20),
                () => $"ingest holding acks: received {ingest.Runner.Received}, acked {ingest.Runner.Acknowledged}");
            await influx.StartProcessAsync();
            await WaitForAllAsync("after InfluxDB restart");

            // 4. Publisher dropped without flushing right after appending; a new one opens the same outbox and replays.
            await AppendAsync();
            await publisher.DisposeAsync();
            publisher = await PipelineHarness.StartPublisherAsync(broker.Port, outboxDir, delivery: MqttDelivery.Stored);
            await AppendAsync();
            await WaitForAllAsync("after publisher restart");

            // 5. Ingest dropped while messages flow; the persistent session brings what it had not acknowledged.
            await AppendAsync();
            await ingest.DisposeAsync();
            await AppendAsync();
            ingest = new RunningIngest(ingestOptions, mqttOptions);
            await ingest.Runner.Ready.WaitAsync(TimeSpan.FromSeconds(20));
            await WaitForAllAsync("after ingest restart");
        }
        finally
        {
            await ingest.DisposeAsync();
            await publisher.DisposeAsync();
        }

        // Exactly once per (device, seq): one row per series and timestamp, and the seq values are 1..N.
        var total = next - 1;
        foreach (var d in Devices)
        {
            var seqs = (await influx.ColumnAsync($"SELECT seq FROM ups WHERE device = '{d}'", Db, "seq")).Select(v => v.GetInt64()).ToList();
            Assert.Equal(Enumerable.Range(1, (int)total).Select(i => (long)i), seqs.Order());
        }

        var count = await influx.ColumnAsync("SELECT count(seq) FROM ups GROUP BY device", Db, "count");
        Assert.Equal(Devices.Length, count.Count);
        Assert.All(count, c => Assert.Equal(total.ToString(CultureInfo.InvariantCulture), c.ToString()));
    }
}

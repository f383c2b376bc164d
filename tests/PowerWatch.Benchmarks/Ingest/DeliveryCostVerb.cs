using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Ingest;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Polling;
using PowerWatch.Benchmarks.Agent;
using PowerWatch.Mqtt;
using PowerWatch.Outbox;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Ingest;

/// <summary>
/// <c>delivery-cost</c>: what end-to-end delivery (<c>Delivery = stored</c>) costs at the demo site's rate. The demo
/// site (simulated, in-process Modbus TCP faces, 6 devices polled every second by the agent's own pollers) publishes
/// through <see cref="MqttOutput"/> (stored delivery, outbox FsyncMode Always) to mosquitto; <see cref="IngestRunner"/>
/// (default batching) writes to influxd and confirms. A separate subscriber counts telemetry and confirmations and their
/// payload bytes during a steady window; then mosquitto is stopped and the outbox's growth is sampled during the outage.
/// </summary>
internal sealed class DeliveryCostVerb : IBenchmarkVerb
{
    public string Name => "delivery-cost";

    public string Description => "end-to-end delivery cost at the demo site's rate: confirmations per ingest batch, and outbox growth per minute of broker outage";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = IntArg(args, "--seconds", 60);
        var outageSeconds = IntArg(args, "--outage-seconds", 60);
        using var dir = new TempDir("powerwatch-bench-delivery");
        var time = TimeProvider.System;

        await using var influxd = await InfluxDaemon.StartAsync(false, "bench");
        var mqttPort = Peers.FreeTcpPort();
        var mqttConfig = dir.File("mosquitto.conf");
        await File.WriteAllLinesAsync(mqttConfig, [
            $"listener {mqttPort} 127.0.0.1", "allow_anonymous true", "log_dest stderr", "log_type error",
            Environment.UserName == "root" ? "user root" : ""], cancellationToken);
        var mosquitto = PeerProcess.Start(Peers.Require("mosquitto"), ["-c", mqttConfig]);
        await mosquitto.WaitForTcpAsync(mqttPort, TimeSpan.FromSeconds(20));

        // The demo site and the agent's pollers (default poll interval, 1 s).
        await using var site = await SiteHost.StartAsync(new SiteHostOptions(), cancellationToken);
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(site.ToAgentConfigurationJson()))).Build();
        var options = new AgentOptions();
        configuration.GetSection(AgentOptions.Section).Bind(options);
        options.Site = "bench";
        options.Agent = "bench";
        var profiles = await AgentBench.ProfilesAsync(cancellationToken);
        var hub = new ReadingHub();
        await using var runtime = AgentRuntime.Build(options, profiles, hub, new AgentHealth(time), time, NullLoggerFactory.Instance);

        var output = new MqttOutput(
            new MqttOutputSettings
            {
                Topics = new MqttTopics("powerwatch", "bench", "bench"),
                Client = new MqttClientOptions { Host = "127.0.0.1", Port = mqttPort, ClientId = "bench-agent" },
                Outbox = new OutboxOptions { Directory = dir.File("outbox") },
                Delivery = MqttDelivery.Stored,
                ReconnectMinDelay = TimeSpan.FromMilliseconds(200),
                ReconnectMaxDelay = TimeSpan.FromSeconds(1),
            },
            hub,
            time,
            NullLogger<MqttOutput>.Instance);
        var ingest = new IngestRunner(
            new IngestOptions { Influx = new IngestInfluxOptions { Url = influxd.Url, Database = "bench" }, DeadLetterFile = dir.File("dead.txt") },
            new MqttOptions { Host = "127.0.0.1", Port = mqttPort, ClientId = "bench-ingest" },
            time,
            NullLogger<IngestRunner>.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ingestRun = Task.Run(() => ingest.RunAsync(stop.Token), CancellationToken.None);
        await ingest.Ready.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);

        // Counts what crosses the broker (QoS 0 subscriber: it does not slow anything down).
        var counter = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = mqttPort, ClientId = "bench-counter", ReceiveBufferCapacity = 100_000 });
        await counter.ConnectAsync(cancellationToken);
        await counter.SubscribeAsync([new MqttSubscription("powerwatch/bench/+/telemetry", MqttQualityOfService.AtMostOnce), new MqttSubscription("powerwatch/bench/+/stored", MqttQualityOfService.AtMostOnce)], cancellationToken);
        long telemetry = 0, telemetryBytes = 0, confirmations = 0, confirmationBytes = 0, confirmedSeqs = 0;
        var counting = 0;
        var countLoop = Task.Run(async () =>
        {
            await foreach (var m in counter.ReceivedMessages.ReadAllAsync(CancellationToken.None))
            {
                if (Volatile.Read(ref counting) == 0)
                {
                    continue;
                }

                if (m.Topic.EndsWith("/stored", StringComparison.Ordinal))
                {
                    confirmations++;
                    confirmationBytes += m.Payload.Length;
                    if (StoredAck.TryDecode(m.Payload.Span, out var ack))
                    {
                        confirmedSeqs += ack!.Seqs.Sum(r => r.Count);
                    }
                }
                else
                {
                    telemetry++;
                    telemetryBytes += m.Payload.Length;
                }
            }
        }, CancellationToken.None);

        await output.StartAsync(cancellationToken);
        var pollers = runtime.Pollers.Select(p => Task.Run(() => p.RunAsync(stop.Token), CancellationToken.None)).ToArray();
        Console.WriteLine($"delivery-cost: demo site, {site.Devices.Count} devices polled every {string.Join("/", options.Devices.Select(d => d.PollInterval.TotalSeconds).Distinct())} s, Delivery = stored, ingest FlushInterval {new IngestOptions().FlushInterval.TotalMilliseconds} ms, {Environment.ProcessorCount} cores");

        // 1. Steady state.
        await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
        var batches0 = ingest.Influx.Requests;
        var published0 = ingest.ConfirmationsPublished;
        Volatile.Write(ref counting, 1);
        var wall = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        Volatile.Write(ref counting, 0);
        wall.Stop();
        var batches = ingest.Influx.Requests - batches0;
        var published = ingest.ConfirmationsPublished - published0;
        var m0 = output.GetMetrics();
        Console.WriteLine($"steady {wall.Elapsed.TotalSeconds:0.0} s: telemetry {telemetry} msgs ({Avg(telemetryBytes, telemetry)} B avg payload); ingest batches (InfluxDB writes) {batches}; confirmations published {published}, seen {confirmations} ({Avg(confirmationBytes, confirmations)} B avg payload, {confirmedSeqs} seqs)");
        Console.WriteLine($"  confirmations per batch {Ratio(published, batches)}, per telemetry message {Ratio(confirmations, telemetry)}; confirmation bytes / telemetry bytes {Ratio(confirmationBytes, telemetryBytes)}");
        Console.WriteLine($"  agent: unconfirmed {m0.Unconfirmed}, pending {m0.PendingEntries}, replays {m0.Replays}, confirmed {m0.StoredConfirmed}");

        // 2. Broker outage: the outbox grows.
        await mosquitto.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var a = output.GetMetrics();
        var outage = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(outageSeconds), cancellationToken);
        var b = output.GetMetrics();
        var minutes = outage.Elapsed.TotalMinutes;
        Console.WriteLine($"outage {outage.Elapsed.TotalSeconds:0.0} s: pending entries {a.PendingEntries} -> {b.PendingEntries}, pending bytes {a.PendingBytes} -> {b.PendingBytes}, disk bytes {a.DiskBytes} -> {b.DiskBytes}");
        Console.WriteLine($"  growth per minute: {(b.PendingEntries - a.PendingEntries) / minutes:0} entries, {(b.PendingBytes - a.PendingBytes) / minutes / 1024:0.0} KiB pending, {(b.DiskBytes - a.DiskBytes) / minutes / 1024:0.0} KiB disk; {(double)(b.PendingBytes - a.PendingBytes) / Math.Max(1, b.PendingEntries - a.PendingEntries):0} B per entry; default quota 256 MiB lasts {256.0 * 1024 * 1024 / Math.Max(1, (b.DiskBytes - a.DiskBytes) / minutes) / 60 / 24:0.0} days");

        await stop.CancelAsync();
        await Task.WhenAll(pollers);
        await output.StopAsync(CancellationToken.None);
        await output.DisposeAsync();
        try
        {
            await ingestRun;
        }
        catch (OperationCanceledException)
        {
        }

        await ingest.DisposeAsync();
        await counter.DisposeAsync();
        await countLoop;
        return 0;
    }

    private static string Avg(long bytes, long count) => count == 0 ? "-" : (bytes / (double)count).ToString("0", CultureInfo.InvariantCulture);

    private static string Ratio(long a, long b) => b == 0 ? "-" : (a / (double)b).ToString("0.00", CultureInfo.InvariantCulture);

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

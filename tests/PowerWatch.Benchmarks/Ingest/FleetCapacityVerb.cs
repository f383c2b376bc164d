using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
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
using PowerWatch.Benchmarks.Mqtt;
using PowerWatch.Mqtt;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Ingest;

/// <summary>
/// <c>fleet-capacity</c> (issue 17): how many agents one central mosquitto and one ingest keep up with at 1 s polling.
/// Each synthetic agent is one MQTT connection (QoS 1) publishing every second what the demo agent publishes: the
/// telemetry of its 6 devices, captured once from the real agent polling the simulated demo site (Payloads.Telemetry),
/// with this agent's site, run, seq and time. One <see cref="IngestRunner"/> (default batching, stored confirmations on)
/// writes to influxd 1.6. Agents are added step by step; each step measures offered messages/s, stored (lines InfluxDB
/// accepted, one per message) messages/s and the publish-to-confirmation latency of every message, until the stored rate
/// falls behind the offered rate or the latency grows: the knee. Everything runs on this machine.
/// </summary>
internal sealed class FleetCapacityVerb : IBenchmarkVerb
{
    private const string Marker = "RUN-MARKER";

    public string Name => "fleet-capacity";

    public string Description => "agents (6 demo devices each, 1 s polling) one central mosquitto and one ingest keep up with: offered vs stored rate and latency per step";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var steps = IngestBench.IntListArg(args, "--agents", [25, 50, 100, 200, 400, 800, 1600]);
        var seconds = IngestBench.IntArg(args, "--seconds", 20);
        var maxP99 = TimeSpan.FromMilliseconds(IngestBench.IntArg(args, "--max-p99-ms", 3000));
        var templates = await CaptureDemoTelemetryAsync(cancellationToken);
        Console.WriteLine($"fleet-capacity: agents {string.Join(", ", steps)}, {templates.Count} devices each at 1 s ({templates.Average(t => t.Tail.Length + 80):N0} B average payload), {seconds} s per step, {Environment.ProcessorCount} cores, load average {IngestBench.LoadAverage()}");

        using var dir = new TempDir("powerwatch-bench-fleet");
        await using var influxd = await InfluxDaemon.StartAsync(false, "fleet");
        var (broker, port) = await BenchBroker.StartAsync(dir, cancellationToken);
        await using var brokerScope = broker;
        await using var ingest = new IngestRunner(
            new IngestOptions { Influx = new IngestInfluxOptions { Url = influxd.Url, Database = "fleet" }, DeadLetterFile = dir.File("dead.txt") },
            new MqttOptions { Host = "127.0.0.1", Port = port, ClientId = "fleet-ingest" },
            TimeProvider.System,
            NullLogger<IngestRunner>.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ingestRun = Task.Run(() => ingest.RunAsync(stop.Token), CancellationToken.None);
        await ingest.Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

        // Publish time of every message, and the latencies (ms) seen by a QoS 0 listener on the confirmations.
        var published = new ConcurrentDictionary<(string Site, string Device, long Seq), long>();
        var latencies = new List<double>();
        var measuring = 0;
        await using var listener = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = port, ClientId = "fleet-listener", ReceiveBufferCapacity = 100_000 });
        await listener.ConnectAsync(cancellationToken);
        await listener.SubscribeAsync("powerwatch/+/+/stored", MqttQualityOfService.AtMostOnce, cancellationToken);
        var listen = Task.Run(async () =>
        {
            await foreach (var m in listener.ReceivedMessages.ReadAllAsync(CancellationToken.None))
            {
                var now = Stopwatch.GetTimestamp();
                if (!StoredAck.TryDecode(m.Payload.Span, out var ack))
                {
                    continue;
                }

                var site = m.Topic.Split('/')[1];
                foreach (var range in ack!.Seqs)
                {
                    for (var s = range.From; s <= range.To; s++)
                    {
                        if (published.TryRemove((site, ack.Device, s), out var sent) && Volatile.Read(ref measuring) == 1)
                        {
                            lock (latencies)
                            {
                                latencies.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                            }
                        }
                    }
                }
            }
        }, CancellationToken.None);

        long offered = 0;
        var agents = new List<(MqttClient Client, Task Loop)>();
        var rows = new List<string>();
        string? knee = null;
        foreach (var count in steps)
        {
            while (agents.Count < count)
            {
                var a = agents.Count;
                var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = port, ClientId = $"fleet-agent-{a}" });
                await client.ConnectAsync(cancellationToken);
                agents.Add((client, Task.Run(() => AgentLoopAsync(a, client, templates, published, () => Interlocked.Increment(ref offered), stop.Token), CancellationToken.None)));
            }

            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            lock (latencies)
            {
                latencies.Clear();
            }

            var offered0 = Interlocked.Read(ref offered);
            var stored0 = ingest.Influx.LinesAccepted; // one line per telemetry message (Acknowledged also counts the confirmations ingest receives back)
            var cpu0 = (Own: IngestBench.OwnCpuSeconds(), Broker: IngestBench.CpuSeconds(broker.Id), Influx: IngestBench.CpuSeconds(influxd.ProcessId));
            Volatile.Write(ref measuring, 1);
            var window = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
            var elapsed = window.Elapsed.TotalSeconds;
            Volatile.Write(ref measuring, 0);
            var offeredRate = (Interlocked.Read(ref offered) - offered0) / elapsed;
            var storedRate = (ingest.Influx.LinesAccepted - stored0) / elapsed;
            var cpu = (Own: (IngestBench.OwnCpuSeconds() - cpu0.Own) / elapsed, Broker: (IngestBench.CpuSeconds(broker.Id) - cpu0.Broker) / elapsed, Influx: (IngestBench.CpuSeconds(influxd.ProcessId) - cpu0.Influx) / elapsed);
            double[] sorted;
            lock (latencies)
            {
                sorted = [.. latencies.Order()];
            }

            var p50 = Percentile(sorted, 0.50);
            var p99 = Percentile(sorted, 0.99);
            var behind = storedRate < 0.95 * offeredRate || p99 > maxP99.TotalMilliseconds || sorted.Length == 0;
            var row = string.Create(CultureInfo.InvariantCulture,
                $"| {count} | {count * templates.Count} | {offeredRate:N0} | {storedRate:N0} | {storedRate / Math.Max(1, offeredRate):N2} | {p50:N0} | {p99:N0} | {published.Count:N0} | {cpu.Own:P0} | {cpu.Broker:P0} | {cpu.Influx:P0} | {IngestBench.LoadAverage()} |");
            rows.Add(row);
            Console.WriteLine($"{count,5} agents: offered {offeredRate,8:N0} msg/s, stored {storedRate,8:N0} msg/s, latency p50 {p50:N0} ms p99 {p99:N0} ms ({sorted.Length:N0} samples), unconfirmed {published.Count:N0}; CPU bench+ingest {cpu.Own:P0}, mosquitto {cpu.Broker:P0}, influxd {cpu.Influx:P0} (one core = 100 %); load {IngestBench.LoadAverage()}");
            if (behind)
            {
                knee = $"falls behind at {count} agents ({count * templates.Count} devices): stored {storedRate:N0} of {offeredRate:N0} msg/s offered, p99 {p99:N0} ms";
                break;
            }
        }

        Console.WriteLine();
        Console.WriteLine("| agents | devices | offered msg/s | stored msg/s | stored / offered | p50 ms | p99 ms | unconfirmed at end | bench + ingest CPU | mosquitto CPU | influxd CPU | load average |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine(knee is null ? $"kept up with every step (up to {steps[^1]} agents)" : $"knee: {knee}");

        await stop.CancelAsync();
        foreach (var (client, loop) in agents)
        {
            await loop;
            await client.DisposeAsync();
        }

        await ingestRun;
        await listener.DisposeAsync();
        await listen;
        return 0;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary>One agent: every second, the telemetry of each demo device with the next seq, at QoS 1 (not awaited one by one).</summary>
    private static async Task AgentLoopAsync(int agent, MqttClient client, List<(string Device, byte[] Tail)> templates, ConcurrentDictionary<(string, string, long), long> published, Action counted, CancellationToken cancellationToken)
    {
        var site = "a" + agent.ToString("D4", CultureInfo.InvariantCulture);
        var run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        try
        {
            await Task.Delay(Random.Shared.Next(1000), cancellationToken);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            var pending = new List<Task>(templates.Count);
            for (long seq = 1; ; seq++)
            {
                var ts = Payloads.FormatTimestamp(DateTimeOffset.UtcNow);
                var head = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"ts\":\"{ts}\",\"seq\":{seq},\"run\":\"{run}\""));
                pending.Clear();
                foreach (var (device, tail) in templates)
                {
                    var payload = new byte[head.Length + tail.Length];
                    head.CopyTo(payload, 0);
                    tail.CopyTo(payload, head.Length);
                    published[(site, device, seq)] = Stopwatch.GetTimestamp();
                    counted();
                    pending.Add(client.PublishAsync(new MqttMessage { Topic = $"powerwatch/{site}/{device}/telemetry", Payload = payload, QualityOfService = MqttQualityOfService.AtLeastOnce }, cancellationToken));
                }

                await Task.WhenAll(pending);
                await timer.WaitForNextTickAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or MqttConnectionLostException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// The demo site polled by the agent's own pollers until every device has answered twice; each device's telemetry
    /// message as the agent encodes it, split after its run id (what follows is the same for every agent and second).
    /// </summary>
    private static async Task<List<(string Device, byte[] Tail)>> CaptureDemoTelemetryAsync(CancellationToken cancellationToken)
    {
        await using var site = await SiteHost.StartAsync(new SiteHostOptions(), cancellationToken);
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(site.ToAgentConfigurationJson()))).Build();
        var options = new AgentOptions();
        configuration.GetSection(AgentOptions.Section).Bind(options);
        var hub = new ReadingHub();
        var reader = hub.Subscribe("capture");
        var time = TimeProvider.System;
        await using var runtime = AgentRuntime.Build(options, await AgentBench.ProfilesAsync(cancellationToken), hub, new AgentHealth(time), time, NullLoggerFactory.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pollers = runtime.Pollers.Select(p => Task.Run(() => p.RunAsync(stop.Token), CancellationToken.None)).ToArray();
        var polls = new Dictionary<string, (int Count, PollResult Last)>();
        using (var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            patience.CancelAfter(TimeSpan.FromSeconds(60));
            while (polls.Count < options.Devices.Count || polls.Values.Any(p => p.Count < 2))
            {
                var r = await reader.ReadAsync(patience.Token);
                if (r.Error is null)
                {
                    polls[r.Device] = (polls.GetValueOrDefault(r.Device).Count + 1, r);
                }
            }
        }

        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(pollers);
        }
        catch (OperationCanceledException)
        {
        }

        var markerEnd = Encoding.UTF8.GetBytes($"\"{Marker}\"");
        return [.. polls.Values.OrderBy(p => p.Last.Device, StringComparer.Ordinal).Select(p =>
        {
            var bytes = Payloads.Telemetry(p.Last, Marker);
            var at = bytes.AsSpan().IndexOf(markerEnd);
            return (p.Last.Device, bytes[(at + markerEnd.Length)..]);
        })];
    }
}

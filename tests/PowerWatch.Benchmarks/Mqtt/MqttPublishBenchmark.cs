using System.Diagnostics;
using System.Globalization;
using System.Text;
using PowerWatch.Mqtt;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Mqtt;

/// <summary>
/// mqtt-publish: N small messages (13 bytes) into a real mosquitto at QoS 0 and QoS 1, our client (one connection,
/// pipelined) versus <c>mosquitto_pub -l</c> (input split into &lt;= 50,000-line chunks, one process per chunk, run in
/// parallel; see the PEERS.md trap about packet-id wrap). A separate subscriber (our client, QoS 1 subscription)
/// counts what actually arrived for each contender. Usage: mqtt-publish [--messages N] [--rounds R] [--only ours|mosquitto_pub]
/// </summary>
internal sealed class MqttPublishBenchmark : IBenchmarkVerb
{
    private const int ChunkLines = 50_000;

    public string Name => "mqtt-publish";

    public string Description => "msg/s into mosquitto at QoS 0/1: our client vs mosquitto_pub -l, counted at a subscriber";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var total = IntArg(args, "--messages", 200_000);
        var rounds = IntArg(args, "--rounds", 1);
        var only = Array.IndexOf(args, "--only") is var oi and >= 0 && oi + 1 < args.Length ? args[oi + 1] : null;
        Console.WriteLine($"mqtt-publish: {total:N0} messages x 13 bytes per run, {rounds} round(s), {Environment.ProcessorCount} cores, MQTT 3.1.1");

        using var dir = new TempDir("powerwatch-bench-mqtt");
        var port = Peers.FreeTcpPort();
        var config = dir.File("mosquitto.conf");
        var lines = new List<string> { $"listener {port} 127.0.0.1", "allow_anonymous true", "log_dest stderr", "log_type error", "max_queued_messages 0", "max_inflight_messages 0" };
        if (Environment.UserName == "root")
        {
            lines.Add("user root");
        }

        await File.WriteAllLinesAsync(config, lines, cancellationToken);
        await using var broker = PeerProcess.Start(Peers.Require("mosquitto"), ["-c", config]);
        await broker.WaitForTcpAsync(port);

        await using var subscriber = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ProtocolVersion = MqttProtocolVersion.V311,
            ClientId = "bench-counter",
            ReceiveBufferCapacity = 100_000,
        });
        await subscriber.ConnectAsync(cancellationToken);
        await subscriber.SubscribeAsync("bench/#", MqttQualityOfService.AtLeastOnce, cancellationToken);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var counter = Task.Run(
            async () =>
            {
                await foreach (var m in subscriber.ReceivedMessages.ReadAllAsync(cancellationToken))
                {
                    lock (counts)
                    {
                        counts[m.Topic] = counts.GetValueOrDefault(m.Topic) + 1;
                    }
                }
            },
            cancellationToken);

        var results = new List<(string Name, MqttQualityOfService Qos, double Seconds, double DeliveredSeconds, int Received)>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce })
            {
                // Alternate who goes first so that neither always runs on a warmer broker.
                var order = round % 2 == 0 ? new[] { "ours", "mosquitto_pub" } : ["mosquitto_pub", "ours"];
                foreach (var who in order.Where(w => only is null || w == only))
                {
                    var topic = $"bench/{who}/q{(int)qos}/r{round}";
                    var sw = Stopwatch.StartNew();
                    if (who == "ours")
                    {
                        await PublishOursAsync(port, topic, qos, total, cancellationToken);
                    }
                    else
                    {
                        await PublishMosquittoPubAsync(dir, port, topic, qos, total, cancellationToken);
                    }

                    var publishSeconds = sw.Elapsed.TotalSeconds;
                    var received = await WaitForCountAsync(counts, topic, total, cancellationToken);
                    results.Add((who, qos, publishSeconds, sw.Elapsed.TotalSeconds, received));
                    Console.WriteLine($"  round {round} QoS {(int)qos} {who,-14} publish {publishSeconds,7:0.000} s  {total / publishSeconds,10:N0} msg/s   delivered {received,8:N0} in {sw.Elapsed.TotalSeconds,7:0.000} s");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("summary (publisher side: until the last message is written (QoS 0) / acknowledged (QoS 1); median over rounds)");
        foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce })
        {
            var ours = Median(results.Where(r => r.Qos == qos && r.Name == "ours").Select(r => total / r.Seconds));
            var theirs = Median(results.Where(r => r.Qos == qos && r.Name == "mosquitto_pub").Select(r => total / r.Seconds));
            var oursDelivered = Median(results.Where(r => r.Qos == qos && r.Name == "ours").Select(r => r.Received / r.DeliveredSeconds));
            var theirsDelivered = Median(results.Where(r => r.Qos == qos && r.Name == "mosquitto_pub").Select(r => r.Received / r.DeliveredSeconds));
            var lostOurs = results.Where(r => r.Qos == qos && r.Name == "ours").Sum(r => total - r.Received);
            var lostTheirs = results.Where(r => r.Qos == qos && r.Name == "mosquitto_pub").Sum(r => total - r.Received);
            Console.WriteLine($"QoS {(int)qos}: ours {ours,10:N0} msg/s   mosquitto_pub {theirs,10:N0} msg/s   ratio {ours / theirs:0.00}x   | end-to-end delivered: ours {oursDelivered,10:N0} msg/s, mosquitto_pub {theirsDelivered,10:N0} msg/s | missing at subscriber: ours {lostOurs}, mosquitto_pub {lostTheirs}");
        }

        await subscriber.DisconnectAsync(cancellationToken);
        return results.All(r => r.Received == total) ? 0 : 1;
    }

    private static async Task PublishOursAsync(int port, string topic, MqttQualityOfService qos, int total, CancellationToken cancellationToken)
    {
        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ProtocolVersion = MqttProtocolVersion.V311,
            ClientId = "bench-ours-" + topic.Replace('/', '-'),
        });
        await client.ConnectAsync(cancellationToken);
        var pending = new List<Task>(10_000);
        for (var i = 0; i < total; i++)
        {
            var payload = Encoding.ASCII.GetBytes($"msg-{i:D9}");
            pending.Add(client.PublishAsync(new MqttMessage { Topic = topic, Payload = payload, QualityOfService = qos }, cancellationToken));
            if (pending.Count == pending.Capacity)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
        await client.DisconnectAsync(cancellationToken);
    }

    private static async Task PublishMosquittoPubAsync(TempDir dir, int port, string topic, MqttQualityOfService qos, int total, CancellationToken cancellationToken)
    {
        var files = new List<string>();
        for (var start = 0; start < total; start += ChunkLines)
        {
            var file = dir.File($"{topic.Replace('/', '-')}-{start}.txt");
            var sb = new StringBuilder();
            for (var i = start; i < Math.Min(total, start + ChunkLines); i++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"msg-{i:D9}\n");
            }

            await File.WriteAllTextAsync(file, sb.ToString(), cancellationToken);
            files.Add(file);
        }

        var pub = Peers.Require("mosquitto_pub");
        var sh = Peers.Require("sh");
        var runs = files.Select(f => PeerProcess.RunAsync(
            sh,
            ["-c", $"exec {pub} -h 127.0.0.1 -p {port} -t {topic} -q {(int)qos} -l < {f}"],
            TimeSpan.FromMinutes(5))).ToList();
        foreach (var (code, output) in await Task.WhenAll(runs))
        {
            if (code != 0)
            {
                Console.WriteLine($"  mosquitto_pub exited {code}: {output}");
            }
        }
    }

    private static async Task<int> WaitForCountAsync(Dictionary<string, int> counts, string topic, int expected, CancellationToken cancellationToken)
    {
        var last = -1;
        var stalledSince = Stopwatch.StartNew();
        while (true)
        {
            int now;
            lock (counts)
            {
                now = counts.GetValueOrDefault(topic);
            }

            if (now >= expected)
            {
                return now;
            }

            if (now != last)
            {
                last = now;
                stalledSince.Restart();
            }
            else if (stalledSince.Elapsed > TimeSpan.FromSeconds(3))
            {
                return now;
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using PowerWatch.Mqtt;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Mqtt;

/// <summary>
/// mqtt-publish: N small messages (13 bytes) into a real mosquitto at QoS 0 and QoS 1, our client (one connection,
/// pipelined) versus <c>mosquitto_pub -l</c> (input split into &lt;= 50,000-line chunks, see the PEERS.md trap about
/// packet-id wrap) run two ways: one process per chunk, all in parallel ("mosquitto_pub", 4 connections for the
/// default N), and the same chunks one process after the other ("mosquitto_pub-x1", one connection at a time).
/// A separate subscriber (our client, QoS 1 subscription) counts what actually arrived for each contender.
/// Before the timed rounds an untimed warm-up (20,000 messages per QoS through each contender) gets the JIT of this
/// process (our publisher and the counting subscriber) past its first run; --no-warmup skips it.
/// --sink replaces the broker by a discarding peer (socat: CONNACK, then read and discard) to measure the publishers
/// alone at QoS 0 (nothing is counted then; a broker reads one packet per connection per event-loop pass, see
/// docs/benchmarks.md).
/// Usage: mqtt-publish [--messages N] [--rounds R] [--only ours|mosquitto_pub|mosquitto_pub-x1] [--no-warmup] [--sink]
/// </summary>
internal sealed class MqttPublishBenchmark : IBenchmarkVerb
{
    private const int ChunkLines = 50_000;
    private const int WarmupMessages = 20_000;
    private const string Ours = "ours";
    private const string Parallel = "mosquitto_pub";
    private const string Sequential = "mosquitto_pub-x1";

    public string Name => "mqtt-publish";

    public string Description => "msg/s into mosquitto at QoS 0/1: our client vs mosquitto_pub -l (parallel and one process), counted at a subscriber";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var total = IntArg(args, "--messages", 200_000);
        var rounds = IntArg(args, "--rounds", 1);
        var only = Array.IndexOf(args, "--only") is var oi and >= 0 && oi + 1 < args.Length ? args[oi + 1] : null;
        var warmup = !args.Contains("--no-warmup");
        var chunks = (total + ChunkLines - 1) / ChunkLines;
        if (args.Contains("--sink"))
        {
            return await RunSinkAsync(total, rounds, only, warmup, chunks, cancellationToken);
        }

        Console.WriteLine($"mqtt-publish: {total:N0} messages x 13 bytes per run, {rounds} round(s), {Environment.ProcessorCount} cores, MQTT 3.1.1, " +
            $"mosquitto_pub = {chunks} process(es) in parallel, mosquitto_pub-x1 = the same {chunks} chunk(s) one process at a time, warm-up {(warmup ? "on" : "off")}");

        using var dir = new TempDir("powerwatch-bench-mqtt");
        var started = await BenchBroker.StartAsync(dir, cancellationToken);
        await using var broker = started.Broker;
        var port = started.Port;

        await using var subscriber = await TopicCounter.StartAsync(port, cancellationToken);
        var counts = subscriber.Counts;

        var contenders = new[] { Ours, Parallel, Sequential }.Where(w => only is null || w == only).ToList();
        if (warmup)
        {
            foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce })
            {
                foreach (var who in contenders)
                {
                    var topic = $"bench/warmup/{who}/q{(int)qos}";
                    await PublishAsync(who, dir, port, topic, qos, WarmupMessages, cancellationToken);
                    await WaitForCountAsync(counts, topic, WarmupMessages, cancellationToken);
                }
            }

            Console.WriteLine($"  warm-up done ({WarmupMessages:N0} messages per QoS and contender, not counted)");
        }

        var results = new List<(string Name, MqttQualityOfService Qos, double Seconds, double DeliveredSeconds, int Received)>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce })
            {
                // Alternate the order so that nobody always runs on a warmer broker (or right after the same contender).
                var order = round % 2 == 0 ? contenders : Enumerable.Reverse(contenders).ToList();
                foreach (var who in order)
                {
                    var topic = $"bench/{who}/q{(int)qos}/r{round}";
                    var sw = Stopwatch.StartNew();
                    await PublishAsync(who, dir, port, topic, qos, total, cancellationToken);
                    var publishSeconds = sw.Elapsed.TotalSeconds;
                    var received = await WaitForCountAsync(counts, topic, total, cancellationToken);
                    results.Add((who, qos, publishSeconds, sw.Elapsed.TotalSeconds, received));
                    Console.WriteLine($"  round {round} QoS {(int)qos} {who,-16} publish {publishSeconds,7:0.000} s  {total / publishSeconds,10:N0} msg/s   delivered {received,8:N0} in {sw.Elapsed.TotalSeconds,7:0.000} s");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("summary (publisher side: until the last message is written (QoS 0) / acknowledged (QoS 1); median over rounds)");
        foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce })
        {
            double Rate(string who) => Median(results.Where(r => r.Qos == qos && r.Name == who).Select(r => total / r.Seconds));
            double Delivered(string who) => Median(results.Where(r => r.Qos == qos && r.Name == who).Select(r => r.Received / r.DeliveredSeconds));
            int Missing(string who) => results.Where(r => r.Qos == qos && r.Name == who).Sum(r => total - r.Received);
            var ours = Rate(Ours);
            var parallel = Rate(Parallel);
            var sequential = Rate(Sequential);
            Console.WriteLine($"QoS {(int)qos}: ours {ours,10:N0} msg/s   mosquitto_pub {parallel,10:N0} msg/s   ratio {ours / parallel:0.00}x   | end-to-end delivered: ours {Delivered(Ours),10:N0} msg/s, mosquitto_pub {Delivered(Parallel),10:N0} msg/s | missing at subscriber: ours {Missing(Ours)}, mosquitto_pub {Missing(Parallel)}");
            Console.WriteLine($"       one connection each: ours {ours,10:N0} msg/s   mosquitto_pub-x1 {sequential,10:N0} msg/s   ratio {ours / sequential:0.00}x   | end-to-end delivered: mosquitto_pub-x1 {Delivered(Sequential),10:N0} msg/s | missing at subscriber: mosquitto_pub-x1 {Missing(Sequential)}");
        }

        await subscriber.DisconnectAsync(cancellationToken);
        return results.All(r => r.Received == total) ? 0 : 1;
    }

    private static async Task<int> RunSinkAsync(int total, int rounds, string? only, bool warmup, int chunks, CancellationToken cancellationToken)
    {
        Console.WriteLine($"mqtt-publish --sink: {total:N0} messages x 13 bytes per run at QoS 0 into a discarding peer (socat), {rounds} round(s), {Environment.ProcessorCount} cores, MQTT 3.1.1, " +
            $"mosquitto_pub = {chunks} process(es) in parallel, mosquitto_pub-x1 = one process at a time, warm-up {(warmup ? "on" : "off")}; publisher side only, nothing is counted");
        using var dir = new TempDir("powerwatch-bench-mqtt-sink");
        var port = Peers.FreeTcpPort();

        // Per connection: send a CONNACK at once (MQTT 3.1.1 §3.2: 0x20, remaining length 2, flags 0, return code 0
        // = accepted), then read and discard everything until the client closes. A script file, because socat's
        // address syntax eats quotes.
        var script = dir.File("sink.sh");
        await File.WriteAllTextAsync(script, "printf '\\040\\002\\000\\000'\nexec cat >/dev/null\n", cancellationToken);
        await using var sink = PeerProcess.Start(
            Peers.Require("socat"),
            [$"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork", $"SYSTEM:{Peers.Require("sh")} {script}"]);
        await sink.WaitForTcpAsync(port);

        var contenders = new[] { Ours, Parallel, Sequential }.Where(w => only is null || w == only).ToList();
        if (warmup)
        {
            foreach (var who in contenders)
            {
                await PublishAsync(who, dir, port, $"bench/warmup/{who}", MqttQualityOfService.AtMostOnce, WarmupMessages, cancellationToken);
            }
        }

        // For ours also the whole benchmark process's CPU time and allocations per message (so including this
        // loop's own per-message work: payload string and bytes, MqttMessage, task list, Task.WhenAll).
        var results = new List<(string Name, double Seconds, double CpuMicros, double Bytes)>();
        using var self = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? contenders : Enumerable.Reverse(contenders).ToList();
            foreach (var who in order)
            {
                self.Refresh();
                var cpu0 = self.TotalProcessorTime;
                var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
                var sw = Stopwatch.StartNew();
                await PublishAsync(who, dir, port, $"bench/{who}/q0/r{round}", MqttQualityOfService.AtMostOnce, total, cancellationToken);
                var seconds = sw.Elapsed.TotalSeconds;
                self.Refresh();
                var cpuMicros = (self.TotalProcessorTime - cpu0).TotalMicroseconds / total;
                var bytes = (double)(GC.GetTotalAllocatedBytes(precise: true) - bytes0) / total;
                results.Add((who, seconds, cpuMicros, bytes));
                var own = who == Ours ? $"   process CPU {cpuMicros,5:0.00} us/msg, allocated {bytes,6:0} B/msg" : "";
                Console.WriteLine($"  round {round} QoS 0 {who,-16} publish {seconds,7:0.000} s  {total / seconds,10:N0} msg/s{own}");
            }
        }

        double Rate(string who) => Median(results.Where(r => r.Name == who).Select(r => total / r.Seconds));
        Console.WriteLine();
        Console.WriteLine($"summary (sink, QoS 0, publisher side, median over rounds): ours {Rate(Ours),10:N0} msg/s   mosquitto_pub {Rate(Parallel),10:N0} msg/s   ratio {Rate(Ours) / Rate(Parallel):0.00}x   | " +
            $"mosquitto_pub-x1 {Rate(Sequential),10:N0} msg/s   ratio {Rate(Ours) / Rate(Sequential):0.00}x   | ours: process CPU " +
            $"{Median(results.Where(r => r.Name == Ours).Select(r => r.CpuMicros)):0.00} us/msg, allocated {Median(results.Where(r => r.Name == Ours).Select(r => r.Bytes)):0} B/msg");
        return 0;
    }

    private static Task PublishAsync(string who, TempDir dir, int port, string topic, MqttQualityOfService qos, int total, CancellationToken cancellationToken) => who switch
    {
        Ours => PublishOursAsync(port, topic, qos, total, cancellationToken),
        Parallel => PublishMosquittoPubAsync(dir, port, topic, qos, total, parallel: true, cancellationToken),
        _ => PublishMosquittoPubAsync(dir, port, topic, qos, total, parallel: false, cancellationToken),
    };

    internal static async Task PublishOursAsync(int port, string topic, MqttQualityOfService qos, int total, CancellationToken cancellationToken)
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

    internal static async Task PublishMosquittoPubAsync(TempDir dir, int port, string topic, MqttQualityOfService qos, int total, bool parallel, CancellationToken cancellationToken)
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
        Task<(int, string)> Run(string f) => PeerProcess.RunAsync(
            sh,
            ["-c", $"exec {pub} -h 127.0.0.1 -p {port} -t {topic} -q {(int)qos} -l < {f}"],
            TimeSpan.FromMinutes(5));
        var outcomes = new List<(int Code, string Output)>();
        if (parallel)
        {
            outcomes.AddRange(await Task.WhenAll(files.Select(Run)));
        }
        else
        {
            foreach (var f in files)
            {
                outcomes.Add(await Run(f));
            }
        }

        foreach (var (code, output) in outcomes)
        {
            if (code != 0)
            {
                Console.WriteLine($"  mosquitto_pub exited {code}: {output}");
            }
        }
    }

    internal static async Task<int> WaitForCountAsync(Dictionary<string, int> counts, string topic, int expected, CancellationToken cancellationToken)
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

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    internal static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

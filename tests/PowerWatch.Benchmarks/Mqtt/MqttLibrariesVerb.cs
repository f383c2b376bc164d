using System.Diagnostics;
using System.Globalization;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using PowerWatch.Mqtt;
using PowerWatch.TestSupport;
using OurClient = PowerWatch.Mqtt.MqttClient;
using OurOptions = PowerWatch.Mqtt.MqttClientOptions;
using OurVersion = PowerWatch.Mqtt.MqttProtocolVersion;

namespace PowerWatch.Benchmarks.Mqtt;

/// <summary>
/// mqtt-libraries (issue 17, docs/dependencies.md): in one run against one loopback mosquitto, N messages of 13 bytes at
/// QoS 0 and QoS 1 from three publishers, each on ONE connection, MQTT 3.1.1:
/// <list type="bullet">
/// <item><c>ours</c>: PowerWatch.Mqtt, pipelined (up to 10,000 publishes awaited together);</item>
/// <item><c>mqttnet</c>: MQTTnet 5.2 (<c>WithoutPacketFragmentation</c>), pipelined the same way;</item>
/// <item><c>mosquitto_pub</c>: <c>mosquitto_pub -l</c>, chunks of ≤ 50,000 lines one process after the other (one
/// connection at a time; see the packet-id wrap trap in docs/benchmarks.md).</item>
/// </list>
/// Reported per contender: messages/s on the publisher side (until the last message is written at QoS 0 / acknowledged
/// at QoS 1), messages counted at a separate subscriber, CPU µs per message (this process's CPU time for the two
/// in-process clients, which includes the loop building the payloads, the same for both; the children's CPU from
/// bash's <c>times</c> for mosquitto_pub) and bytes allocated per message (in-process clients only).
/// Usage: mqtt-libraries [--messages N] [--rounds R]
/// </summary>
internal sealed class MqttLibrariesVerb : IBenchmarkVerb
{
    private const int ChunkLines = 50_000;
    private const int Window = 10_000;
    private static readonly string[] Contenders = ["ours", "mqttnet", "mosquitto_pub"];

    public string Name => "mqtt-libraries";

    public string Description => "msg/s, CPU and allocation per message at QoS 0/1: our MQTT client vs MQTTnet 5.2 vs mosquitto_pub, one connection each";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var total = MqttPublishBenchmark.IntArg(args, "--messages", 100_000);
        var rounds = MqttPublishBenchmark.IntArg(args, "--rounds", 3);
        Console.WriteLine($"mqtt-libraries: {total:N0} messages x 13 bytes per run, {rounds} round(s), {Environment.ProcessorCount} cores, MQTT 3.1.1, one connection per contender, " +
            $"load average at start {LoadAverage()}");

        using var dir = new TempDir("powerwatch-bench-mqtt-libs");
        var started = await BenchBroker.StartAsync(dir, cancellationToken);
        await using var broker = started.Broker;
        var port = started.Port;

        await using var subscriber = await TopicCounter.StartAsync(port, cancellationToken);
        var counts = subscriber.Counts;

        // Untimed warm-up: every contender once per QoS (JIT of both in-process clients, mosquitto's first sessions).
        foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce })
        {
            foreach (var who in Contenders)
            {
                var topic = $"bench/warmup/{who}/q{(int)qos}";
                await PublishAsync(who, dir, port, topic, qos, Math.Min(total, 20_000), cancellationToken);
                await MqttPublishBenchmark.WaitForCountAsync(counts, topic, Math.Min(total, 20_000), cancellationToken);
            }
        }

        var results = new List<Result>();
        using var self = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce })
            {
                var order = round % 2 == 0 ? Contenders : [.. Contenders.Reverse()];
                foreach (var who in order)
                {
                    var topic = $"bench/{who}/q{(int)qos}/r{round}";
                    var load = LoadAverage();
                    self.Refresh();
                    var cpu0 = self.TotalProcessorTime;
                    var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
                    var sw = Stopwatch.StartNew();
                    var childCpu = await PublishAsync(who, dir, port, topic, qos, total, cancellationToken);
                    var seconds = sw.Elapsed.TotalSeconds;
                    self.Refresh();
                    var bytes = (double)(GC.GetTotalAllocatedBytes(precise: true) - bytes0) / total;
                    var cpu = childCpu ?? (self.TotalProcessorTime - cpu0);
                    var received = await MqttPublishBenchmark.WaitForCountAsync(counts, topic, total, cancellationToken);
                    var r = new Result(who, qos, total / seconds, cpu.TotalMicroseconds / total, childCpu is null ? bytes : double.NaN, received, load);
                    results.Add(r);
                    Console.WriteLine($"  round {round} QoS {(int)qos} {who,-14} {r.Rate,10:N0} msg/s  CPU {r.CpuMicros,6:0.00} us/msg  " +
                        $"{(double.IsNaN(r.Bytes) ? "alloc    n/a" : $"alloc {r.Bytes,6:0} B/msg")}  received {received,8:N0}/{total:N0}  load {load}");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("summary (median over rounds; ratio = contender / ours)");
        foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce })
        {
            var ours = MqttPublishBenchmark.Median(results.Where(r => r.Qos == qos && r.Who == "ours").Select(r => r.Rate));
            foreach (var who in Contenders)
            {
                var mine = results.Where(r => r.Qos == qos && r.Who == who).ToList();
                var rate = MqttPublishBenchmark.Median(mine.Select(r => r.Rate));
                var bytes = MqttPublishBenchmark.Median(mine.Select(r => r.Bytes));
                Console.WriteLine($"QoS {(int)qos} {who,-14} {rate,10:N0} msg/s ({rate / ours:0.00}x)  CPU {MqttPublishBenchmark.Median(mine.Select(r => r.CpuMicros)),6:0.00} us/msg  " +
                    $"{(double.IsNaN(bytes) ? "alloc    n/a" : $"alloc {bytes,6:0} B/msg")}  missing at subscriber {mine.Sum(r => total - r.Received)}  load {string.Join(" | ", mine.Select(r => r.Load))}");
            }
        }

        Console.WriteLine($"load average at end {LoadAverage()}");
        await subscriber.DisconnectAsync(cancellationToken);
        return results.All(r => r.Received == total) ? 0 : 1;
    }

    /// <summary>/proc/loadavg's 1, 5 and 15 minute figures.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Publishes; returns the children's CPU time for mosquitto_pub, null for the in-process clients.</summary>
    private static async Task<TimeSpan?> PublishAsync(string who, TempDir dir, int port, string topic, MqttQualityOfService qos, int total, CancellationToken cancellationToken)
    {
        switch (who)
        {
            case "ours":
                await MqttPublishBenchmark.PublishOursAsync(port, topic, qos, total, cancellationToken);
                return null;
            case "mqttnet":
                await PublishMqttNetAsync(port, topic, qos, total, cancellationToken);
                return null;
            default:
                return await PublishMosquittoPubAsync(dir, port, topic, qos, total, cancellationToken);
        }
    }

    private static async Task PublishMqttNetAsync(int port, string topic, MqttQualityOfService qos, int total, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("bench-mqttnet-" + topic.Replace('/', '-'))
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithoutPacketFragmentation()
            .Build();
        await client.ConnectAsync(options, cancellationToken);
        var level = qos == MqttQualityOfService.AtMostOnce ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;
        var pending = new List<Task<MqttClientPublishResult>>(Window);
        for (var i = 0; i < total; i++)
        {
            var payload = Encoding.ASCII.GetBytes($"msg-{i:D9}");
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(level).Build();
            pending.Add(client.PublishAsync(message, cancellationToken));
            if (pending.Count == Window)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancellationToken);
    }

    /// <summary>The chunks through mosquitto_pub one process after the other in one bash, whose <c>times</c> gives the children's CPU.</summary>
    private static async Task<TimeSpan?> PublishMosquittoPubAsync(TempDir dir, int port, string topic, MqttQualityOfService qos, int total, CancellationToken cancellationToken)
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
        var script = string.Concat(files.Select(f => $"{pub} -h 127.0.0.1 -p {port} -t {topic} -q {(int)qos} -l < {f} || exit $?\n")) + "times\n";
        var (code, output) = await PeerProcess.RunAsync(Peers.Require("bash"), ["-c", script], TimeSpan.FromMinutes(5));
        if (code != 0)
        {
            Console.WriteLine($"  mosquitto_pub exited {code}: {output}");
        }

        // times: "0m0.001s 0m0.002s\n0m0.350s 0m0.120s" — the second line is the children's user and system time.
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Split(' ');
        return ParseTimes(last[0]) + ParseTimes(last[1]);
    }

    private static TimeSpan ParseTimes(string value)
    {
        var m = value.IndexOf('m', StringComparison.Ordinal);
        return TimeSpan.FromMinutes(int.Parse(value[..m], CultureInfo.InvariantCulture))
            + TimeSpan.FromSeconds(double.Parse(value[(m + 1)..].TrimEnd('s'), CultureInfo.InvariantCulture));
    }

    private sealed record Result(string Who, MqttQualityOfService Qos, double Rate, double CpuMicros, double Bytes, int Received, string Load);
}

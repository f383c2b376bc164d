using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Ingest;
using PowerWatch.Influx;
using PowerWatch.Mqtt;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Ingest;

/// <summary>
/// <c>ingest</c>: points/s of <c>powerwatch ingest</c> draining N telemetry messages that were queued in mosquitto for
/// its persistent session beforehand, versus the InfluxDB server's ceiling for the same points posted by curl in
/// 5,000-line batches, in one run on the same influxd. Every point is counted in both databases afterwards.
/// </summary>
internal sealed class IngestBenchmark : IBenchmarkVerb
{
    public string Name => "ingest";

    public string Description => "points/s: powerwatch ingest draining queued MQTT telemetry into InfluxDB 1.x vs curl bulk ceiling";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var total = IntArg(args, "--messages", 100_000);
        const int Batch = 5_000;
        Console.WriteLine($"ingest: {total:N0} telemetry messages (1 point each: 3 tags, 5 fields), {Environment.ProcessorCount} cores");
        using var dir = new TempDir("powerwatch-bench-ingest");

        await using var influxd = await InfluxDaemon.StartAsync(false, "curl", "ingest");
        var influxPort = influxd.Port;

        // mosquitto
        var mqttPort = Peers.FreeTcpPort();
        var mqttConfig = dir.File("mosquitto.conf");
        await File.WriteAllLinesAsync(mqttConfig, [
            $"listener {mqttPort} 127.0.0.1", "allow_anonymous true", "log_dest stderr", "log_type error",
            "max_queued_messages 0", "max_queued_bytes 0", Environment.UserName == "root" ? "user root" : ""], cancellationToken);
        await using var mosquitto = PeerProcess.Start(Peers.Require("mosquitto"), ["-c", mqttConfig]);
        await mosquitto.WaitForTcpAsync(mqttPort, TimeSpan.FromSeconds(20));

        var payloads = Enumerable.Range(0, total).Select(Payload).ToArray();
        var mqtt = new MqttOptions { Host = "127.0.0.1", Port = mqttPort, ClientId = "bench-ingest" };

        // 1. Create the persistent session and its subscriptions, then go away: the broker queues for it.
        var sessionOptions = new MqttClientOptions { Host = "127.0.0.1", Port = mqttPort, ClientId = "bench-ingest", CleanStart = false, SessionExpiry = TimeSpan.FromHours(1) };
        await using (var session = new MqttClient(sessionOptions))
        {
            await session.ConnectAsync(cancellationToken);
            await session.SubscribeAsync("powerwatch/+/+/telemetry", MqttQualityOfService.AtLeastOnce, cancellationToken);
            await session.DisconnectAsync(cancellationToken);
        }

        // 2. Publish everything at QoS 1 (not timed).
        await using (var publisher = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = mqttPort, ClientId = "bench-pub", MaxInFlight = 200 }))
        {
            await publisher.ConnectAsync(cancellationToken);
            var pending = new List<Task>(total);
            for (var i = 0; i < total; i++)
            {
                pending.Add(publisher.PublishAsync(new MqttMessage { Topic = $"powerwatch/dc{i % 3}/ups-{i % 100}/telemetry", Payload = payloads[i] }, cancellationToken));
            }

            await Task.WhenAll(pending);
            await publisher.DisconnectAsync(cancellationToken);
        }

        // 3. curl ceiling: the same points, as the converter makes them, posted in 5,000-line files.
        var files = new List<string>();
        var buffer = new ArrayBufferWriter<byte>(Batch * 200);
        for (var b = 0; b * Batch < total; b++)
        {
            buffer.ResetWrittenCount();
            for (var i = b * Batch; i < Math.Min(total, (b + 1) * Batch); i++)
            {
                if (!TelemetryConverter.TryConvert("powerwatch", $"powerwatch/dc{i % 3}/ups-{i % 100}/telemetry", payloads[i], out var points, out var reason))
                {
                    throw new InvalidOperationException(reason);
                }

                LineProtocol.Write(buffer, points, WritePrecision.Milliseconds);
            }

            var file = dir.File($"batch-{b:D5}.lp");
            await File.WriteAllBytesAsync(file, buffer.WrittenMemory.ToArray(), cancellationToken);
            files.Add(file);
        }

        var curl = Peers.Require("curl");
        var start = Stopwatch.GetTimestamp();
        foreach (var f in files)
        {
            var (code, output) = await PeerProcess.RunAsync(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-XPOST", $"http://127.0.0.1:{influxPort}/write?db=curl&precision=ms", "--data-binary", "@" + f], TimeSpan.FromMinutes(2));
            if (code != 0 || !output.Contains("204", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"curl failed: exit {code}, {output}");
                return 1;
            }
        }

        var curlSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // 4. Ingest drains the queue: timed until every line was accepted by InfluxDB (and its message acknowledged).
        var ingestOptions = new IngestOptions
        {
            Influx = new IngestInfluxOptions { Url = $"http://127.0.0.1:{influxPort}", Database = "ingest", Timeout = TimeSpan.FromMinutes(1) },
            DeadLetterFile = dir.File("dead.txt"),
            SessionExpiry = TimeSpan.FromHours(1),
        };
        await using var runner = new IngestRunner(ingestOptions, mqtt, TimeProvider.System, NullLogger<IngestRunner>.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        start = Stopwatch.GetTimestamp();
        var run = runner.RunAsync(stop.Token);
        while (runner.Acknowledged < total && !run.IsCompleted)
        {
            await Task.Delay(20, cancellationToken);
        }

        var ingestSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await stop.CancelAsync();
        await run;

        var curlCount = await influxd.CountAsync("ups", "seq", "curl");
        var ingestCount = await influxd.CountAsync("ups", "seq", "ingest");
        Console.WriteLine($"curl (ceiling):  {total / curlSeconds,12:N0} points/s   {curlSeconds:N2} s   stored {curlCount:N0}");
        Console.WriteLine($"powerwatch ingest:{total / ingestSeconds,11:N0} points/s   {ingestSeconds:N2} s   stored {ingestCount:N0}   acknowledged {runner.Acknowledged:N0}   ratio {curlSeconds / ingestSeconds:N2}x");
        return curlCount == total && ingestCount == total ? 0 : 1;
    }

    private static byte[] Payload(int i)
    {
        var ts = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero).AddMilliseconds(i);
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $$"""{"ts":"{{ts.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","seq":{{i}},"device":"ups-{{i % 100}}","kind":"ups","model":"Smart-UPS 3000","metrics":{"battery.charge":{{50 + (i % 500 / 10.0)}},"input.voltage":{{229.5 + (i % 17 / 10.0)}},"ups.load":{{i % 90}}},"quality":"good"}"""));
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

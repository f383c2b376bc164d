using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Ingest;
using PowerWatch.Influx;
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
        var total = IngestBench.IntArg(args, "--messages", 100_000);
        var receiveMaximum = IngestBench.IntArg(args, "--receive-maximum", new IngestOptions().ReceiveMaximum);
        var batchLines = IngestBench.IntArg(args, "--batch", new IngestOptions().MaxBatchLines);
        Console.WriteLine($"ingest: {total:N0} telemetry messages (1 point each: 3 tags, 5 fields), ReceiveMaximum {receiveMaximum:N0}, MaxBatchLines {batchLines:N0}, {Environment.ProcessorCount} cores, load average {IngestBench.LoadAverage()}");
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

        var payloads = Enumerable.Range(0, total).Select(IngestBench.Payload).ToArray();
        var mqtt = new MqttOptions { Host = "127.0.0.1", Port = mqttPort, ClientId = "bench-ingest" };

        // 1. Create the persistent session and its subscriptions, then go away: the broker queues for it.
        await IngestBench.CreateSessionsAsync(mqttPort, ["bench-ingest"], "powerwatch/+/+/telemetry", cancellationToken);

        // 2. Publish everything at QoS 1 (not timed).
        await IngestBench.PublishAsync(mqttPort, "powerwatch", payloads, cancellationToken);

        // 3. curl ceiling: the same points, as the converter makes them, posted in 5,000-line files.
        var files = await IngestBench.LineFilesAsync(dir, payloads, cancellationToken);
        var influxCpu = IngestBench.CpuSeconds(influxd.ProcessId);
        var curlSeconds = await IngestBench.CurlAsync(influxPort, "curl", files);
        var curlInfluxCpu = IngestBench.CpuSeconds(influxd.ProcessId) - influxCpu;

        // Where ingest's own CPU goes, single-threaded and without I/O: the converter (JSON to points) and the encoder.
        var (convertUs, encodeUs) = ConverterCost(payloads);

        // 4. Ingest drains the queue: timed until every line was accepted by InfluxDB (and its message acknowledged).
        var ingestOptions = new IngestOptions
        {
            Influx = new IngestInfluxOptions { Url = $"http://127.0.0.1:{influxPort}", Database = "ingest", Timeout = TimeSpan.FromMinutes(1) },
            DeadLetterFile = dir.File("dead.txt"),
            SessionExpiry = TimeSpan.FromHours(1),
            ReceiveMaximum = receiveMaximum,
            MaxBatchLines = batchLines,
        };
        await using var runner = new IngestRunner(ingestOptions, mqtt, TimeProvider.System, NullLogger<IngestRunner>.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        influxCpu = IngestBench.CpuSeconds(influxd.ProcessId);
        var mosquittoCpu = IngestBench.CpuSeconds(mosquitto.Id);
        var ownCpu = IngestBench.OwnCpuSeconds();
        var gcs = GC.CollectionCount(0);
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var start = Stopwatch.GetTimestamp();
        var run = runner.RunAsync(stop.Token);
        while (runner.Acknowledged < total && !run.IsCompleted)
        {
            await Task.Delay(20, cancellationToken);
        }

        var ingestSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var ingestCpu = IngestBench.OwnCpuSeconds() - ownCpu;
        var ingestInfluxCpu = IngestBench.CpuSeconds(influxd.ProcessId) - influxCpu;
        var ingestMosquittoCpu = IngestBench.CpuSeconds(mosquitto.Id) - mosquittoCpu;
        allocated = GC.GetTotalAllocatedBytes(precise: false) - allocated;
        gcs = GC.CollectionCount(0) - gcs;
        await stop.CancelAsync();
        await run;

        var curlCount = await influxd.CountAsync("ups", "seq", "curl");
        var ingestCount = await influxd.CountAsync("ups", "seq", "ingest");
        var stats = runner.Influx;
        Console.WriteLine($"curl (ceiling):  {total / curlSeconds,12:N0} points/s   {curlSeconds:N2} s   stored {curlCount:N0}   influxd CPU {curlInfluxCpu:N2} s ({curlInfluxCpu * 1e6 / total:N1} us/point)");
        Console.WriteLine($"powerwatch ingest:{total / ingestSeconds,11:N0} points/s   {ingestSeconds:N2} s   stored {ingestCount:N0}   acknowledged {runner.Acknowledged:N0}   ratio {curlSeconds / ingestSeconds:N2}x");
        Console.WriteLine($"  CPU during the drain: ingest {ingestCpu:N2} s ({ingestCpu * 1e6 / total:N1} us/message), influxd {ingestInfluxCpu:N2} s ({ingestInfluxCpu * 1e6 / total:N1} us/point), mosquitto {ingestMosquittoCpu:N2} s ({ingestMosquittoCpu * 1e6 / total:N1} us/message); {(ingestCpu + ingestInfluxCpu + ingestMosquittoCpu) / ingestSeconds / Environment.ProcessorCount:P0} of the machine");
        Console.WriteLine($"  ingest: {stats.Requests:N0} InfluxDB writes ({(double)total / Math.Max(1, stats.Requests):N0} lines each), {allocated / (double)total:N0} bytes allocated/message, {gcs} gen0 GCs; single-threaded converter {convertUs:N2} us/message, line encoder {encodeUs:N2} us/message");
        Console.WriteLine($"  load average at the end {IngestBench.LoadAverage()}");
        return curlCount == total && ingestCount == total ? 0 : 1;
    }

    /// <summary>Microseconds per message of the converter (JSON to points) and of the line encoder, one thread, after a warm-up.</summary>
    private static (double ConvertUs, double EncodeUs) ConverterCost(byte[][] payloads)
    {
        var n = Math.Min(payloads.Length, 20_000);
        var topics = Enumerable.Range(0, n).Select(i => IngestBench.Topic("powerwatch", i)).ToArray();
        var points = new List<Point>[n];
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < n; i++)
            {
                TelemetryConverter.TryConvertInPlace("powerwatch", topics[i], payloads[i], out points[i], out _);
            }
        }

        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            TelemetryConverter.TryConvertInPlace("powerwatch", topics[i], payloads[i], out points[i], out _);
        }

        var convert = Stopwatch.GetElapsedTime(start).TotalMicroseconds / n;
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            if (buffer.FreeCapacity < 4096)
            {
                buffer.ResetWrittenCount();
            }

            LineProtocol.Write(buffer, points[i], WritePrecision.Milliseconds);
        }

        return (convert, Stopwatch.GetElapsedTime(start).TotalMicroseconds / n);
    }
}

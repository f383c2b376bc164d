using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Ingest;
using PowerWatch.Benchmarks.Mqtt;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Ingest;

/// <summary>
/// <c>ingest-scale</c> (issue 17): points/s of 1, 2 and 4 ingest instances on one MQTT 5 shared subscription draining
/// the same number of queued telemetry messages, each round next to the curl ceiling measured just before it on the same
/// influxd (so both see the same background load). Each round has its own topic prefix, shared group and database, and
/// its sessions exist before the messages are published, so mosquitto queues each message for one member of the group.
/// The instances are <see cref="IngestRunner"/>s in this process (each with its own MQTT connection and HTTP client).
/// </summary>
internal sealed class IngestScaleVerb : IBenchmarkVerb
{
    public string Name => "ingest-scale";

    public string Description => "points/s of 1, 2 and 4 ingest instances on one shared subscription vs the curl ceiling, per round";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var total = IngestBench.IntArg(args, "--messages", 100_000);
        var counts = IngestBench.IntListArg(args, "--instances", [1, 2, 4]);
        Console.WriteLine($"ingest-scale: {total:N0} telemetry messages per round (1 point each: 3 tags, 5 fields), instances {string.Join(", ", counts)}, {Environment.ProcessorCount} cores, load average {IngestBench.LoadAverage()}");
        using var dir = new TempDir("powerwatch-bench-ingest-scale");
        await using var influxd = await InfluxDaemon.StartAsync(false, [.. counts.SelectMany(n => new[] { $"curl{n}", $"ingest{n}" })]);
        var (broker, port) = await BenchBroker.StartAsync(dir, cancellationToken);
        await using var brokerScope = broker;
        var payloads = Enumerable.Range(0, total).Select(IngestBench.Payload).ToArray();
        var files = await IngestBench.LineFilesAsync(dir, payloads, cancellationToken);
        var failed = false;
        var rows = new List<string>();
        foreach (var n in counts)
        {
            var prefix = $"pw{n}";
            var ids = Enumerable.Range(1, n).Select(k => $"bench-scale-{n}-{k}").ToList();
            await IngestBench.CreateSessionsAsync(port, ids, $"$share/scale{n}/{prefix}/+/+/telemetry", cancellationToken);
            await IngestBench.PublishAsync(port, prefix, payloads, cancellationToken);

            var curlSeconds = await IngestBench.CurlAsync(influxd.Port, $"curl{n}", files);

            var runners = ids.Select(id => new IngestRunner(
                new IngestOptions
                {
                    Influx = new IngestInfluxOptions { Url = influxd.Url, Database = $"ingest{n}", Timeout = TimeSpan.FromMinutes(1) },
                    DeadLetterFile = dir.File($"dead-{id}.txt"),
                    SharedGroup = $"scale{n}",
                    SessionExpiry = TimeSpan.FromHours(1),
                },
                new MqttOptions { Host = "127.0.0.1", Port = port, ClientId = id, TopicPrefix = prefix },
                TimeProvider.System,
                NullLogger<IngestRunner>.Instance)).ToList();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var influxCpu = IngestBench.CpuSeconds(influxd.ProcessId);
            var ownCpu = IngestBench.OwnCpuSeconds();
            var start = Stopwatch.GetTimestamp();
            var runs = runners.Select(r => Task.Run(() => r.RunAsync(stop.Token), CancellationToken.None)).ToList();
            while (runners.Sum(r => r.Acknowledged) < total && !runs.Any(r => r.IsCompleted) && Stopwatch.GetElapsedTime(start) < TimeSpan.FromMinutes(10))
            {
                await Task.Delay(20, cancellationToken);
            }

            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var cpu = IngestBench.OwnCpuSeconds() - ownCpu;
            influxCpu = IngestBench.CpuSeconds(influxd.ProcessId) - influxCpu;
            var shares = string.Join("/", runners.Select(r => r.Acknowledged.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
            await stop.CancelAsync();
            await Task.WhenAll(runs);
            foreach (var r in runners)
            {
                await r.DisposeAsync();
            }

            var stored = await influxd.CountAsync("ups", "seq", $"ingest{n}");
            var curlStored = await influxd.CountAsync("ups", "seq", $"curl{n}");
            failed |= stored != total || curlStored != total;
            var row = $"| {n} | {total / curlSeconds:N0} | {total / seconds:N0} | {curlSeconds / seconds:N2}x | {stored:N0} / {curlStored:N0} | {shares} | {cpu / seconds:P0} | {influxCpu / seconds:P0} | {IngestBench.LoadAverage()} |";
            rows.Add(row);
            Console.WriteLine($"{n} instance(s): curl ceiling {total / curlSeconds,9:N0} points/s ({curlSeconds:N2} s); ingest {total / seconds,9:N0} points/s ({seconds:N2} s), ratio {curlSeconds / seconds:N2}x; stored {stored:N0} (curl {curlStored:N0}); acknowledged per instance {shares}; CPU ingest {cpu / seconds:P0}, influxd {influxCpu / seconds:P0} of one core; load {IngestBench.LoadAverage()}");
        }

        Console.WriteLine();
        Console.WriteLine("| instances | curl ceiling points/s | ingest points/s | ratio | stored ingest / curl | acknowledged per instance | ingest CPU (one core = 100 %) | influxd CPU | load average after |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
        return failed ? 1 : 0;
    }
}

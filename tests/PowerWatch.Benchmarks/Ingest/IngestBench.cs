using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using PowerWatch.Agent.Ingest;
using PowerWatch.Influx;
using PowerWatch.Mqtt;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Ingest;

/// <summary>What the ingest benchmarks share: the telemetry they queue, the curl ceiling, the queueing itself, CPU time.</summary>
internal static class IngestBench
{
    /// <summary>Lines per curl POST (and ingest's default MaxBatchLines).</summary>
    public const int CurlBatch = 5_000;

    /// <summary>Telemetry message <paramref name="i"/>: 1 point of 3 tags and 5 fields once converted.</summary>
    public static byte[] Payload(int i)
    {
        var ts = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero).AddMilliseconds(i);
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $$"""{"ts":"{{ts.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","seq":{{i}},"device":"ups-{{i % 100}}","kind":"ups","model":"Smart-UPS 3000","metrics":{"battery.charge":{{50 + (i % 500 / 10.0)}},"input.voltage":{{229.5 + (i % 17 / 10.0)}},"ups.load":{{i % 90}}},"quality":"good"}"""));
    }

    /// <summary>The topic of message <paramref name="i"/> under <paramref name="prefix"/>: 3 sites, 100 devices.</summary>
    public static string Topic(string prefix, int i) => $"{prefix}/dc{i % 3}/ups-{i % 100}/telemetry";

    /// <summary>Creates persistent sessions subscribed to <paramref name="filter"/>, then leaves: the broker queues for them.</summary>
    public static async Task CreateSessionsAsync(int port, IEnumerable<string> clientIds, string filter, CancellationToken cancellationToken)
    {
        foreach (var id in clientIds)
        {
            await using var session = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = port, ClientId = id, CleanStart = false, SessionExpiry = TimeSpan.FromHours(1) });
            await session.ConnectAsync(cancellationToken);
            await session.SubscribeAsync(filter, MqttQualityOfService.AtLeastOnce, cancellationToken);
            await session.DisconnectAsync(cancellationToken);
        }
    }

    /// <summary>Publishes every payload at QoS 1 (not timed).</summary>
    public static async Task PublishAsync(int port, string prefix, byte[][] payloads, CancellationToken cancellationToken)
    {
        await using var publisher = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = port, ClientId = "bench-pub-" + prefix, MaxInFlight = 200 });
        await publisher.ConnectAsync(cancellationToken);
        var pending = new List<Task>(payloads.Length);
        for (var i = 0; i < payloads.Length; i++)
        {
            pending.Add(publisher.PublishAsync(new MqttMessage { Topic = Topic(prefix, i), Payload = payloads[i] }, cancellationToken));
        }

        await Task.WhenAll(pending);
        await publisher.DisconnectAsync(cancellationToken);
    }

    /// <summary>The points of the payloads as the converter makes them, in <see cref="CurlBatch"/>-line files.</summary>
    public static async Task<List<string>> LineFilesAsync(TempDir dir, byte[][] payloads, CancellationToken cancellationToken)
    {
        var files = new List<string>();
        var buffer = new ArrayBufferWriter<byte>(CurlBatch * 200);
        for (var b = 0; b * CurlBatch < payloads.Length; b++)
        {
            buffer.ResetWrittenCount();
            for (var i = b * CurlBatch; i < Math.Min(payloads.Length, (b + 1) * CurlBatch); i++)
            {
                if (!TelemetryConverter.TryConvert("powerwatch", Topic("powerwatch", i), payloads[i], out var points, out var reason))
                {
                    throw new InvalidOperationException(reason);
                }

                LineProtocol.Write(buffer, points, WritePrecision.Milliseconds);
            }

            var file = dir.File($"batch-{b:D5}.lp");
            await File.WriteAllBytesAsync(file, buffer.WrittenMemory.ToArray(), cancellationToken);
            files.Add(file);
        }

        return files;
    }

    /// <summary>The server's ceiling for one sequential writer: curl posts the files one after another; returns seconds.</summary>
    public static async Task<double> CurlAsync(int influxPort, string database, List<string> files)
    {
        var curl = Peers.Require("curl");
        var start = Stopwatch.GetTimestamp();
        foreach (var f in files)
        {
            var (code, output) = await PeerProcess.RunAsync(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-XPOST", $"http://127.0.0.1:{influxPort}/write?db={database}&precision=ms", "--data-binary", "@" + f], TimeSpan.FromMinutes(2));
            if (code != 0 || !output.Contains("204", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"curl failed: exit {code}, {output}");
            }
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>User + system CPU seconds of a process (Linux /proc; 0 elsewhere or when it is gone).</summary>
    public static double CpuSeconds(int? pid)
    {
        if (pid is null)
        {
            return 0;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid.Value.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>CPU seconds of this process.</summary>
    public static double OwnCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>The 1, 5 and 15 minute load averages (Linux), for the figures' context.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public static int[] IntListArg(string[] args, string name, int[] fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? [.. args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : fallback;
    }
}

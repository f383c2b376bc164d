using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PowerWatch.Influx;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Influx;

/// <summary>
/// influx-write: N points (3 tags, 4 fields) in fixed-size batches into a real InfluxDB 1.x, side by side:
/// curl posting pre-encoded batch files sequentially (the server's ceiling for one sequential writer) versus our
/// encoder + <see cref="InfluxWriter"/> (encoding included in the timing), versus <see cref="InfluxBatcher"/>;
/// plus the encoder alone (points/s, bytes allocated per point). Every database is counted afterwards.
/// Usage: influx-write [--points N] [--batch B] [--gzip]
/// </summary>
internal sealed class InfluxWriteBenchmark : IBenchmarkVerb
{
    public string Name => "influx-write";

    public string Description => "points/s into InfluxDB 1.x: curl ceiling vs our encoder+writer vs batcher; encoder alone";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var total = IntArg(args, "--points", 500_000);
        var batchSize = IntArg(args, "--batch", 5_000);
        var gzip = args.Contains("--gzip");
        var batches = (total + batchSize - 1) / batchSize;
        Console.WriteLine($"influx-write: {total:N0} points, 3 tags + 4 fields, {batchSize:N0}-point batches, gzip={gzip}, {Environment.ProcessorCount} cores");

        var encoder = MeasureEncoder(batchSize, Math.Max(1, batches));
        Console.WriteLine($"encoder alone:   {encoder.PointsPerSecond,12:N0} points/s   {encoder.BytesPerLine:N1} bytes/line   {encoder.AllocatedPerPoint:N2} bytes allocated/point");

        using var dir = new TempDir("powerwatch-bench-influx");
        await using var influxd = await InfluxDaemon.StartAsync(false, "curl", "ours", "batcher");
        var port = influxd.Port;

        // The curl baseline posts the same bytes our encoder produces, one file per batch.
        var files = new List<string>();
        var buffer = new ArrayBufferWriter<byte>(batchSize * 128);
        for (var b = 0; b < batches; b++)
        {
            buffer.ResetWrittenCount();
            LineProtocol.Write(buffer, MakeBatch(b, batchSize, total));
            var file = dir.File($"batch-{b:D5}.lp");
            await File.WriteAllBytesAsync(file, buffer.WrittenMemory.ToArray(), cancellationToken);
            files.Add(file);
        }

        // The machine may be shared: interleave the three contenders in rounds of a few batches so that they
        // see the same background load, and sum each one's time.
        var curl = Peers.Require("curl");
        var options = new InfluxWriterOptions { BaseUrl = influxd.BaseUrl, Database = "ours", Gzip = gzip, Timeout = TimeSpan.FromMinutes(1) };
        await using var writer = new InfluxWriter(options);
        var batcherOptions = new InfluxWriterOptions { BaseUrl = influxd.BaseUrl, Database = "batcher", Gzip = gzip, Timeout = TimeSpan.FromMinutes(1) };
        await using var batcherWriter = new InfluxWriter(batcherOptions);
        await using var dead = new DeadLetterFile(dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(batcherWriter, new InfluxBatcherOptions { MaxBatchLines = batchSize, MaxHeldLines = batchSize * 4, MaxBatchBytes = 64 << 20 }, dead);
        var curlElapsed = TimeSpan.Zero;
        var oursElapsed = TimeSpan.Zero;
        var batcherElapsed = TimeSpan.Zero;
        const int BatchesPerRound = 5;
        for (var round = 0; round * BatchesPerRound < batches; round++)
        {
            var first = round * BatchesPerRound;
            var last = Math.Min(batches, first + BatchesPerRound);

            var start = Stopwatch.GetTimestamp();
            for (var b = first; b < last; b++)
            {
                string[] curlArgs = ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-XPOST", $"http://127.0.0.1:{port}/write?db=curl&precision=ns", "--data-binary", "@" + files[b]];
                var (code, output) = await PeerProcess.RunAsync(curl, curlArgs, TimeSpan.FromMinutes(2));
                if (code != 0 || output.Trim() != "204")
                {
                    Console.Error.WriteLine($"curl failed: exit {code}, {output}");
                    return 1;
                }
            }

            curlElapsed += Stopwatch.GetElapsedTime(start);

            // Our writer: encoding is inside the timing (building the Point objects, the caller's work, is not).
            for (var b = first; b < last; b++)
            {
                var points = MakeBatch(b, batchSize, total);
                start = Stopwatch.GetTimestamp();
                buffer.ResetWrittenCount();
                LineProtocol.Write(buffer, points);
                var result = await writer.WriteAsync(buffer.WrittenMemory, cancellationToken);
                oursElapsed += Stopwatch.GetElapsedTime(start);
                if (result.Outcome != WriteOutcome.Accepted)
                {
                    Console.Error.WriteLine($"write failed: {result.Outcome} {result.StatusCode} {result.Error}");
                    return 1;
                }
            }

            // The batcher, fed in groups of 10 points (one MQTT telemetry message's worth), flushed at the end of the round.
            var roundPoints = Enumerable.Range(first, last - first).Select(b => MakeBatch(b, batchSize, total)).ToList();
            var deliveries = new List<Task<DeliveryReport>>();
            start = Stopwatch.GetTimestamp();
            foreach (var points in roundPoints)
            {
                for (var i = 0; i < points.Length; i += 10)
                {
                    deliveries.Add(await batcher.EnqueueAsync(new ArraySegment<Point>(points, i, Math.Min(10, points.Length - i)), cancellationToken));
                }
            }

            await batcher.FlushAsync(cancellationToken);
            var reports = await Task.WhenAll(deliveries);
            batcherElapsed += Stopwatch.GetElapsedTime(start);
            if (reports.Any(r => !r.AllAccepted))
            {
                Console.Error.WriteLine("batcher dead-lettered lines");
                return 1;
            }
        }

        var curlSeconds = curlElapsed.TotalSeconds;
        var oursSeconds = oursElapsed.TotalSeconds;

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var db in new[] { "curl", "ours", "batcher" })
        {
            counts[db] = await influxd.CountAsync("ups", "ups.load", db);
        }

        Console.WriteLine($"curl (ceiling):  {total / curlSeconds,12:N0} points/s   {curlSeconds:N2} s   stored {counts["curl"]:N0}");
        Console.WriteLine($"ours (writer):   {total / oursSeconds,12:N0} points/s   {oursSeconds:N2} s   stored {counts["ours"]:N0}   ratio {curlSeconds / oursSeconds:N2}x");
        Console.WriteLine($"ours (batcher):  {total / batcherElapsed.TotalSeconds,12:N0} points/s   {batcherElapsed.TotalSeconds:N2} s   stored {counts["batcher"]:N0}   ratio {curlSeconds / batcherElapsed.TotalSeconds:N2}x");
        return counts.Values.All(c => c == total) ? 0 : 1;
    }

    private static (double PointsPerSecond, double BytesPerLine, double AllocatedPerPoint) MeasureEncoder(int batchSize, int rounds)
    {
        var points = MakeBatch(0, batchSize, batchSize);
        var buffer = new ArrayBufferWriter<byte>(batchSize * 128);
        // Warm up for a second so tiered compilation has settled before measuring.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(1))
        {
            buffer.ResetWrittenCount();
            LineProtocol.Write(buffer, points);
        }

        var bytes = buffer.WrittenCount;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        for (var r = 0; r < rounds; r++)
        {
            buffer.ResetWrittenCount();
            for (var i = 0; i < points.Length; i++)
            {
                LineProtocol.Write(buffer, points[i]);
            }
        }

        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        var n = (double)rounds * points.Length;
        return (n / seconds, (double)bytes / points.Length, allocated / n);
    }

    private static Point[] MakeBatch(int batch, int batchSize, int total)
    {
        var count = Math.Min(batchSize, total - (batch * batchSize));
        var points = new Point[count];
        const long start = 1_700_000_000_000_000_000L;
        for (var j = 0; j < count; j++)
        {
            var i = (batch * batchSize) + j;
            points[j] = new Point("ups")
                .Tag("site", "dc" + (i % 3).ToString(CultureInfo.InvariantCulture))
                .Tag("device", "ups-" + (i % 100).ToString(CultureInfo.InvariantCulture))
                .Tag("model", "Smart-UPS 3000")
                .Field("battery.charge", 50 + ((i % 500) / 10.0))
                .Field("input.voltage", 229.5 + ((i % 17) / 10.0))
                .Field("ups.load", (long)(i % 100))
                .Field("on_battery", i % 7 == 0)
                .Timestamp(start + (i * 1_000_000L));
        }

        return points;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

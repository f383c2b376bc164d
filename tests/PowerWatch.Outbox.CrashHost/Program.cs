using System.Diagnostics;
using System.Globalization;
using System.Text;
using PowerWatch.Outbox;

// Usage:
//   crash <directory> <producers> <entriesPerProducer> <payloadBytes>
//       Appends with FsyncMode.Always from concurrent producers (stream "dev-<p>") and prints "ok <seq> <p> <n>"
//       after each AppendAsync returned. The crash test SIGKILLs this process and checks every printed entry survived.
//   bench [--entries N] [--payload B] [--dir PATH] [--fsync Always|Batched|None] [--producers 1,8]
//       Measures appends/s with FsyncMode.Always for 1 and 8 concurrent producers, and the bytes on disk per entry.
return args.Length > 0 && args[0] == "crash" ? await CrashAsync(args) : args.Length > 0 && args[0] == "bench" ? await BenchAsync(args) : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: crash <dir> <producers> <entriesPerProducer> <payloadBytes> | bench [--entries N] [--payload B] [--dir PATH] [--fsync Always|Batched|None] [--producers 1,8]");
    return 2;
}

static async Task<int> CrashAsync(string[] args)
{
    var directory = args[1];
    var producers = int.Parse(args[2], CultureInfo.InvariantCulture);
    var perProducer = int.Parse(args[3], CultureInfo.InvariantCulture);
    var payloadBytes = int.Parse(args[4], CultureInfo.InvariantCulture);
    var options = new OutboxOptions { Directory = directory, SegmentBytes = 64 * 1024, MaxBytes = 1L << 30, FsyncMode = FsyncMode.Always };
    await using var outbox = await DurableOutbox.OpenAsync(options);
    var stdout = Console.Out;
    await stdout.WriteLineAsync("ready");
    var tasks = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
    {
        for (var n = 0; n < perProducer; n++)
        {
            var seq = await outbox.AppendAsync($"dev-{p}", Payload(p, n, payloadBytes), new OutboxMetadata($"powerwatch/site/dev-{p}/telemetry", 1, false));
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"ok {seq} {p} {n}"));
        }
    })).ToArray();
    await Task.WhenAll(tasks);
    await stdout.WriteLineAsync("done");
    return 0;
}

static byte[] Payload(int producer, int n, int size)
{
    var text = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"p\":{producer},\"n\":{n}}}"));
    var payload = new byte[Math.Max(size, text.Length)];
    text.CopyTo(payload, 0);
    payload.AsSpan(text.Length).Fill((byte)' ');
    return payload;
}

static async Task<int> BenchAsync(string[] args)
{
    var entries = 20_000;
    var payload = 256;
    var mode = FsyncMode.Always;
    int[] producerCounts = [1, 8];
    string? root = null;
    for (var i = 1; i + 1 < args.Length; i += 2)
    {
        switch (args[i])
        {
            case "--entries": entries = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--payload": payload = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--dir": root = args[i + 1]; break;
            case "--producers": producerCounts = args[i + 1].Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray(); break;
            case "--fsync": mode = Enum.Parse<FsyncMode>(args[i + 1], ignoreCase: true); break;
            default: return Usage();
        }
    }

    root ??= Directory.CreateTempSubdirectory("powerwatch-outbox-bench-").FullName;
    Console.WriteLine($"outbox bench: {entries} entries of {payload} B payload (stream 'dev-N', topic of 34 chars), FsyncMode.{mode}, SegmentBytes 4 MiB, dir {root}");
    foreach (var producers in producerCounts)
    {
        var dir = Path.Combine(root, $"p{producers}");
        var options = new OutboxOptions { Directory = dir, FsyncMode = mode, SegmentBytes = 4L << 20, MaxBytes = 4L << 30 };
        await using var outbox = await DurableOutbox.OpenAsync(options);
        var body = new byte[payload];
        var start = Stopwatch.GetTimestamp();
        var per = entries / producers;
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var n = 0; n < per; n++)
            {
                await outbox.AppendAsync($"dev-{p}", body, new OutboxMetadata("powerwatch/site-01/ups-a/telemetry", 1, false));
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(start);
        var total = per * producers;
        var fsyncs = outbox.FsyncCount;
        var disk = Directory.EnumerateFiles(dir, "*.seg").Sum(f => new FileInfo(f).Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"producers={producers} appends={total} seconds={elapsed.TotalSeconds:F2} appends/s={total / elapsed.TotalSeconds:F0} fsyncs={fsyncs} appends/fsync={(double)total / Math.Max(1, fsyncs):F1} disk-bytes/entry={(double)disk / total:F1} overhead-bytes/entry={((double)disk / total) - payload:F1}"));
    }

    Directory.Delete(root, recursive: true);
    return 0;
}

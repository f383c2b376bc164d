using System.Globalization;
using System.Text.Json;
using PowerWatch.TestSupport;
using static PowerWatch.Outbox.Tests.OutboxTestKit;

namespace PowerWatch.Outbox.Tests;

/// <summary>
/// Real crashes: tests/PowerWatch.Outbox.CrashHost appends from 4 concurrent producers with FsyncMode.Always and prints
/// "ok seq producer n" after each AppendAsync returned; the test SIGKILLs it mid-run and checks every printed entry survived.
/// </summary>
public sealed class CrashTests
{
    [PeerFact("kill")]
    public async Task Every_append_that_returned_survives_sigkill_of_the_process_three_times_over()
    {
        using var dir = new TempDir("outbox-crash");
        var outboxDir = dir.File("outbox");
        var host = Path.Combine(AppContext.BaseDirectory, "PowerWatch.Outbox.CrashHost.dll");
        Assert.True(File.Exists(host), $"crash host not built next to the tests: {host}");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var confirmed = new Dictionary<long, (int Producer, int N)>();

        for (var round = 0; round < 3; round++)
        {
            string output;
            await using (var process = PeerProcess.Start(dotnet, ["exec", host, "crash", outboxDir, "4", "1000000", "100"]))
            {
                await process.WaitUntilAsync(() => Task.FromResult(CountOk(process.Output) >= 300), TimeSpan.FromSeconds(60), "300 confirmed appends");
                process.Signal(9);
                await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
                output = process.Output;
            }

            Assert.DoesNotContain("done", output);
            foreach (var line in output.Split('\n'))
            {
                var parts = line.Trim().Split(' ');
                if (parts.Length == 4 && parts[0] == "ok")
                {
                    confirmed[long.Parse(parts[1], CultureInfo.InvariantCulture)] = (int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture));
                }
            }

            await using var outbox = await DurableOutbox.OpenAsync(new OutboxOptions { Directory = outboxDir, SegmentBytes = 64 * 1024, MaxBytes = 1L << 30, FsyncMode = FsyncMode.None });
            // Strict: a kill may only ever leave a torn tail. The message lists what recovery found, for diagnosis.
            var found = $"round {round}: lost {outbox.Recovery.LostEntries}, regions [{string.Join(", ", outbox.Recovery.CorruptRegions)}], "
                + $"truncated {outbox.Recovery.TruncatedBytes}, files [{string.Join(", ", Directory.GetFiles(outboxDir).Order(StringComparer.Ordinal).Select(f => $"{Path.GetFileName(f)}={new FileInfo(f).Length}"))}]";
            Assert.True(outbox.Recovery.LostEntries == 0, found);
            Assert.True(outbox.Recovery.CorruptRegions.Count == 0, found);
            var stored = (await DrainAsync(outbox)).ToDictionary(e => e.Sequence);

            // Every confirmed append is there, with its own payload.
            foreach (var (seq, (producer, n)) in confirmed)
            {
                Assert.True(stored.TryGetValue(seq, out var entry), $"round {round}: confirmed sequence {seq} lost");
                Assert.Equal($"dev-{producer}", entry.Stream);
                Assert.Equal((producer, n), ParsePayload(entry));
            }

            // Sequences are contiguous and each producer's entries are in order with no holes: each round restarts at n = 0.
            Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Keys.Order());
            foreach (var stream in stored.Values.OrderBy(e => e.Sequence).GroupBy(e => e.Stream))
            {
                var ns = stream.Select(e => ParsePayload(e).N).ToList();
                for (var i = 1; i < ns.Count; i++)
                {
                    Assert.True(ns[i] == ns[i - 1] + 1 || ns[i] == 0, $"{stream.Key}: n {ns[i - 1]} followed by {ns[i]}");
                }
            }
        }
    }

    private static int CountOk(string output)
    {
        var count = 0;
        foreach (var line in output.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("ok "))
            {
                count++;
            }
        }

        return count;
    }

    private static (int Producer, int N) ParsePayload(OutboxEntry entry)
    {
        using var doc = JsonDocument.Parse(entry.Payload);
        return (doc.RootElement.GetProperty("p").GetInt32(), doc.RootElement.GetProperty("n").GetInt32());
    }
}

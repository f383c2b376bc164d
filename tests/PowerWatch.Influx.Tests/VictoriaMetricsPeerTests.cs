using System.Text.Json;
using PowerWatch.TestSupport;

namespace PowerWatch.Influx.Tests;

/// <summary>The v2 write path against a real VictoriaMetrics, read back through /api/v1/export.</summary>
public sealed class VictoriaMetricsPeerTests
{
    [PeerFact("victoria-metrics")]
    public async Task V2_write_reads_back_with_numeric_values_and_strings_stored_as_zero()
    {
        using var dir = new TempDir("powerwatch-vm");
        var port = Peers.FreeTcpPort();
        await using var vm = PeerProcess.Start(Peers.Require("victoria-metrics"),
        [
            $"-httpListenAddr=127.0.0.1:{port}", $"-storageDataPath={dir.File("data")}", "-retentionPeriod=100y", "-search.latencyOffset=0s",
        ]);
        await vm.WaitForTcpAsync(port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };

        // VictoriaMetrics drops rows outside its retention window (with a 204), so stamp the points "now" (ms precision).
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5000; // export ends at "now" by default
        var options = new InfluxWriterOptions
        {
            BaseUrl = new Uri($"http://127.0.0.1:{port}"),
            ApiVersion = InfluxApiVersion.V2,
            Organization = "power org",
            Bucket = "site/raw",
            Token = "any-token",
            Precision = WritePrecision.Nanoseconds,
            Gzip = true,
        };
        await using var writer = new InfluxWriter(options);
        Assert.Equal($"http://127.0.0.1:{port}/api/v2/write?org=power%20org&bucket=site%2Fraw&precision=ns", writer.WriteUri.AbsoluteUri);
        var result = await writer.WriteAsync(
        [
            new Point("ups").Tag("site", "dc 1").Tag("device", "ups,a").Field("load", 42.5).Field("count", -7L).Field("big", 5UL)
                .Field("on", true).Field("off", false).Field("huge", 1e21).Field("model", "Smart-UPS").Timestamp(nowMs * 1_000_000 + 123_456),
            new Point("ups").Tag("site", "dc 1").Tag("device", "ups,a").Field("load", 43.25).Timestamp((nowMs + 1000) * 1_000_000),
        ],
        CancellationToken.None);
        Assert.True(result.Outcome == WriteOutcome.Accepted, result.Error);

        var series = new Dictionary<string, (double[] Values, long[] Timestamps, JsonElement Metric)>(StringComparer.Ordinal);
        // Ingestion is buffered: flush and poll until all 7 series and 8 samples are visible.
        await Poll.UntilAsync(
            async () =>
            {
                using (await http.PostAsync("internal/force_flush", null))
                {
                }

                var text = await http.GetStringAsync("api/v1/export?match[]=" + Uri.EscapeDataString("{__name__=~\"ups_.*\"}"));
                series.Clear();
                foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    using var doc = JsonDocument.Parse(line);
                    var metric = doc.RootElement.GetProperty("metric").Clone();
                    series[metric.GetProperty("__name__").GetString()!] = (
                        doc.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
                        doc.RootElement.GetProperty("timestamps").EnumerateArray().Select(v => v.GetInt64()).ToArray(),
                        metric);
                }

                return series.Values.Sum(s => s.Values.Length) >= 8;
            },
            TimeSpan.FromSeconds(30),
            () => $"8 samples in VictoriaMetrics (have {series.Values.Sum(s => s.Values.Length)})");

        Assert.Equal([42.5, 43.25], series["ups_load"].Values);
        Assert.Equal([nowMs, nowMs + 1000], series["ups_load"].Timestamps); // VictoriaMetrics keeps milliseconds.
        Assert.Equal([-7.0], series["ups_count"].Values);
        Assert.Equal([5.0], series["ups_big"].Values);
        Assert.Equal([1.0], series["ups_on"].Values);
        Assert.Equal([0.0], series["ups_off"].Values);
        Assert.Equal([1e21], series["ups_huge"].Values);
        // Documented trap: VictoriaMetrics stores a string field as 0 and still answers 204.
        Assert.Equal([0.0], series["ups_model"].Values);
        var labels = series["ups_load"].Metric;
        Assert.Equal("dc 1", labels.GetProperty("site").GetString());
        Assert.Equal("ups,a", labels.GetProperty("device").GetString());
    }
}

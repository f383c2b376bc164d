using System.Text.Json;
using PowerWatch.TestSupport;

namespace PowerWatch.Influx.Tests;

/// <summary>Our encoder and writer against a real InfluxDB 1.6 (influxd), read back with InfluxQL.</summary>
public sealed class InfluxDbPeerTests : IDisposable
{
    private const string Db = "power";
    private readonly TempDir _dir = new("powerwatch-influx-peer");

    public void Dispose() => _dir.Dispose();

    private static InfluxWriter Writer(InfluxDaemon server, string db = Db, Action<InfluxWriterOptions>? configure = null)
    {
        var options = new InfluxWriterOptions { BaseUrl = server.BaseUrl, Database = db, Timeout = TimeSpan.FromSeconds(10) };
        configure?.Invoke(options);
        return new InfluxWriter(options);
    }

    [PeerFact("influxd")]
    public async Task Every_field_type_and_escaping_case_reads_back_exactly()
    {
        await using var server = await InfluxDaemon.StartAsync(false, Db);
        await using var writer = Writer(server, configure: o => o.Gzip = true);
        var t0 = 1_700_000_000_123_456_789L;
        var points = new[]
        {
            new Point("wea,ther x").Tag("loc ation", "us,mid=west").Tag("emoji", "⚡ 🏭").Tag("path", "C:\\dir\\file")
                .Field("temp erature", 82.5).Field("count", -42L).Field("ok", true).Field("off", false)
                .Field("note", "too \"hot\", C:\\dir\\ = ünïcødé").Field("tiny", 1.5e-7).Field("huge", 1e21).Field("max", double.MaxValue)
                .Field("imin", long.MinValue).Field("empty", "")
                .Timestamp(t0),
        };
        var result = await writer.WriteAsync(points, CancellationToken.None);
        Assert.True(result.Outcome == WriteOutcome.Accepted, result.Error);

        var rows = await server.SelectAsync("SELECT * FROM \"wea,ther x\"", Db);
        var row = Assert.Single(rows);
        Assert.Equal("2023-11-14T22:13:20.123456789Z", row["time"].GetString());
        Assert.Equal("us,mid=west", row["loc ation"].GetString());
        Assert.Equal("⚡ 🏭", row["emoji"].GetString());
        Assert.Equal("C:\\dir\\file", row["path"].GetString());
        Assert.Equal(82.5, row["temp erature"].GetDouble());
        Assert.Equal(-42L, row["count"].GetInt64());
        Assert.True(row["ok"].GetBoolean());
        Assert.False(row["off"].GetBoolean());
        Assert.Equal("too \"hot\", C:\\dir\\ = ünïcødé", row["note"].GetString());
        Assert.Equal(1.5e-7, row["tiny"].GetDouble());
        Assert.Equal(1e21, row["huge"].GetDouble());
        Assert.Equal(double.MaxValue, row["max"].GetDouble());
        Assert.Equal(long.MinValue, row["imin"].GetInt64());
        Assert.Equal("", row["empty"].GetString());

        var tagKeys = await server.SelectAsync("SHOW TAG KEYS FROM \"wea,ther x\"", Db);
        Assert.Equal(["emoji", "loc ation", "path"], tagKeys.Select(r => r["tagKey"].GetString()));
    }

    [PeerTheory("influxd")]
    [InlineData(WritePrecision.Nanoseconds, "2023-11-14T22:13:20.123456789Z")]
    [InlineData(WritePrecision.Microseconds, "2023-11-14T22:13:20.123456Z")]
    [InlineData(WritePrecision.Milliseconds, "2023-11-14T22:13:20.123Z")]
    [InlineData(WritePrecision.Seconds, "2023-11-14T22:13:20Z")]
    public async Task Every_precision_is_stored_at_the_right_instant(WritePrecision precision, string expected)
    {
        await using var server = await InfluxDaemon.StartAsync(false, Db);
        await using var writer = Writer(server, configure: o => o.Precision = precision);
        var r = await writer.WriteAsync([new Point("p").Field("v", 1L).Timestamp(1_700_000_000_123_456_789L)], CancellationToken.None);
        Assert.True(r.Outcome == WriteOutcome.Accepted, r.Error);
        var row = Assert.Single(await server.SelectAsync("SELECT v FROM p", Db));
        Assert.Equal(expected, row["time"].GetString());
    }

    [PeerFact("influxd")]
    public async Task Bad_line_is_rejected_with_the_servers_message_naming_it()
    {
        await using var server = await InfluxDaemon.StartAsync(false, Db);
        await using var writer = Writer(server);
        var good = "m v=1i 1\n"u8.ToArray();
        var body = "m v=1i 1\nm v=notanumber 2\nm v=3i 3\n"u8.ToArray();
        var r = await writer.WriteAsync(body, CancellationToken.None);
        Assert.Equal(WriteOutcome.Rejected, r.Outcome);
        Assert.Equal(400, r.StatusCode);
        Assert.True(r.IsPartialWrite, r.Error);
        var rejected = Assert.Single(r.RejectedLines);
        Assert.Equal(1, rejected.Index);
        Assert.Equal("m v=notanumber 2", rejected.Line);
        Assert.False(string.IsNullOrWhiteSpace(rejected.Reason));
        Assert.Equal(2, await server.CountAsync("m", "v", Db));
        Assert.Equal(WriteOutcome.Accepted, (await writer.WriteAsync(good, CancellationToken.None)).Outcome);
    }

    [PeerFact("influxd")]
    public async Task Missing_database_is_rejected_with_404()
    {
        await using var server = await InfluxDaemon.StartAsync(false, Db);
        await using var writer = Writer(server, db: "nosuchdb");
        var r = await writer.WriteAsync([new Point("m").Field("v", 1L)], CancellationToken.None);
        Assert.Equal(WriteOutcome.Rejected, r.Outcome);
        Assert.Equal(404, r.StatusCode);
        Assert.Equal("database not found: \"nosuchdb\"", r.Error);
    }

    [PeerFact("influxd")]
    public async Task Field_type_conflict_is_reported_as_partial_write_and_the_batcher_dead_letters_only_that_line()
    {
        await using var server = await InfluxDaemon.StartAsync(false, Db);
        await using var writer = Writer(server);
        Assert.Equal(WriteOutcome.Accepted, (await writer.WriteAsync([new Point("ups").Field("load", 1.5).Timestamp(1)], CancellationToken.None)).Outcome);

        var conflict = await writer.WriteAsync([new Point("ups").Field("load", 2L).Timestamp(2), new Point("ups").Field("load", 2.5).Timestamp(3)], CancellationToken.None);
        Assert.Equal(WriteOutcome.Rejected, conflict.Outcome);
        Assert.True(conflict.IsPartialWrite);
        Assert.Equal(1, conflict.DroppedCount);
        Assert.Contains("field type conflict", conflict.Error, StringComparison.Ordinal);

        var path = _dir.File("dead.txt");
        await using (var dead = new DeadLetterFile(path))
        {
            await using var batcher = new InfluxBatcher(writer, new InfluxBatcherOptions { MaxBatchLines = 20 }, dead);
            var batch = Enumerable.Range(10, 20).Select(i =>
            {
                var p = new Point("ups").Timestamp(i);
                return i == 17 ? p.Field("load", 17L) : p.Field("load", i + 0.5);
            });
            var delivery = await batcher.EnqueueAsync(batch, CancellationToken.None);
            Assert.Equal(new DeliveryReport(20, 19, 1), await delivery.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        var letter = DeadLetterFile.Parse(File.ReadAllLines(path).Single());
        Assert.Equal("ups load=17i 17", letter.Line);
        Assert.Equal(400, letter.StatusCode);
        Assert.Contains("field type conflict", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(2 + 19, await server.CountAsync("ups", "load", Db));
    }

    [PeerFact("influxd")]
    public async Task Unsigned_field_is_refused_by_influxdb_1x_as_the_docs_say()
    {
        await using var server = await InfluxDaemon.StartAsync(false, Db);
        await using var writer = Writer(server);
        var r = await writer.WriteAsync([new Point("m").Field("u", 5UL).Timestamp(1)], CancellationToken.None);
        Assert.Equal(WriteOutcome.Rejected, r.Outcome);
        Assert.Contains("invalid number", r.Error, StringComparison.Ordinal);
    }

    [PeerFact("influxd")]
    public async Task Right_credentials_are_accepted_and_wrong_ones_rejected_with_401()
    {
        await using var server = await InfluxDaemon.StartAsync(true, Db);
        await using var basic = Writer(server, configure: o => (o.Username, o.Password) = (InfluxDaemon.AdminUser, InfluxDaemon.AdminPassword));
        await using var query = Writer(server, configure: o => (o.Username, o.Password, o.UseBasicAuth) = (InfluxDaemon.AdminUser, InfluxDaemon.AdminPassword, false));
        await using var wrong = Writer(server, configure: o => (o.Username, o.Password) = (InfluxDaemon.AdminUser, "wrong"));
        await using var none = Writer(server);

        Assert.Equal(WriteOutcome.Accepted, (await basic.WriteAsync([new Point("a").Field("v", 1L).Timestamp(1)], CancellationToken.None)).Outcome);
        Assert.Equal(WriteOutcome.Accepted, (await query.WriteAsync([new Point("a").Field("v", 2L).Timestamp(2)], CancellationToken.None)).Outcome);
        var bad = await wrong.WriteAsync([new Point("a").Field("v", 3L).Timestamp(3)], CancellationToken.None);
        Assert.Equal(WriteOutcome.Rejected, bad.Outcome);
        Assert.Equal(401, bad.StatusCode);
        Assert.Equal("authorization failed", bad.Error);
        var anonymous = await none.WriteAsync([new Point("a").Field("v", 4L).Timestamp(4)], CancellationToken.None);
        Assert.Equal(401, anonymous.StatusCode);
        Assert.Equal(2, await server.CountAsync("a", "v", Db));
    }

    [PeerFact("influxd")]
    public async Task Server_killed_mid_stream_is_retryable_and_after_restart_the_batcher_delivers_everything()
    {
        await using var server = await InfluxDaemon.StartAsync(false, Db);
        await using var writer = Writer(server, configure: o => o.Timeout = TimeSpan.FromSeconds(2));
        var options = new InfluxBatcherOptions
        {
            MaxBatchLines = 100,
            FlushInterval = TimeSpan.FromMilliseconds(50),
            InitialRetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(400),
        };
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(writer, options, dead);
        var deliveries = new List<Task<DeliveryReport>>();
        var seq = 0;
        async Task EnqueueGroupsAsync(int groups)
        {
            for (var g = 0; g < groups; g++)
            {
                deliveries.Add(await batcher.EnqueueAsync(
                    Enumerable.Range(0, 50).Select(_ => new Point("ups").Tag("device", "ups-" + (seq % 7)).Field("seq", (long)seq).Timestamp(1_700_000_000_000_000_000L + seq++)),
                    CancellationToken.None));
            }
        }

        await EnqueueGroupsAsync(20);
        await Task.WhenAll(deliveries).WaitAsync(TimeSpan.FromSeconds(30));
        await server.KillAsync();

        var direct = await writer.WriteAsync([new Point("probe").Field("v", 1L)], CancellationToken.None);
        Assert.Equal(WriteOutcome.Retryable, direct.Outcome);

        await EnqueueGroupsAsync(20);
        var before = batcher.Statistics.RetryableFailures;
        await Poll.UntilAsync(
            () => batcher.Statistics.RetryableFailures >= before + 2,
            TimeSpan.FromSeconds(30),
            () => $"two more retryable failures (have {batcher.Statistics.RetryableFailures - before})");

        Assert.Contains(deliveries, d => !d.IsCompleted);
        await server.StartProcessAsync();
        var reports = await Task.WhenAll(deliveries).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(reports, r => Assert.True(r.AllAccepted));
        Assert.Equal(2000, seq);
        Assert.Equal(2000, await server.CountAsync("ups", "seq", Db));
        Assert.Equal(0, batcher.Statistics.LinesDeadLettered);
    }
}

using PowerWatch.TestSupport;

namespace PowerWatch.Influx.Tests;

public sealed class InfluxBatcherTests : IDisposable
{
    private readonly TempDir _dir = new("powerwatch-influx-batcher");

    public void Dispose() => _dir.Dispose();

    private static Point P(int i) => new Point("ups").Tag("device", "ups-" + i).Field("seq", (long)i).Timestamp(1_700_000_000_000_000_000 + i);

    private static InfluxBatcherOptions Options(int maxLines = 100, TimeSpan? flush = null) => new()
    {
        MaxBatchLines = maxLines,
        MaxHeldLines = Math.Max(maxLines, 100_000),
        FlushInterval = flush ?? TimeSpan.FromHours(1),
        InitialRetryDelay = TimeSpan.FromSeconds(1),
        MaxRetryDelay = TimeSpan.FromSeconds(8),
        JitterFraction = 0,
    };

    private static Task WaitForTimerAsync(ManualTimeProvider time) =>
        Poll.UntilAsync(() => time.ActiveTimers > 0, TimeSpan.FromSeconds(10), () => "the batcher armed a timer");

    [Fact]
    public async Task Batch_is_sent_as_soon_as_the_size_limit_is_reached()
    {
        var time = new ManualTimeProvider();
        var target = new FakeTarget((_, _) => FakeTarget.Ok);
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, Options(maxLines: 3), dead, time);
        var t1 = await batcher.EnqueueAsync([P(1), P(2)], CancellationToken.None);
        var t2 = await batcher.EnqueueAsync([P(3)], CancellationToken.None);
        await target.WaitForCallsAsync(1);
        Assert.Equal(LineProtocol.ToText([P(1), P(2), P(3)]), target.Bodies[0]);
        Assert.Equal(new DeliveryReport(2, 2, 0), await t1.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(new DeliveryReport(1, 1, 0), await t2.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Batch_is_capped_by_bytes()
    {
        var time = new ManualTimeProvider();
        var target = new FakeTarget((_, _) => FakeTarget.Ok);
        var lineBytes = System.Text.Encoding.UTF8.GetByteCount(LineProtocol.ToText([P(1)]));
        var options = Options(maxLines: 1000);
        options.MaxBatchBytes = (lineBytes * 2) + 1;
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, options, dead, time);
        var t = await batcher.EnqueueAsync([P(1), P(2), P(3), P(4), P(5)], CancellationToken.None);
        await target.WaitForCallsAsync(2);
        await batcher.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([2, 2, 1], target.Bodies.Select(b => b.Count(c => c == '\n')));
        Assert.Equal(new DeliveryReport(5, 5, 0), await t);
    }

    [Fact]
    public async Task Partial_batch_is_sent_when_the_flush_interval_elapses()
    {
        var time = new ManualTimeProvider();
        var target = new FakeTarget((_, _) => FakeTarget.Ok);
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, Options(maxLines: 100, flush: TimeSpan.FromSeconds(2)), dead, time);
        var t = await batcher.EnqueueAsync([P(1)], CancellationToken.None);
        await WaitForTimerAsync(time);
        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Empty(target.Bodies);
        Assert.False(t.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new DeliveryReport(1, 1, 0), await t.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(target.Bodies);
    }

    [Fact]
    public async Task Flush_sends_everything_pending_without_waiting_for_the_interval()
    {
        var time = new ManualTimeProvider();
        var target = new FakeTarget((_, _) => FakeTarget.Ok);
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, Options(maxLines: 100), dead, time);
        var t = await batcher.EnqueueAsync([P(1), P(2)], CancellationToken.None);
        await batcher.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(t.IsCompletedSuccessfully);
        Assert.Equal(0, batcher.Statistics.LinesHeld);
    }

    [Fact]
    public async Task Back_off_doubles_per_failure_and_is_bounded()
    {
        var manual = new ManualTimeProvider();
        var time = new RecordingTimeProvider(manual);
        var target = new FakeTarget((_, call) => call < 6 ? FakeTarget.Unavailable() : FakeTarget.Ok);
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, Options(maxLines: 1), dead, time);
        var t = await batcher.EnqueueAsync([P(1)], CancellationToken.None);
        for (var call = 1; call <= 6; call++)
        {
            await target.WaitForCallsAsync(call);
            await WaitForTimerAsync(manual);
            Assert.False(t.IsCompleted);
            manual.Advance(time.DueTimes[^1]);
        }

        Assert.Equal(new DeliveryReport(1, 1, 0), await t.WaitAsync(TimeSpan.FromSeconds(10)));
        var seconds = time.DueTimes.Select(d => d.TotalSeconds).ToArray();
        Assert.Equal([1.0, 2, 4, 8, 8, 8], seconds[^6..]);
        Assert.Equal(7, target.Bodies.Count);
        Assert.All(target.Bodies, b => Assert.Equal(target.Bodies[0], b));
        Assert.Equal(6, batcher.Statistics.RetryableFailures);
    }

    [Fact]
    public async Task Jitter_shortens_each_delay_by_at_most_the_jitter_fraction()
    {
        var manual = new ManualTimeProvider();
        var time = new RecordingTimeProvider(manual);
        var target = new FakeTarget((_, call) => call < 8 ? FakeTarget.Unavailable() : FakeTarget.Ok);
        var options = Options(maxLines: 1);
        options.JitterFraction = 0.5;
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, options, dead, time, new Random(1234));
        var t = await batcher.EnqueueAsync([P(1)], CancellationToken.None);
        for (var call = 1; call <= 8; call++)
        {
            await target.WaitForCallsAsync(call);
            await WaitForTimerAsync(manual);
            manual.Advance(time.DueTimes[^1]);
        }

        await t.WaitAsync(TimeSpan.FromSeconds(10));
        var delays = time.DueTimes.ToArray()[^8..];
        double[] nominal = [1, 2, 4, 8, 8, 8, 8, 8];
        for (var i = 0; i < delays.Length; i++)
        {
            Assert.InRange(delays[i].TotalSeconds, nominal[i] * 0.5, nominal[i]);
        }

        Assert.True(delays.Distinct().Count() > 1, "jitter should vary the delays");
    }

    [Fact]
    public async Task Server_retry_after_is_honoured_instead_of_the_back_off()
    {
        var manual = new ManualTimeProvider();
        var time = new RecordingTimeProvider(manual);
        var target = new FakeTarget((_, call) => call == 0 ? FakeTarget.Unavailable(TimeSpan.FromSeconds(7)) : FakeTarget.Ok);
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, Options(maxLines: 1), dead, time);
        var t = await batcher.EnqueueAsync([P(1)], CancellationToken.None);
        await target.WaitForCallsAsync(1);
        await WaitForTimerAsync(manual);
        Assert.Equal(TimeSpan.FromSeconds(7), time.DueTimes[^1]);
        manual.Advance(TimeSpan.FromSeconds(7));
        Assert.True((await t.WaitAsync(TimeSpan.FromSeconds(10))).AllAccepted);
    }

    [Fact]
    public async Task Lines_named_by_the_server_go_to_the_dead_letter_file_with_the_reason_and_the_rest_is_resent()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 5, 4, 3, 2, 1, TimeSpan.Zero));
        var bad = LineProtocol.ToText([P(2)]).TrimEnd('\n');
        var target = new FakeTarget((body, _) => body.Contains(bad, StringComparison.Ordinal)
            ? new WriteResult
            {
                Outcome = WriteOutcome.Rejected,
                StatusCode = 400,
                IsPartialWrite = true,
                Error = $"partial write: unable to parse '{bad}': invalid boolean dropped=0",
                RejectedLines = [new RejectedLine(1, bad, "invalid boolean")],
            }
            : FakeTarget.Ok);
        var path = _dir.File("dead/letters.txt");
        await using (var dead = new DeadLetterFile(path))
        {
            await using var batcher = new InfluxBatcher(target, Options(maxLines: 3), dead, time);
            var t = await batcher.EnqueueAsync([P(1), P(2), P(3)], CancellationToken.None);
            Assert.Equal(new DeliveryReport(3, 2, 1), await t.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(2, target.Bodies.Count);
        Assert.Equal(LineProtocol.ToText([P(1), P(3)]), target.Bodies[1]);
        var letter = DeadLetterFile.Parse(File.ReadAllLines(path).Single());
        Assert.Equal(new DeadLetter(time.GetUtcNow(), 400, "invalid boolean", bad), letter);
    }

    [Fact]
    public async Task Unnamed_refused_line_is_isolated_by_splitting_and_nothing_else_is_dead_lettered()
    {
        var time = new ManualTimeProvider();
        var bad = LineProtocol.ToText([P(13)]).TrimEnd('\n');
        var reason = "partial write: field type conflict: input field \"seq\" on measurement \"ups\" is type integer, already exists as type float dropped=1";
        var target = new FakeTarget((body, _) => body.Contains(bad, StringComparison.Ordinal)
            ? new WriteResult { Outcome = WriteOutcome.Rejected, StatusCode = 400, IsPartialWrite = true, DroppedCount = 1, Error = reason }
            : FakeTarget.Ok);
        var path = _dir.File("dead.txt");
        await using (var dead = new DeadLetterFile(path))
        {
            await using var batcher = new InfluxBatcher(target, Options(maxLines: 32), dead, time);
            var t = await batcher.EnqueueAsync(Enumerable.Range(0, 32).Select(P), CancellationToken.None);
            Assert.Equal(new DeliveryReport(32, 31, 1), await t.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        var letter = DeadLetterFile.Parse(File.ReadAllLines(path).Single());
        Assert.Equal(bad, letter.Line);
        Assert.Equal(reason, letter.Reason);
        Assert.Equal(31, target.AcceptedDistinctLines);
        Assert.True(target.Bodies.Count <= 1 + (2 * 5), $"bisection took {target.Bodies.Count} requests");
    }

    [Fact]
    public async Task Whole_batch_refusal_dead_letters_every_line_without_splitting()
    {
        var time = new ManualTimeProvider();
        var target = new FakeTarget((_, _) => new WriteResult { Outcome = WriteOutcome.Rejected, StatusCode = 404, Error = "database not found: \"power\"" });
        var path = _dir.File("dead.txt");
        await using (var dead = new DeadLetterFile(path))
        {
            await using var batcher = new InfluxBatcher(target, Options(maxLines: 4), dead, time);
            var t = await batcher.EnqueueAsync([P(1), P(2), P(3), P(4)], CancellationToken.None);
            Assert.Equal(new DeliveryReport(4, 0, 4), await t.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Single(target.Bodies);
        var letters = File.ReadAllLines(path).Select(DeadLetterFile.Parse).ToList();
        Assert.Equal(4, letters.Count);
        Assert.All(letters, l => Assert.Equal(404, l.StatusCode));
        Assert.All(letters, l => Assert.Equal("database not found: \"power\"", l.Reason));
    }

    [Fact]
    public async Task Nothing_is_lost_across_retries()
    {
        var time = new ManualTimeProvider();
        // Every third request fails; retries must eventually deliver every line exactly as enqueued.
        var target = new FakeTarget((_, call) => call % 3 == 1 ? FakeTarget.Unavailable() : FakeTarget.Ok);
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, Options(maxLines: 70, flush: TimeSpan.FromSeconds(1)), dead, time);
        var tasks = new List<Task<DeliveryReport>>();
        for (var g = 0; g < 100; g++)
        {
            tasks.Add(await batcher.EnqueueAsync(Enumerable.Range(g * 10, 10).Select(P), CancellationToken.None));
        }

        var all = Task.WhenAll(tasks);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!all.IsCompleted)
        {
            await Task.Delay(1, cts.Token);
            time.Advance(TimeSpan.FromSeconds(10));
        }

        var reports = await all;
        Assert.All(reports, r => Assert.True(r.AllAccepted));
        Assert.Equal(1000, target.AcceptedDistinctLines);
        var s = batcher.Statistics;
        Assert.Equal(1000, s.LinesEnqueued);
        Assert.Equal(1000, s.LinesAccepted);
        Assert.Equal(0, s.LinesDeadLettered);
        Assert.True(s.RetryableFailures > 0);
        Assert.Equal(0, s.LinesHeld);
    }

    [Fact]
    public async Task Enqueue_waits_for_room_when_the_held_limit_is_reached()
    {
        var time = new ManualTimeProvider();
        var target = new FakeTarget((_, call) => call == 0 ? FakeTarget.Unavailable() : FakeTarget.Ok);
        var options = Options(maxLines: 2);
        options.MaxHeldLines = 2;
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, options, dead, time);
        var first = await batcher.EnqueueAsync([P(1), P(2)], CancellationToken.None);
        await target.WaitForCallsAsync(1);
        var second = batcher.EnqueueAsync([P(3)], CancellationToken.None).AsTask();
        await WaitForTimerAsync(time);
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        var secondDelivery = await second.WaitAsync(TimeSpan.FromSeconds(10));
        await batcher.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True((await secondDelivery).AllAccepted);
    }

    [Fact]
    public async Task Disposal_cancels_undelivered_lines_so_they_are_not_acknowledged()
    {
        var time = new ManualTimeProvider();
        var target = new FakeTarget((_, _) => FakeTarget.Unavailable());
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        var batcher = new InfluxBatcher(target, Options(maxLines: 1), dead, time);
        var t = await batcher.EnqueueAsync([P(1)], CancellationToken.None);
        await target.WaitForCallsAsync(1);
        await batcher.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await batcher.EnqueueAsync([P(2)], CancellationToken.None));
    }

    [Fact]
    public async Task Invalid_point_throws_at_enqueue_and_queues_nothing()
    {
        var target = new FakeTarget((_, _) => FakeTarget.Ok);
        await using var dead = new DeadLetterFile(_dir.File("dead.txt"));
        await using var batcher = new InfluxBatcher(target, Options(), dead, new ManualTimeProvider());
        await Assert.ThrowsAsync<LineProtocolException>(async () => await batcher.EnqueueAsync([P(1), new Point("empty")], CancellationToken.None));
        Assert.Equal(0, batcher.Statistics.LinesEnqueued);
    }

    [Fact]
    public void Batcher_options_validation_names_the_key()
    {
        var e = Assert.Throws<ArgumentException>(() => new InfluxBatcherOptions { MaxBatchLines = 0 }.Validate());
        Assert.Contains("Influx:Batch:MaxBatchLines", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new InfluxBatcherOptions { InitialRetryDelay = TimeSpan.FromMinutes(5) }.Validate());
        Assert.Contains("Influx:Batch:InitialRetryDelay", e.Message, StringComparison.Ordinal);
    }
}

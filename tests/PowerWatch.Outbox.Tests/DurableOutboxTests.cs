using PowerWatch.TestSupport;
using static PowerWatch.Outbox.Tests.OutboxTestKit;

namespace PowerWatch.Outbox.Tests;

public sealed class DurableOutboxTests
{
    [Fact]
    public async Task Appended_entries_are_read_in_order_with_their_metadata_and_leave_when_acknowledged()
    {
        using var dir = new TempDir("outbox");
        await using var outbox = await DurableOutbox.OpenAsync(Options(dir));
        var s1 = await outbox.AppendAsync("ups-a", Payload("one"), new OutboxMetadata("powerwatch/site/ups-a/telemetry", 1, false));
        var s2 = await outbox.AppendAsync("ups-b", Payload("two"));
        var s3 = await outbox.AppendAsync("ups-a", Payload("three"), new OutboxMetadata("powerwatch/site/ups-a/availability", 1, true));
        Assert.True(s1 < s2 && s2 < s3);
        Assert.Equal(3, outbox.PendingCount);

        var read = await DrainAsync(outbox);
        Assert.Equal([s1, s2, s3], read.Select(e => e.Sequence));
        Assert.Equal(["one", "two", "three"], read.Select(Text));
        Assert.Equal(["ups-a", "ups-b", "ups-a"], read.Select(e => e.Stream));
        Assert.Equal(new OutboxMetadata("powerwatch/site/ups-a/availability", 1, true), read[2].Metadata);
        Assert.Null(read[1].Metadata.Topic);
        Assert.Empty(await outbox.ReadPendingAsync(10));

        await outbox.AcknowledgeAsync([s1, s2, s3]);
        Assert.Equal(0, outbox.PendingCount);
        Assert.Equal(0, outbox.PendingBytes);
        Assert.Null(outbox.OldestPendingTimestamp);
    }

    [Fact]
    public async Task Entries_and_per_stream_order_survive_reopen()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir, segmentBytes: 4096);
        var appended = new List<(long Seq, string Stream, string Text)>();
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            for (var i = 0; i < 120; i++)
            {
                var stream = $"dev-{i % 3}";
                var text = $"{stream}#{i / 3}";
                appended.Add((await outbox.AppendAsync(stream, Payload(text)), stream, text));
            }
        }

        Assert.True(SegmentFiles(options).Length > 1, "the test needs several segments");
        await using var reopened = await DurableOutbox.OpenAsync(options);
        var read = await DrainAsync(reopened);
        Assert.Equal(appended.Select(a => (a.Seq, a.Stream, a.Text)), read.Select(e => (e.Sequence, e.Stream, Text(e))));
        Assert.Equal(appended.Count, reopened.PendingCount);
        Assert.Equal(0, reopened.Recovery.LostEntries);
        Assert.Empty(reopened.Recovery.CorruptRegions);
    }

    [Fact]
    public async Task Unacknowledged_entries_are_redelivered_after_reopen_and_acknowledged_ones_are_not()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir);
        var seqs = new List<long>();
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            for (var i = 0; i < 10; i++)
            {
                seqs.Add(await outbox.AppendAsync("gen-1", Payload($"m{i}")));
            }

            var handedOut = await outbox.ReadPendingAsync(6);
            Assert.Equal(seqs.Take(6), handedOut.Select(e => e.Sequence));
            await outbox.AcknowledgeAsync([seqs[0], seqs[2], seqs[4]]);
        }

        await using var reopened = await DurableOutbox.OpenAsync(options);
        var again = await DrainAsync(reopened);
        long[] expected = [seqs[1], seqs[3], .. seqs.Skip(5)];
        Assert.Equal(expected, again.Select(e => e.Sequence));
        Assert.Equal(expected.Length, reopened.PendingCount);
    }

    [Fact]
    public async Task Out_of_order_acknowledgements_retire_exactly_the_acknowledged_entries()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir);
        long last;
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            var seqs = new List<long>();
            for (var i = 0; i < 50; i++)
            {
                seqs.Add(await outbox.AppendAsync("ats", Payload($"m{i}")));
            }

            await DrainAsync(outbox);
            var evens = seqs.Where((_, i) => i % 2 == 0).Reverse().ToArray();
            await outbox.AcknowledgeAsync(evens);
            Assert.Equal(25, outbox.PendingCount);
            outbox.RewindReader();
            Assert.Equal(seqs.Where((_, i) => i % 2 == 1), (await DrainAsync(outbox)).Select(e => e.Sequence));

            foreach (var s in seqs.Where((_, i) => i % 2 == 1).OrderByDescending(s => s))
            {
                await outbox.AcknowledgeAsync(s);
            }

            await outbox.AcknowledgeAsync(seqs[3]); // duplicate acknowledgement: ignored
            await outbox.AcknowledgeAsync(10_000); // unknown sequence: ignored
            Assert.Equal(0, outbox.PendingCount);
            last = seqs[^1];
        }

        await using var reopened = await DurableOutbox.OpenAsync(options);
        Assert.Empty(await DrainAsync(reopened));
        Assert.Equal(last + 1, await reopened.AppendAsync("ats", Payload("next")));
    }

    [Fact]
    public async Task Fully_acknowledged_segments_are_deleted_and_partly_acknowledged_ones_kept()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir, segmentBytes: 4096);
        await using var outbox = await DurableOutbox.OpenAsync(options);
        for (var i = 0; i < 100; i++)
        {
            await outbox.AppendAsync("pdu-1", new byte[150]);
        }

        var files = SegmentFiles(options);
        Assert.True(files.Length >= 4, $"expected several segments, got {files.Length}");
        var firstOfSecond = long.Parse(Path.GetFileNameWithoutExtension(files[1]));
        var firstOfThird = long.Parse(Path.GetFileNameWithoutExtension(files[2]));

        // Acknowledge all of segment 2 and all but one entry of segment 1.
        var seqs = Enumerable.Range(2, (int)(firstOfThird - 2)).Select(i => (long)i).ToArray();
        await outbox.AcknowledgeAsync(seqs);
        var after = SegmentFiles(options);
        Assert.Contains(files[0], after);
        Assert.DoesNotContain(files[1], after);
        Assert.Equal(files.Length - 1, after.Length);
        Assert.Equal(files.Length - 1, outbox.SegmentCount);

        // The last entry of segment 1 completes it.
        await outbox.AcknowledgeAsync(1);
        Assert.DoesNotContain(files[0], SegmentFiles(options));
        Assert.True(firstOfSecond > 1);
        Assert.Equal(100 - (firstOfThird - 1), outbox.PendingCount);
    }

    [Fact]
    public async Task Sequences_are_never_reused_after_everything_was_acknowledged_and_deleted()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir, segmentBytes: 4096);
        long last = 0;
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            for (var i = 0; i < 60; i++)
            {
                last = await outbox.AppendAsync("m", new byte[200]);
            }

            await outbox.AcknowledgeAsync(Enumerable.Range(1, (int)last).Select(i => (long)i));
        }

        await using var reopened = await DurableOutbox.OpenAsync(options);
        Assert.Equal(0, reopened.PendingCount);
        Assert.Single(SegmentFiles(options));
        Assert.Equal(last + 1, await reopened.AppendAsync("m", new byte[1]));
    }

    [Fact]
    public async Task Torn_last_record_is_cut_off_on_open_for_every_cut_position()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir);
        var outbox = await DurableOutbox.OpenAsync(options);
        for (var i = 0; i < 5; i++)
        {
            await outbox.AppendAsync("ups-a", Payload($"kept-{i}"));
        }

        var segment = Assert.Single(SegmentFiles(options));
        var lastStart = new FileInfo(segment).Length;
        await outbox.AppendAsync("ups-a", Payload("torn"), new OutboxMetadata("t/ups-a", 1, false));
        var fullLength = new FileInfo(segment).Length;
        await outbox.AbandonAsync(); // like a kill: no final checkpoint, no flush

        for (var cut = lastStart; cut < fullLength; cut++)
        {
            using var copy = new TempDir("outbox-torn");
            var copyOptions = options with { Directory = copy.File("outbox") };
            CopyDirectory(options.Directory, copyOptions.Directory);
            var copiedSegment = Path.Combine(copyOptions.Directory, Path.GetFileName(segment));
            using (var f = new FileStream(copiedSegment, FileMode.Open))
            {
                f.SetLength(cut);
            }

            await using var reopened = await DurableOutbox.OpenAsync(copyOptions);
            Assert.Equal(cut - lastStart, reopened.Recovery.TruncatedBytes);
            Assert.Empty(reopened.Recovery.CorruptRegions);
            Assert.Equal(0, reopened.Recovery.LostEntries);
            var read = await DrainAsync(reopened);
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"kept-{i}"), read.Select(Text));
            Assert.Equal(lastStart, new FileInfo(copiedSegment).Length);

            // The torn entry was never durable, so its sequence is free; appending works on the repaired file.
            var seq = await reopened.AppendAsync("ups-a", Payload("after"));
            Assert.Equal(6, seq);
            Assert.Equal("after", Text(Assert.Single(await DrainAsync(reopened))));
        }
    }

    [Fact]
    public async Task Empty_last_segment_left_by_a_kill_during_roll_gets_its_header_back_and_loses_nothing()
    {
        // The on-disk state of a SIGKILL between creating a new segment file and writing its header (seen in the crash
        // test): the previous segment is complete and the newest segment file, named after the next sequence, is empty.
        using var dir = new TempDir("outbox");
        var options = Options(dir, fsync: FsyncMode.Always);
        var outbox = await DurableOutbox.OpenAsync(options);
        for (var i = 0; i < 2; i++)
        {
            await outbox.AppendAsync("ups-a", Payload($"before-{i}"));
        }

        await outbox.AbandonAsync();
        var empty = Path.Combine(options.Directory, "00000000000000000003.seg");
        await File.WriteAllBytesAsync(empty, []);

        await using (var reopened = await DurableOutbox.OpenAsync(options))
        {
            Assert.Equal(0, reopened.Recovery.LostEntries);
            Assert.Empty(reopened.Recovery.CorruptRegions);
            Assert.Equal(RecordCodec.SegmentHeaderSize, new FileInfo(empty).Length);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(3 + i, await reopened.AppendAsync("ups-a", Payload($"after-{i}")));
            }

            await reopened.AbandonAsync();
        }

        await using var third = await DurableOutbox.OpenAsync(options);
        Assert.Equal(0, third.Recovery.LostEntries);
        Assert.Empty(third.Recovery.CorruptRegions);
        Assert.Equal(0, third.LostCount);
        var read = await DrainAsync(third);
        Assert.Equal([1L, 2, 3, 4, 5], read.Select(e => e.Sequence));
        Assert.Equal(["before-0", "before-1", "after-0", "after-1", "after-2"], read.Select(Text));
    }

    [Fact]
    public async Task Garbage_after_the_last_record_is_cut_off_on_open()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir);
        var outbox = await DurableOutbox.OpenAsync(options);
        await outbox.AppendAsync("ups-a", Payload("kept"));
        await outbox.AbandonAsync();
        var segment = Assert.Single(SegmentFiles(options));
        var length = new FileInfo(segment).Length;
        await using (var f = new FileStream(segment, FileMode.Append))
        {
            await f.WriteAsync(new byte[4096]); // a crash can leave a zero-filled extension
        }

        await using var reopened = await DurableOutbox.OpenAsync(options);
        Assert.Equal(4096, reopened.Recovery.TruncatedBytes);
        Assert.Equal(["kept"], (await DrainAsync(reopened)).Select(Text));
        Assert.Equal(length, new FileInfo(segment).Length);
    }

    [Fact]
    public async Task Corrupted_record_in_the_middle_is_skipped_counted_and_reported()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir);
        var starts = new List<long>();
        string segment;
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            segment = Assert.Single(SegmentFiles(options));
            for (var i = 0; i < 5; i++)
            {
                starts.Add(new FileInfo(segment).Length);
                await outbox.AppendAsync("gen-1", Payload($"reading-{i}"));
            }
        }

        // Flip one byte inside the payload of the third record.
        var bytes = await File.ReadAllBytesAsync(segment);
        var third = (int)starts[2];
        bytes[(int)starts[3] - 6] ^= 0x40;
        await File.WriteAllBytesAsync(segment, bytes);

        await using (var reopened = await DurableOutbox.OpenAsync(options))
        {
            var region = Assert.Single(reopened.Recovery.CorruptRegions);
            Assert.Equal(Path.GetFileName(segment), region.File);
            Assert.Equal(third, region.Offset);
            Assert.Equal(starts[3] - starts[2], region.Length);
            Assert.Equal(1, reopened.Recovery.LostEntries);
            Assert.Equal(1, reopened.LostCount);
            Assert.Equal(0, reopened.Recovery.TruncatedBytes);
            var read = await DrainAsync(reopened);
            Assert.Equal(["reading-0", "reading-1", "reading-3", "reading-4"], read.Select(Text));
            Assert.Equal([1L, 2, 4, 5], read.Select(e => e.Sequence));
            Assert.Equal(4, reopened.PendingCount);
        }

        // The loss is counted once, not again at every open.
        await using var third2 = await DurableOutbox.OpenAsync(options);
        Assert.Equal(1, third2.LostCount);
        Assert.Equal(0, third2.Recovery.LostEntries);
        Assert.Equal(4, third2.PendingCount);
    }

    [Fact]
    public async Task Missing_segment_file_is_counted_as_lost()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir, segmentBytes: 4096);
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            for (var i = 0; i < 80; i++)
            {
                await outbox.AppendAsync("meter", new byte[150]);
            }
        }

        var files = SegmentFiles(options);
        Assert.True(files.Length >= 3);
        var missingFirst = long.Parse(Path.GetFileNameWithoutExtension(files[1]));
        var missingEnd = long.Parse(Path.GetFileNameWithoutExtension(files[2]));
        File.Delete(files[1]);

        await using var reopened = await DurableOutbox.OpenAsync(options);
        Assert.Equal(missingEnd - missingFirst, reopened.Recovery.LostEntries);
        Assert.Equal(missingEnd - missingFirst, reopened.LostCount);
        var read = await DrainAsync(reopened);
        Assert.Equal(80 - (missingEnd - missingFirst), read.Count);
        Assert.DoesNotContain(read, e => e.Sequence >= missingFirst && e.Sequence < missingEnd);
    }

    [Fact]
    public async Task Damaged_checkpoint_is_reported_and_entries_are_redelivered()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir);
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            await outbox.AppendAsync("a", Payload("x"));
            await outbox.AppendAsync("a", Payload("y"));
            await outbox.AcknowledgeAsync(1);
        }

        var checkpoint = Path.Combine(options.Directory, "checkpoint");
        var bytes = await File.ReadAllBytesAsync(checkpoint);
        bytes[10] ^= 0xFF;
        await File.WriteAllBytesAsync(checkpoint, bytes);

        await using var reopened = await DurableOutbox.OpenAsync(options);
        Assert.True(reopened.Recovery.CheckpointDamaged);
        Assert.Equal(["x", "y"], (await DrainAsync(reopened)).Select(Text)); // at-least-once: re-delivered, never lost
        Assert.Equal(3, await reopened.AppendAsync("a", Payload("z")));
    }

    [Fact]
    public async Task Quota_drops_whole_oldest_segments_counts_exactly_and_persists_the_count()
    {
        using var dir = new TempDir("outbox");
        const long segmentBytes = 4096;
        var options = Options(dir, segmentBytes: segmentBytes, maxBytes: 3 * segmentBytes);
        var recordSize = RecordCodec.GetRecordSize(3, 0, 200);
        var perSegment = (int)((segmentBytes - RecordCodec.SegmentHeaderSize) / recordSize);
        var events = new List<OutboxDroppedEventArgs>();
        const int total = 200;
        long dropped;
        List<long> pendingSeqs;
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            outbox.EntriesDropped += (_, e) => events.Add(e);
            for (var i = 0; i < 5; i++)
            {
                await outbox.AppendAsync("dev", new byte[200]);
            }

            await outbox.AcknowledgeAsync([1, 2, 3, 4, 5]); // acknowledged entries are not "dropped"
            for (var i = 5; i < total; i++)
            {
                await outbox.AppendAsync("dev", new byte[200]);
                Assert.True(outbox.DiskBytes <= options.MaxBytes, $"disk {outbox.DiskBytes} over quota after append {i}");
            }

            Assert.NotEmpty(events);
            Assert.Equal(perSegment - 5, events[0].Count);
            Assert.Equal(6, events[0].OldestSequence);
            Assert.Equal(perSegment, events[0].NewestSequence);
            for (var k = 1; k < events.Count; k++)
            {
                Assert.Equal(perSegment, events[k].Count);
                Assert.Equal(events[k - 1].NewestSequence + 1, events[k].OldestSequence);
                Assert.Equal(events[k].OldestSequence + perSegment - 1, events[k].NewestSequence);
            }

            dropped = events.Sum(e => e.Count);
            Assert.Equal(dropped, outbox.DroppedCount);
            Assert.Equal(dropped, events[^1].TotalDropped);
            Assert.Equal(total - 5 - dropped, outbox.PendingCount);
            pendingSeqs = (await DrainAsync(outbox)).Select(e => e.Sequence).ToList();
            Assert.Equal(Enumerable.Range((int)events[^1].NewestSequence + 1, (int)(total - events[^1].NewestSequence)).Select(i => (long)i), pendingSeqs);
        }

        await using var reopened = await DurableOutbox.OpenAsync(options);
        Assert.Equal(dropped, reopened.DroppedCount);
        Assert.Equal(0, reopened.LostCount);
        Assert.Equal(pendingSeqs, (await DrainAsync(reopened)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Late_acknowledgement_of_a_dropped_entry_changes_no_count()
    {
        using var dir = new TempDir("outbox");
        const long segmentBytes = 4096;
        await using var outbox = await DurableOutbox.OpenAsync(Options(dir, segmentBytes: segmentBytes, maxBytes: 2 * segmentBytes));
        await outbox.AppendAsync("dev", new byte[300]);
        var inFlight = Assert.Single(await outbox.ReadPendingAsync(1)); // handed to the publisher, not yet acknowledged
        while (outbox.DroppedCount == 0)
        {
            await outbox.AppendAsync("dev", new byte[300]);
        }

        var dropped = outbox.DroppedCount;
        var pending = outbox.PendingCount;
        await outbox.AcknowledgeAsync(inFlight.Sequence); // its PUBACK arrives after the quota dropped it
        Assert.Equal(dropped, outbox.DroppedCount);
        Assert.Equal(pending, outbox.PendingCount);
        var next = await outbox.ReadPendingAsync(1);
        Assert.True(Assert.Single(next).Sequence > dropped, "the reader resumes after the dropped segment");
    }

    [Fact]
    public async Task Concurrent_producers_get_distinct_sequences_and_keep_per_stream_order()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir, segmentBytes: 16 * 1024);
        const int producers = 8;
        const int each = 150;
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            var results = await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
            {
                var mine = new List<long>();
                for (var n = 0; n < each; n++)
                {
                    mine.Add(await outbox.AppendAsync($"dev-{p}", Payload($"{p}:{n}")));
                }

                return mine;
            })));
            var all = results.SelectMany(r => r).ToList();
            Assert.Equal(producers * each, all.Distinct().Count());
            Assert.Equal(Enumerable.Range(1, producers * each).Select(i => (long)i), all.Order());
        }

        await using var reopened = await DurableOutbox.OpenAsync(options);
        var read = await DrainAsync(reopened);
        Assert.Equal(producers * each, read.Count);
        foreach (var stream in read.GroupBy(e => e.Stream))
        {
            var p = stream.Key[4..];
            Assert.Equal(Enumerable.Range(0, each).Select(n => $"{p}:{n}"), stream.Select(Text));
        }
    }

    [Fact]
    public async Task A_second_instance_on_the_same_directory_is_refused()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir);
        await using (var outbox = await DurableOutbox.OpenAsync(options))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => DurableOutbox.OpenAsync(options));
        }

        await using var again = await DurableOutbox.OpenAsync(options);
        Assert.Equal(0, again.PendingCount);
    }

    [Fact]
    public async Task Rewind_hands_out_unacknowledged_entries_again()
    {
        using var dir = new TempDir("outbox");
        await using var outbox = await DurableOutbox.OpenAsync(Options(dir));
        for (var i = 0; i < 4; i++)
        {
            await outbox.AppendAsync("ups", Payload($"m{i}"));
        }

        Assert.Equal(4, (await DrainAsync(outbox)).Count);
        await outbox.AcknowledgeAsync(2);
        outbox.RewindReader();
        Assert.Equal([1L, 3, 4], (await DrainAsync(outbox)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Oldest_pending_timestamp_follows_acknowledgements()
    {
        using var dir = new TempDir("outbox");
        var clock = new ManualTimeProvider();
        await using var outbox = await DurableOutbox.OpenAsync(Options(dir, clock));
        var t0 = clock.GetUtcNow();
        var a = await outbox.AppendAsync("ups", Payload("a"));
        clock.Advance(TimeSpan.FromSeconds(5));
        var b = await outbox.AppendAsync("ups", Payload("b"));
        Assert.Equal(t0, outbox.OldestPendingTimestamp);
        await outbox.AcknowledgeAsync(a);
        Assert.Equal(t0 + TimeSpan.FromSeconds(5), outbox.OldestPendingTimestamp);
        var entry = Assert.Single(await DrainAsync(outbox));
        Assert.Equal(t0 + TimeSpan.FromSeconds(5), entry.Timestamp);
        await outbox.AcknowledgeAsync(b);
        Assert.Null(outbox.OldestPendingTimestamp);
    }

    [Fact]
    public async Task Acknowledgements_are_persisted_by_the_checkpoint_timer_on_the_injected_clock()
    {
        using var dir = new TempDir("outbox");
        var clock = new ManualTimeProvider();
        var options = Options(dir, clock) with { CheckpointInterval = TimeSpan.FromSeconds(10) };
        var outbox = await DurableOutbox.OpenAsync(options);
        for (var i = 0; i < 3; i++)
        {
            await outbox.AppendAsync("ats", Payload($"m{i}"));
        }

        await outbox.AcknowledgeAsync(1);
        clock.Advance(TimeSpan.FromSeconds(9));
        await outbox.AbandonAsync(); // crash before the interval: the acknowledgement is not yet durable

        outbox = await DurableOutbox.OpenAsync(options);
        Assert.Equal([1L, 2, 3], (await DrainAsync(outbox)).Select(e => e.Sequence)); // re-delivered (at-least-once)
        await outbox.AcknowledgeAsync([1, 2]);
        clock.Advance(TimeSpan.FromSeconds(10)); // the timer queues a checkpoint ahead of the next append
        await outbox.AppendAsync("ats", Payload("m3"));
        await outbox.AbandonAsync();

        await using var reopened = await DurableOutbox.OpenAsync(options);
        Assert.Equal([3L, 4], (await DrainAsync(reopened)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Zero_checkpoint_interval_persists_every_acknowledgement()
    {
        using var dir = new TempDir("outbox");
        var clock = new ManualTimeProvider();
        var options = Options(dir, clock) with { CheckpointInterval = TimeSpan.Zero };
        var outbox = await DurableOutbox.OpenAsync(options);
        Assert.Equal(0, clock.ActiveTimers);
        await outbox.AppendAsync("ats", Payload("a"));
        await outbox.AppendAsync("ats", Payload("b"));
        await outbox.AcknowledgeAsync(2);
        await outbox.AbandonAsync();

        await using var reopened = await DurableOutbox.OpenAsync(options);
        Assert.Equal([1L], (await DrainAsync(reopened)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Abandoned_outbox_with_fsync_keeps_every_completed_append()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir, segmentBytes: 4096, fsync: FsyncMode.Always);
        var outbox = await DurableOutbox.OpenAsync(options);
        var seqs = new List<long>();
        for (var i = 0; i < 40; i++)
        {
            seqs.Add(await outbox.AppendAsync($"dev-{i % 2}", Payload($"v{i}")));
        }

        await outbox.AbandonAsync();
        await using var reopened = await DurableOutbox.OpenAsync(options);
        var read = await DrainAsync(reopened);
        Assert.Equal(seqs, read.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"v{i}"), read.Select(Text));
        Assert.Equal(0, reopened.Recovery.TruncatedBytes);
    }

    [Fact]
    public async Task Batched_mode_appends_are_durable_after_flush()
    {
        using var dir = new TempDir("outbox");
        var clock = new ManualTimeProvider();
        var options = Options(dir, clock, fsync: FsyncMode.Batched) with { FsyncInterval = TimeSpan.FromMilliseconds(100), CheckpointInterval = TimeSpan.Zero };
        var outbox = await DurableOutbox.OpenAsync(options);
        Assert.Equal(1, clock.ActiveTimers); // the periodic fsync runs on the injected clock
        await outbox.AppendAsync("ups", Payload("a"));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await outbox.AppendAsync("ups", Payload("b"));
        await outbox.FlushAsync();
        await outbox.AbandonAsync();
        Assert.Equal(0, clock.ActiveTimers);

        await using var reopened = await DurableOutbox.OpenAsync(options);
        Assert.Equal(["a", "b"], (await DrainAsync(reopened)).Select(Text));
    }

    [Fact]
    public async Task Oversized_or_invalid_entries_are_rejected_without_consuming_a_sequence()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir, segmentBytes: 4096);
        await using var outbox = await DurableOutbox.OpenAsync(options);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => outbox.AppendAsync("ups", new byte[4096]));
        await Assert.ThrowsAsync<ArgumentException>(() => outbox.AppendAsync("", Payload("x")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => outbox.AppendAsync("ups", Payload("x"), new OutboxMetadata(null, 4, false)));
        Assert.Equal(1, await outbox.AppendAsync("ups", Payload("ok")));
    }

    [Fact]
    public async Task Reader_waits_for_entries_appended_later()
    {
        using var dir = new TempDir("outbox");
        await using var outbox = await DurableOutbox.OpenAsync(Options(dir));
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var reader = Task.Run(async () =>
        {
            var got = new List<string>();
            await foreach (var entry in outbox.ReadAllAsync(cancellationToken: guard.Token))
            {
                got.Add(Text(entry));
                if (got.Count == 3)
                {
                    return got;
                }
            }

            return got;
        });
        Assert.False(outbox.WaitForPendingAsync(CancellationToken.None).IsCompleted); // nothing to read yet
        Assert.False(reader.IsCompleted);
        await outbox.AppendAsync("ups", Payload("1"));
        await outbox.AppendAsync("ups", Payload("2"));
        await outbox.AppendAsync("ups", Payload("3"));
        Assert.Equal(["1", "2", "3"], await reader);
    }

    [Fact]
    public async Task Concurrent_appends_with_fsync_share_group_commits()
    {
        using var dir = new TempDir("outbox");
        await using var outbox = await DurableOutbox.OpenAsync(Options(dir, fsync: FsyncMode.Always));
        var appends = Enumerable.Range(0, 32).Select(i => outbox.AppendAsync($"dev-{i}", Payload("x"))).ToArray();
        var seqs = await Task.WhenAll(appends);
        Assert.Equal(Enumerable.Range(1, 32).Select(i => (long)i), seqs.Order());
        Assert.InRange(outbox.FsyncCount, 1, 31);
    }

    [Fact]
    public async Task Record_damaged_after_open_is_skipped_and_counted_when_read()
    {
        using var dir = new TempDir("outbox");
        var options = Options(dir);
        await using var outbox = await DurableOutbox.OpenAsync(options);
        var segment = Assert.Single(SegmentFiles(options));
        await outbox.AppendAsync("ups", Payload("first"));
        var secondStart = new FileInfo(segment).Length;
        await outbox.AppendAsync("ups", Payload("second"));
        await outbox.AppendAsync("ups", Payload("third"));
        using (var f = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            f.Position = secondStart + 20;
            var b = f.ReadByte();
            f.Position = secondStart + 20;
            f.WriteByte((byte)(b ^ 0xFF));
        }

        Assert.Equal(["first", "third"], (await DrainAsync(outbox)).Select(Text));
        Assert.Equal(1, outbox.LostCount);
        Assert.Equal(2, outbox.PendingCount);
    }

    [Fact]
    public async Task Disposed_outbox_refuses_appends()
    {
        using var dir = new TempDir("outbox");
        var outbox = await DurableOutbox.OpenAsync(Options(dir));
        await outbox.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => outbox.AppendAsync("ups", Payload("x")));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}

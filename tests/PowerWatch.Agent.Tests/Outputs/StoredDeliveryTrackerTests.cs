using System.Text;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>The agent's bookkeeping of sent-but-unconfirmed telemetry (Delivery = stored), on a manual clock.</summary>
public sealed class StoredDeliveryTrackerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string Run = "run-1";

    private static StoredAck Ack(string device, string run, params (long From, long To)[] ranges) =>
        new(device, run, [.. ranges.Select(r => new SeqRange(r.From, r.To))]);

    [Fact]
    public void A_confirmation_releases_exactly_the_entries_it_covers()
    {
        var time = new ManualTimeProvider();
        var t = new StoredDeliveryTracker(Timeout, time);
        for (var seq = 1; seq <= 10; seq++)
        {
            t.Sent(100 + seq, new TelemetryKey("ups-a", Run, seq));
            t.Sent(200 + seq, new TelemetryKey("ups-b", Run, seq));
        }

        Assert.Equal([101, 102, 103, 105], t.Confirm(Ack("ups-a", Run, (1, 3), (5, 5))).Order());
        Assert.Equal(16, t.Count);
        Assert.Equal(4, t.Confirmed);

        // Duplicated confirmations (two ingest instances, redeliveries) release nothing more.
        Assert.Empty(t.Confirm(Ack("ups-a", Run, (1, 3))));
        Assert.Equal(16, t.Count);
    }

    [Fact]
    public void A_confirmation_for_another_run_or_device_releases_nothing()
    {
        var t = new StoredDeliveryTracker(Timeout, new ManualTimeProvider());
        t.Sent(1, new TelemetryKey("ups-a", Run, 1));
        Assert.Empty(t.Confirm(Ack("ups-a", "run-0", (1, 1))));
        Assert.Empty(t.Confirm(Ack("ups-b", Run, (1, 1))));
        Assert.Equal([1L], t.Confirm(Ack("ups-a", Run, (1, 1_000_000))));
        Assert.Equal(0, t.Count);
    }

    [Fact]
    public void A_confirmation_that_overtakes_the_resend_still_matches_the_refreshed_entry()
    {
        var t = new StoredDeliveryTracker(Timeout, new ManualTimeProvider());
        t.Sent(7, new TelemetryKey("ups-a", Run, 3));
        t.Sent(7, new TelemetryKey("ups-a", Run, 3));
        Assert.Equal(1, t.Count);
        Assert.Equal([7L], t.Confirm(Ack("ups-a", Run, (3, 3))));
    }

    [Fact]
    public void Replay_is_due_once_nothing_was_confirmed_for_the_timeout_and_the_timeout_doubles_up_to_eight_times()
    {
        var time = new ManualTimeProvider();
        var t = new StoredDeliveryTracker(Timeout, time);
        Assert.False(t.ReplayDue());
        t.Sent(1, new TelemetryKey("ups-a", Run, 1));
        time.Advance(Timeout - TimeSpan.FromSeconds(1));
        Assert.False(t.ReplayDue());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(t.ReplayDue());

        var expected = new[] { 2, 4, 8, 8, 8 };
        foreach (var factor in expected)
        {
            Assert.Equal(1, t.BeginReplay());
            Assert.Equal(Timeout * factor, t.CurrentTimeout);
            Assert.Equal(0, t.Count);
            t.Sent(1, new TelemetryKey("ups-a", Run, 1));
            time.Advance((Timeout * factor) - TimeSpan.FromSeconds(1));
            Assert.False(t.ReplayDue());
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(t.ReplayDue());
        }

        Assert.Equal(expected.Length, t.Replays);

        // Progress resets the back-off.
        Assert.Single(t.Confirm(Ack("ups-a", Run, (1, 1))));
        Assert.Equal(Timeout, t.CurrentTimeout);
        Assert.False(t.ReplayDue());
    }

    [Fact]
    public void Confirmations_of_other_entries_defer_the_replay_until_an_entry_has_waited_four_timeouts()
    {
        var time = new ManualTimeProvider();
        var t = new StoredDeliveryTracker(Timeout, time);
        t.Sent(1, new TelemetryKey("ups-a", Run, 1)); // its confirmation is lost
        long seq = 2;
        for (var elapsed = TimeSpan.Zero; elapsed < Timeout * StoredDeliveryTracker.StuckFactor; elapsed += TimeSpan.FromSeconds(5))
        {
            Assert.False(t.ReplayDue(), $"replay due at {elapsed} although confirmations keep arriving");
            t.Sent(seq, new TelemetryKey("ups-a", Run, seq));
            time.Advance(TimeSpan.FromSeconds(5));
            Assert.Single(t.Confirm(Ack("ups-a", Run, (seq, seq))));
            seq++;
        }

        Assert.True(t.ReplayDue());
    }

    [Fact]
    public void A_reconnect_replays_without_backing_off_and_forgotten_entries_are_no_longer_waited_for()
    {
        var time = new ManualTimeProvider();
        var t = new StoredDeliveryTracker(Timeout, time);
        for (var i = 1; i <= 5; i++)
        {
            t.Sent(i, new TelemetryKey("ups-a", Run, i));
        }

        t.Forget(1, 3); // dropped by the outbox quota
        Assert.Equal(2, t.Count);
        Assert.Empty(t.Confirm(Ack("ups-a", Run, (1, 3))));
        Assert.Equal(2, t.BeginReplay(backOff: false));
        Assert.Equal(Timeout, t.CurrentTimeout);
        Assert.Equal(0, t.Replays);
    }

    [Fact]
    public async Task A_sender_waiting_for_room_wakes_on_a_confirmation()
    {
        var t = new StoredDeliveryTracker(Timeout, new ManualTimeProvider());
        t.Sent(1, new TelemetryKey("ups-a", Run, 1));
        var changed = t.Changed();
        Assert.False(changed.IsCompleted);
        t.Confirm(Ack("ups-a", Run, (1, 1)));
        await changed.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("""{"ts":"2026-11-21T06:52:58.123Z","seq":42,"run":"abc","device":"ups-a","kind":"ups","metrics":{"a":1,"b":{"c":[1,2]}}}""", true)]
    [InlineData("""{"metrics":{"seq":1,"run":"x","device":"y"},"device":"ups-a","run":"abc","seq":42}""", true)]
    [InlineData("""{"ts":"2026-11-21T06:52:58.123Z","seq":42,"device":"ups-a","kind":"ups","metrics":{}}""", false)]
    [InlineData("""{"seq":"42","run":"abc","device":"ups-a"}""", false)]
    [InlineData("""not json""", false)]
    [InlineData("""[1,2]""", false)]
    public void The_telemetry_key_is_read_from_top_level_device_run_and_seq(string payload, bool readable)
    {
        Assert.Equal(readable, StoredAck.TryReadTelemetryKey(Encoding.UTF8.GetBytes(payload), out var key));
        if (readable)
        {
            Assert.Equal(new TelemetryKey("ups-a", "abc", 42), key);
        }
    }

    [Theory]
    [InlineData("""{"device":"ups-a","run":"r","seqs":[[3,1]]}""")]
    [InlineData("""{"device":"ups-a","run":"r","seqs":[[1]]}""")]
    [InlineData("""{"device":"ups-a","run":"r","seqs":[[-1,2]]}""")]
    [InlineData("""{"device":"","run":"r","seqs":[]}""")]
    [InlineData("""{"run":"r","seqs":[]}""")]
    [InlineData("""{"device":"ups-a","run":"r","seqs":{}}""")]
    [InlineData("""garbage""")]
    public void Malformed_stored_confirmations_are_refused(string payload) =>
        Assert.False(StoredAck.TryDecode(Encoding.UTF8.GetBytes(payload), out _));

    [Fact]
    public void Seqs_become_sorted_merged_ranges()
    {
        Assert.Equal([new SeqRange(1, 3), new SeqRange(5, 5), new SeqRange(7, 8)], StoredAck.ToRanges([8, 2, 1, 3, 5, 7, 2]));
        Assert.Empty(StoredAck.ToRanges([]));
    }
}

using PowerWatch.Agent.Ingest;
using PowerWatch.Agent.Outputs.Mqtt;

namespace PowerWatch.Agent.Tests.Ingest;

/// <summary>Ingest's loss detector on explicit times: gaps are reported only after the grace period.</summary>
public sealed class GapTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    private static void Store(GapTracker t, DateTimeOffset at, long from, long to, string run = "r1", string device = "ups-a") =>
        t.Stored("dc1", device, run, new SeqRange(from, to), at);

    [Fact]
    public void Duplicates_and_out_of_order_arrivals_within_the_grace_period_report_nothing()
    {
        var t = new GapTracker(Grace, T0);
        Store(t, T0, 1, 5);
        Store(t, T0.AddSeconds(1), 9, 12);
        Store(t, T0.AddSeconds(2), 3, 5);
        Store(t, T0.AddMinutes(9), 6, 8);
        Assert.Empty(t.Collect(T0.AddMinutes(30)));
    }

    [Fact]
    public void A_gap_still_open_after_the_grace_period_is_reported_once_and_a_late_fill_is_counted()
    {
        var t = new GapTracker(Grace, T0);
        Store(t, T0, 1, 7);
        Store(t, T0.AddSeconds(1), 15, 20);
        Assert.Empty(t.Collect(T0.AddSeconds(1) + Grace - TimeSpan.FromSeconds(1)));
        var gap = Assert.Single(t.Collect(T0.AddSeconds(1) + Grace));
        Assert.Equal(("dc1", "ups-a", "r1", 8L, 14L, 7L), (gap.Site, gap.Device, gap.Run, gap.From, gap.To, gap.Count));
        Assert.Empty(t.Collect(T0.AddHours(1)));

        Store(t, T0.AddHours(1), 8, 9);
        Assert.Equal(2, t.LateFills);
        Store(t, T0.AddHours(1), 8, 9);
        Assert.Equal(2, t.LateFills);
    }

    [Fact]
    public void A_second_gap_gets_its_own_grace_period()
    {
        var t = new GapTracker(Grace, T0);
        Store(t, T0, 1, 1);
        Store(t, T0, 3, 3);                      // gap 2 opens at T0
        Store(t, T0.AddMinutes(9), 5, 5);        // gap 4 opens at T0 + 9 min
        Assert.Equal([(2L, 2L)], t.Collect(T0.AddMinutes(10)).Select(g => (g.From, g.To)));
        Assert.Empty(t.Collect(T0.AddMinutes(15)));
        Assert.Equal([(4L, 4L)], t.Collect(T0.AddMinutes(20)).Select(g => (g.From, g.To)));
    }

    [Fact]
    public void Runs_and_devices_are_followed_separately()
    {
        var t = new GapTracker(Grace, T0);
        Store(t, T0, 1, 3, run: "r1");
        Store(t, T0, 1, 2, run: "r2");
        Store(t, T0, 1, 1, device: "ups-b");
        Store(t, T0, 3, 3, device: "ups-b");
        Assert.Equal([("ups-b", 2L)], t.Collect(T0 + Grace).Select(g => (g.Device, g.From)));
        Assert.Equal(3, t.Streams);
    }

    [Fact]
    public void A_stream_first_seen_at_start_is_followed_from_its_first_seq_but_one_appearing_later_must_start_at_1()
    {
        var t = new GapTracker(Grace, T0);
        Store(t, T0.AddMinutes(1), 500, 510, run: "old");       // ingest (re)started mid-run: nothing before 500 is judged
        Store(t, T0.AddMinutes(11), 5, 6, run: "new");          // a run that began while ingest was watching
        var gaps = t.Collect(T0.AddMinutes(21));
        Assert.Equal([("new", 1L, 4L)], gaps.Select(g => (g.Run, g.From, g.To)));
    }

    [Fact]
    public void A_confirmation_claiming_an_enormous_range_is_refused_without_following_it()
    {
        var t = new GapTracker(Grace, T0);
        Store(t, T0, 1, 5);
        Store(t, T0.AddSeconds(1), 6, long.MaxValue);
        Store(t, T0.AddSeconds(1), 0, GapTracker.MaxAhead);
        Assert.Equal(2, t.Refused);
        Store(t, T0.AddSeconds(2), 6, 8);
        Assert.Empty(t.Collect(T0.AddHours(1)));
    }

    [Fact]
    public void A_seq_far_ahead_reports_what_it_skipped_at_once_and_the_stream_goes_on_from_it()
    {
        var t = new GapTracker(Grace, T0);
        Store(t, T0, 1, 5);
        var far = 5 + GapTracker.MaxAhead + 10;
        Store(t, T0.AddSeconds(1), far, far + 2);
        var gap = Assert.Single(t.Collect(T0.AddSeconds(1)));
        Assert.Equal((6L, far - 1), (gap.From, gap.To));

        Store(t, T0.AddSeconds(2), far + 3, far + 4);
        Assert.Empty(t.Collect(T0.AddHours(1)));
        Assert.Equal(0, t.Refused);
    }

    [Fact]
    public void A_seq_far_ahead_while_a_gap_is_waiting_is_refused_and_the_waiting_gap_still_reported()
    {
        var t = new GapTracker(Grace, T0);
        Store(t, T0, 1, 5);
        Store(t, T0, 8, 9);
        Store(t, T0.AddSeconds(1), 9 + GapTracker.MaxAhead, 9 + GapTracker.MaxAhead);
        Assert.Equal(1, t.Refused);
        var gap = Assert.Single(t.Collect(T0 + Grace));
        Assert.Equal((6L, 7L), (gap.From, gap.To));
    }

    [Fact]
    public void Streams_are_bounded_and_the_least_recently_active_is_forgotten_first()
    {
        var t = new GapTracker(Grace, T0);
        for (var i = 0; i < GapTracker.MaxStreams; i++)
        {
            Store(t, T0.AddMilliseconds(i), 1, 1, run: "r" + i);
        }

        Store(t, T0.AddMinutes(1), 2, 2, run: "r0");
        Store(t, T0.AddMinutes(2), 1, 1, run: "new");
        Assert.Equal(GapTracker.MaxStreams, t.Streams);
        Assert.Equal(1, t.Forgotten);

        // r1 was forgotten (r0 had been active since): its next seq starts a new stream without a false gap report.
        Store(t, T0.AddMinutes(3), 2, 2, run: "r1");
        Assert.Equal(2, t.Forgotten);
        Assert.Empty(t.Collect(T0.AddMinutes(3)));
    }
}

namespace PowerWatch.Agent.Tests.Acceptance;

public sealed class AlertTimelineTests
{
    private static readonly AlertTimelineFile Expected = AlertTimelineFile.Parse("""
        raised utility-lost:ats warning cause none
        raised ups-on-battery:ups warning cause utility-lost:ats
        """, "t.alerts");

    private static TimelineEntry Raised(double seconds, string id, string? cause)
    {
        var (rule, device) = (id[..id.IndexOf(':', StringComparison.Ordinal)], id[(id.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        return new TimelineEntry(TimeSpan.FromSeconds(seconds), "raised", rule, device, "warning", cause, "");
    }

    [Fact]
    public void Consequence_raised_in_the_same_instant_as_its_cause_but_evaluated_first_matches()
    {
        Assert.Empty(Expected.Check([Raised(14, "ups-on-battery:ups", null), Raised(14, "utility-lost:ats", null)]));
        Assert.Empty(Expected.Check([Raised(14, "utility-lost:ats", null), Raised(14, "ups-on-battery:ups", "utility-lost:ats")]));
    }

    [Fact]
    public void Consequence_without_its_cause_when_the_cause_came_later_does_not_match()
    {
        var problems = Expected.Check([Raised(14, "ups-on-battery:ups", null), Raised(20, "utility-lost:ats", null)]);
        Assert.NotEmpty(problems);
        problems = Expected.Check([Raised(14, "utility-lost:ats", null), Raised(14, "ups-on-battery:ups", "generator-failed:generator")]);
        Assert.NotEmpty(problems);
    }

    [Fact]
    public void Verdicts_that_flicker_for_less_than_the_settle_time_are_not_recorded_and_repeats_merge()
    {
        static (TimeSpan, string, string) V(double s, string v) => (TimeSpan.FromSeconds(s), v, "");
        var settled = AcceptanceRun.SettledVerdicts([V(0, "unknown"), V(1, "normal"), V(12, "on-battery"), V(19, "normal"), V(30, "on-battery"), V(32, "normal"), V(63, "critical")], TimeSpan.FromSeconds(1));
        Assert.Equal(["1 normal", "12 on-battery", "19 normal", "63 critical"], settled.Select(e => $"{e.At.TotalSeconds} {e.Rule}"));

        // With 5 s polls one evaluation lasts 5 s: a verdict must outlast two of them.
        settled = AcceptanceRun.SettledVerdicts([V(5, "normal"), V(20, "on-battery"), V(25, "normal"), V(100, "critical")], TimeSpan.FromSeconds(5));
        Assert.Equal(["5 normal", "100 critical"], settled.Select(e => $"{e.At.TotalSeconds} {e.Rule}"));
    }
}

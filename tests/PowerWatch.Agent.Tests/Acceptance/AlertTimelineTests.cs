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
}

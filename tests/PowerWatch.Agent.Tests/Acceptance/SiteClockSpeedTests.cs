using Xunit.Abstractions;

namespace PowerWatch.Agent.Tests.Acceptance;

/// <summary>
/// One clock in the demo: the agent runs on the simulated site's clock, so the same scenario gives the same alerts in
/// the same order whatever the speed, and the readings keep advancing at 1000×. High speeds only, to keep CI short
/// (1× and 10× give the same order: see simulators/README.md "One clock").
/// </summary>
public sealed class SiteClockSpeedTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Same_scenario_gives_the_same_alert_order_at_100x_and_1000x()
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var runs = new List<AcceptanceResult>();
        foreach (var speed in new double[] { 1000, 100 })
        {
            var run = await AcceptanceRun.RunAsync("generator-fails-to-start", speed, null, patience.Token);
            output.WriteLine(run.Render());
            runs.Add(run);
        }

        // The same transitions in the same order (up to ties within two seconds: two devices read in the same second).
        var expected = AlertTimelineFile.FromTimeline("1000x", runs[0].Timeline);
        Assert.NotEmpty(expected.Sequence);
        var problems = expected.Check(runs[1].Timeline);
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // At the same site instants, within a couple of polls.
        static IEnumerable<TimelineEntry> ByKey(AcceptanceResult r) => r.Timeline.OrderBy(e => e.Kind, StringComparer.Ordinal).ThenBy(e => e.Id, StringComparer.Ordinal).ThenBy(e => e.At);
        foreach (var (fast, slow) in ByKey(runs[0]).Zip(ByKey(runs[1])))
        {
            Assert.True(Math.Abs((fast.At - slow.At).TotalSeconds) <= 3, $"{fast.ToLine()} vs {slow.ToLine()}");
        }
    }
}

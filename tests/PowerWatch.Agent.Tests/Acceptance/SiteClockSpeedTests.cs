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
        // POWERWATCH_SPEEDS="1000,100,10,1" (and POWERWATCH_SPEED_SCENARIO) compare more speeds by hand: 1x takes the
        // scenario's own duration.
        var speeds = (Environment.GetEnvironmentVariable("POWERWATCH_SPEEDS") ?? "1000,100")
            .Split(',').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var scenario = Environment.GetEnvironmentVariable("POWERWATCH_SPEED_SCENARIO") ?? "generator-fails-to-start";
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(5) + TimeSpan.FromHours(speeds.Min() < 10 ? 1 : 0));
        var runs = new List<AcceptanceResult>();
        foreach (var speed in speeds)
        {
            var run = await AcceptanceRun.RunAsync(scenario, speed, null, patience.Token);
            output.WriteLine(run.Render());
            runs.Add(run);
        }

        // The same transitions in the same order (up to ties within two seconds: two devices read in the same second).
        var expected = AlertTimelineFile.FromTimeline($"{speeds[0]}x", runs[0].Timeline);
        Assert.NotEmpty(expected.Sequence);
        static IEnumerable<TimelineEntry> ByKey(AcceptanceResult r) => r.Timeline.OrderBy(e => e.Kind, StringComparer.Ordinal).ThenBy(e => e.Id, StringComparer.Ordinal).ThenBy(e => e.At);
        foreach (var other in runs.Skip(1))
        {
            var problems = expected.Check(other.Timeline);
            Assert.True(problems.Count == 0, $"{other.Speed}x: " + string.Join("\n", problems));

            // At the same site instants, within a couple of polls.
            foreach (var (fast, slow) in ByKey(runs[0]).Zip(ByKey(other)))
            {
                Assert.True(Math.Abs((fast.At - slow.At).TotalSeconds) <= 3, $"{fast.ToLine()} vs {slow.ToLine()} at {other.Speed}x");
            }
        }
    }
}

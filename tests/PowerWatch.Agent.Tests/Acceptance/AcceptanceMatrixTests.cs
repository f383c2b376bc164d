using Xunit.Abstractions;

namespace PowerWatch.Agent.Tests.Acceptance;

/// <summary>
/// The acceptance matrix: every shipped scenario (simulators/scenarios/NAME.scn) run end to end through the real agent
/// on the simulated site's clock and checked against its expected alert timeline (NAME.alerts). On a failure the
/// message carries the actual timeline in the file's own syntax, so an intended change is a paste.
/// </summary>
public sealed class AcceptanceMatrixTests(ITestOutputHelper output)
{
    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var name in ScenarioNames())
        {
            data.Add(name);
        }

        return data;
    }

    private static IEnumerable<string> ScenarioNames() =>
        Directory.EnumerateFiles(AcceptanceRun.ScenarioDirectory, "*.scn").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);

    [Fact]
    public void Every_shipped_scenario_has_an_expected_alert_timeline()
    {
        var missing = ScenarioNames().Where(name => !File.Exists(AlertsFile(name))).ToList();
        Assert.True(missing.Count == 0, "scenarios without a .alerts file: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario_raises_the_expected_alerts_in_order_through_the_real_agent(string scenario)
    {
        var expected = AlertTimelineFile.Load(AlertsFile(scenario));
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var result = await AcceptanceRun.RunAsync(scenario, expected.Speed, expected.PollInterval, patience.Token);
        var rendered = result.Render();
        output.WriteLine(rendered);

        var problems = expected.Check(result.Timeline);
        Assert.True(problems.Count == 0, $"{string.Join("\n", problems)}\n--- actual timeline ({Path.GetFileName(AlertsFile(scenario))} syntax):\n{rendered}");
    }

    private static string AlertsFile(string scenario) => Path.Combine(AcceptanceRun.ScenarioDirectory, scenario + ".alerts");
}

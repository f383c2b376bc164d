using System.Globalization;
using System.Text.Json;
using PowerWatch.Agent.Tests.Acceptance;
using PowerWatch.TestSupport;
using Xunit.Abstractions;

namespace PowerWatch.Agent.Tests.Browser;

/// <summary>
/// The outage the product exists for, seen the way the operator sees it: the shipped scenario "generator fails to
/// start" runs on the simulated site (real Modbus TCP) with the real agent and its real status API; the site clock is
/// held twice — mid-outage with the generator failed, and after the battery ran out — while headless Chromium loads
/// the status page. Screenshots: artifacts/screenshots/status-real-agent-mid-outage*-150s.png and -720s.png.
/// </summary>
public sealed class StatusPageOutageBrowserTests(ITestOutputHelper output)
{
    private static string S(JsonElement e, string name) => e.GetProperty(name).GetString() ?? "";

    private static JsonElement Box(JsonElement phase, string device) =>
        phase.GetProperty("boxes").EnumerateArray().Single(b => S(b, "device") == device);

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Mid_outage_the_real_agent_page_says_critical_counts_down_and_puts_the_failed_generator_first()
    {
        var seen = new Dictionary<TimeSpan, JsonElement>();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var midOutage = TimeSpan.FromSeconds(150);
        var afterLoadLost = TimeSpan.FromSeconds(720);
        var run = await AcceptanceRun.RunAsync("generator-fails-to-start", 100, null, patience.Token, new AcceptancePause(
            [midOutage, afterLoadLost],
            async (at, url) =>
            {
                var phase = (await PageDriver.RunAsync("outage", url)).GetProperty("phases").GetProperty("outage");
                seen[at] = phase;

                // One pair of screenshots per pause: status-real-agent-mid-outage[-full]-150s.png, …-720s.png.
                foreach (var shot in new[] { S(phase, "screenshot"), S(phase, "fullScreenshot") })
                {
                    File.Move(shot, string.Create(CultureInfo.InvariantCulture, $"{Path.ChangeExtension(shot, null)}-{at.TotalSeconds:0}s.png"), overwrite: true);
                }
            }));
        output.WriteLine(run.Render());

        // 150 s: the utility went at 11 s, the generator failed to start at 62 s; the battery carries the load.
        var mid = seen[midOutage];
        output.WriteLine(mid.GetRawText());
        Assert.Equal("critical", S(mid, "verdict"));
        Assert.Contains("generator", S(mid, "cause"), StringComparison.OrdinalIgnoreCase);
        Assert.True(mid.GetProperty("countdownVisible").GetBoolean(), "the countdown is not visible mid-outage");
        var seconds = mid.GetProperty("countdownSeconds").GetDouble();
        Assert.InRange(seconds, 300, 620);
        Assert.Equal("crit", S(Box(mid, "generator"), "state"));
        Assert.Contains("FAILED", S(Box(mid, "generator"), "text"), StringComparison.Ordinal);
        Assert.Equal("warn", S(Box(mid, "ups"), "state"));
        Assert.Contains("ON BATTERY", S(Box(mid, "ups"), "text"), StringComparison.Ordinal);
        Assert.Contains("LOST", S(Box(mid, "utility"), "text"), StringComparison.Ordinal);

        // Root cause first: the generator's failure heads the list, everything it explains is folded under it.
        var groups = mid.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal("generator-failed-to-start:generator", S(groups[0], "root"));
        Assert.True(groups[0].GetProperty("count").GetInt32() >= 4, groups[0].GetRawText());
        Assert.InRange(groups.Count, 1, 3);
        Assert.False(mid.GetProperty("horizontalOverflow").GetBoolean());

        // 720 s: the battery ran out at about 685 s; the load is lost and the page says so, with no countdown.
        var lost = seen[afterLoadLost];
        output.WriteLine(lost.GetRawText());
        Assert.Equal("load-lost", S(lost, "verdict"));
        Assert.Contains("OUTPUT OFF", S(Box(lost, "ups"), "text"), StringComparison.Ordinal);
        Assert.Equal("crit", S(Box(lost, "ups"), "state"));
        Assert.Contains(lost.GetProperty("groups").EnumerateArray(), g => S(g, "root") == "load-lost:ups");
        Assert.Equal("(load lost)", S(lost, "countdownAtText"));
    }
}

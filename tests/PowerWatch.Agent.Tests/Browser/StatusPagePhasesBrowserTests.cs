using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Browser;

/// <summary>
/// The status page (the real page, served by <see cref="FakeStatusApi"/> with the API contract's JSON) walked by
/// headless Chromium through the outage "generator fails to start": normal → utility lost, on battery (countdown) →
/// generator slow (at risk) → generator failed (critical) → load lost, then the UPS going silent (unknown) and an agent without the verdict fields
/// (legacy). One browser run, one report; each test below checks one promise of the page. Screenshots of every phase
/// are saved under artifacts/screenshots.
/// </summary>
public sealed partial class StatusPagePhasesBrowserTests : IClassFixture<StatusPagePhasesBrowserTests.Walk>
{
    private readonly Walk _walk;

    public StatusPagePhasesBrowserTests(Walk walk)
    {
        _walk = walk;
    }

    /// <summary>Runs the browser once for all the tests of the class (a peer test: chromium, node, playwright-core).</summary>
    public sealed class Walk : IAsyncLifetime
    {
        private readonly Lazy<Task<(JsonElement Report, List<(string Path, IReadOnlyDictionary<string, string> Query, string? Header, DateTimeOffset At)> Writes)>> _run;

        public Walk()
        {
            _run = new(async () =>
            {
                await using var api = await FakeStatusApi.StartAsync();
                var report = await PageDriver.RunAsync("phases", api.Url);
                return (report, api.Writes.ToList());
            });
        }

        public async Task<JsonElement> ReportAsync() => (await _run.Value).Report;

        public async Task<List<(string Path, IReadOnlyDictionary<string, string> Query, string? Header, DateTimeOffset At)>> WritesAsync() => (await _run.Value).Writes;

        public Task InitializeAsync() => Task.CompletedTask;

        public Task DisposeAsync() => Task.CompletedTask;
    }

    private async Task<JsonElement> PhaseAsync(string phase) => (await _walk.ReportAsync()).GetProperty("phases").GetProperty(phase);

    private static string S(JsonElement e, string name) => e.GetProperty(name).GetString() ?? "";

    private static JsonElement Box(JsonElement phase, string device) =>
        phase.GetProperty("boxes").EnumerateArray().Single(b => S(b, "device") == device);

    private static List<JsonElement> Groups(JsonElement phase) => [.. phase.GetProperty("groups").EnumerateArray()];

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Banner_shows_each_verdict_as_text_in_its_own_colour()
    {
        var expected = new (string Phase, string Verdict, string Text, string Background)[]
        {
            ("normal", "normal", "NORMAL", "rgb(71, 71, 71)"),
            ("on-battery", "on-battery", "▲ ON BATTERY", "rgb(255, 193, 7)"),
            ("at-risk", "at-risk", "▲ AT RISK", "rgb(255, 122, 26)"),
            ("critical", "critical", "◆ CRITICAL", "rgb(211, 47, 47)"),
            ("load-lost", "load-lost", "■ LOAD LOST", "rgb(0, 0, 0)"),
        };
        foreach (var (phase, verdict, text, background) in expected)
        {
            var p = await PhaseAsync(phase);
            Assert.Equal(verdict, S(p, "verdict"));
            Assert.Contains(text, S(p, "verdictText"), StringComparison.Ordinal);
            Assert.Equal(background, S(p, "bannerBackground"));
        }

        var critical = await PhaseAsync("critical");
        Assert.StartsWith("Generator gen-1 failed to start", S(critical, "cause"), StringComparison.Ordinal);
        Assert.Equal(
            "Do now:Shed non-essential load now; start gen-1 manually or call the generator contractor. — runbook: docs/runbook.md § generator-failed-to-start",
            S(critical, "action"));

        // Load lost: a distinct shape too, a thick flashing border.
        var lost = await PhaseAsync("load-lost");
        Assert.Equal("flash", S(lost, "bannerAnimation"));
        Assert.True(lost.GetProperty("bannerBorderWidth").GetDouble() >= 8);
    }

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Unknown_verdict_and_missing_verdict_fields_are_hatched_with_a_dashed_border_never_shown_as_safe()
    {
        foreach (var phase in new[] { "unknown", "legacy" })
        {
            var p = await PhaseAsync(phase);
            Assert.Equal("unknown", S(p, "verdict"));
            Assert.Equal("? UNKNOWN — no data", S(p, "verdictText"));
            Assert.Equal("dashed", S(p, "bannerBorderStyle"));
            Assert.Contains("repeating-linear-gradient", S(p, "bannerBackgroundImage"), StringComparison.Ordinal);
            Assert.DoesNotContain("NORMAL", S(p, "bodyText"), StringComparison.Ordinal);
        }
    }

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Countdown_is_the_largest_thing_and_ticks_down_in_the_browser_between_refreshes()
    {
        var normal = await PhaseAsync("normal");
        Assert.Equal("—", S(normal, "countdown"));
        Assert.Equal(JsonValueKind.Null, normal.GetProperty("countdownSeconds").ValueKind);

        foreach (var phase in new[] { "on-battery", "at-risk", "critical", "critical-800" })
        {
            var p = await PhaseAsync(phase);
            Assert.Matches(@"^\d\d:\d\d$", S(p, "countdown"));
            Assert.True(p.GetProperty("countdownVisible").GetBoolean());
            var countdown = p.GetProperty("countdownFontPx").GetDouble();
            var other = p.GetProperty("largestOtherFontPx").GetDouble();
            Assert.True(countdown >= 2 * other, $"{phase}: countdown {countdown}px, largest other text {other}px ({S(p, "largestOther")})");
        }

        var onBattery = await PhaseAsync("on-battery");
        var seconds = onBattery.GetProperty("countdownSeconds").GetDouble();
        Assert.InRange(seconds, 540, 600);

        // With every API request failing, the countdown still went down by at least two seconds.
        var tick = (await _walk.ReportAsync()).GetProperty("actions").GetProperty("countdown");
        Assert.True(tick.GetProperty("later").GetDouble() <= tick.GetProperty("first").GetDouble() - 2, tick.ToString());

        // "(at HH:MM local time)" in the browser's zone (America/New_York), UTC on hover.
        var at = DateTimeOffset.Parse(S(onBattery, "countdownAtIso"), CultureInfo.InvariantCulture);
        var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));
        Assert.Equal($"(at {local:HH:mm} local time)", S(onBattery, "countdownAtText"));
        Assert.EndsWith("Z UTC", S(onBattery, "countdownAtTitle"), StringComparison.Ordinal);

        var critical = await PhaseAsync("critical");
        Assert.InRange(critical.GetProperty("countdownSeconds").GetDouble(), 150, 184);
        Assert.Equal("00:00", S(await PhaseAsync("load-lost"), "countdown"));
    }

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Chain_boxes_take_each_devices_own_state_with_a_text_label()
    {
        var normal = await PhaseAsync("normal");
        Assert.Equal(("ok", "utility utility AVAILABLE from ATS ats"), (S(Box(normal, "utility"), "state"), S(Box(normal, "utility"), "text")));
        Assert.Contains("ONLINE", S(Box(normal, "ups"), "text"), StringComparison.Ordinal);
        Assert.Equal("ok", S(Box(normal, "ups"), "state"));
        Assert.Equal("ok", S(Box(normal, "gen-1"), "state"));

        var onBattery = await PhaseAsync("on-battery");
        Assert.Equal("warn", S(Box(onBattery, "utility"), "state"));
        Assert.Contains("LOST", S(Box(onBattery, "utility"), "text"), StringComparison.Ordinal);
        Assert.Equal("warn", S(Box(onBattery, "ups"), "state"));
        Assert.Contains("ON BATTERY", S(Box(onBattery, "ups"), "text"), StringComparison.Ordinal);
        Assert.Contains("CRANKING", S(Box(onBattery, "gen-1"), "text"), StringComparison.Ordinal);

        var critical = await PhaseAsync("critical");
        Assert.Equal("crit", S(Box(critical, "gen-1"), "state"));
        Assert.Contains("FAILED", S(Box(critical, "gen-1"), "text"), StringComparison.Ordinal);

        var lost = await PhaseAsync("load-lost");
        Assert.Contains("OUTPUT OFF", S(Box(lost, "ups"), "text"), StringComparison.Ordinal);
        foreach (var pdu in new[] { "pdu-a", "pdu-b" })
        {
            Assert.Equal("crit", S(Box(lost, pdu), "state"));
            Assert.Contains("DEAD", S(Box(lost, pdu), "text"), StringComparison.Ordinal);
        }

        // Comms lost: grey, dashed, "no data"; never "(unavailable) available".
        var unknown = await PhaseAsync("unknown");
        var ups = Box(unknown, "ups");
        Assert.Equal("nodata", S(ups, "state"));
        Assert.Equal("dashed", S(ups, "borderStyle"));
        Assert.Contains("NO DATA — comms lost", S(ups, "text"), StringComparison.Ordinal);
        Assert.DoesNotContain("available", S(ups, "text"), StringComparison.OrdinalIgnoreCase);
    }

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Alerts_are_grouped_under_their_root_cause_with_consequences_folded()
    {
        var grouping = (await _walk.ReportAsync()).GetProperty("actions").GetProperty("grouping");
        var before = grouping.GetProperty("before").EnumerateArray().ToList();
        Assert.Equal(["utility-lost:ats", "battery-temperature-high:ups"], before.Select(g => S(g, "root")));
        var utility = before[0];
        Assert.Equal(4, utility.GetProperty("count").GetInt32());
        Assert.Equal("4 consequences of this cause (◆ 2 critical, ▲ 2 warning)", S(utility, "summary"));
        Assert.Equal(
            new[] { "depletion-before-generator:ups", "generator-failed-to-start:gen-1", "margin-low:ups", "ups-on-battery:ups" },
            utility.GetProperty("consequences").EnumerateArray().Select(c => S(c, "id")).Order(StringComparer.Ordinal));
        Assert.All(utility.GetProperty("consequences").EnumerateArray(), c => Assert.False(c.GetProperty("visible").GetBoolean()));
        Assert.Equal(0, before[1].GetProperty("count").GetInt32());

        var expanded = grouping.GetProperty("expanded").EnumerateArray().First();
        Assert.True(expanded.GetProperty("open").GetBoolean());
        Assert.All(expanded.GetProperty("consequences").EnumerateArray(), c => Assert.True(c.GetProperty("visible").GetBoolean()));

        // A consequence of a consequence (load-lost ← depletion ← generator failed ← utility lost) lands under the root.
        var lost = Groups(await PhaseAsync("load-lost"));
        Assert.Equal(5, lost.Single(g => S(g, "root") == "utility-lost:ats").GetProperty("count").GetInt32());

        // Without cause links (older agent) every alert is its own root.
        Assert.All(Groups(await PhaseAsync("legacy")), g => Assert.Equal(0, g.GetProperty("count").GetInt32()));
    }

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Acknowledge_and_shelve_buttons_post_non_simple_requests_and_show_the_new_state()
    {
        var actions = (await _walk.ReportAsync()).GetProperty("actions");
        Assert.Contains("✓ ACKNOWLEDGED by night-op", S(actions.GetProperty("ack"), "row"), StringComparison.Ordinal);
        Assert.Contains("✓ ACKNOWLEDGED by night-op", S(actions.GetProperty("ack"), "consequenceRow"), StringComparison.Ordinal);
        Assert.Matches(@"‖ SHELVED until \d\d:\d\d", S(actions.GetProperty("shelve"), "row"));
        Assert.EndsWith("Z UTC", S(actions.GetProperty("shelve"), "title"), StringComparison.Ordinal);

        var writes = await _walk.WritesAsync();
        Assert.All(writes, w => Assert.Equal("1", w.Header));
        var ack = writes.Single(w => w.Path == "/api/alerts/utility-lost:ats/ack");
        Assert.Equal("night-op", ack.Query["by"]);
        Assert.Single(writes, w => w.Path == "/api/alerts/generator-failed-to-start:gen-1/ack");
        var shelve = writes.Single(w => w.Path == "/api/alerts/battery-temperature-high:ups/shelve");
        Assert.Equal("night-op", shelve.Query["by"]);
        var until = DateTimeOffset.Parse(shelve.Query["until"], CultureInfo.InvariantCulture);
        Assert.InRange(until - shelve.At, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(16));

        // The acknowledgement stays visible in the next phase.
        var lost = Groups(await PhaseAsync("load-lost"));
        Assert.Contains("ACKNOWLEDGED by night-op", S(lost.Single(g => S(g, "root") == "utility-lost:ats"), "rootText"), StringComparison.Ordinal);
    }

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Trends_nameplate_and_local_times_are_shown_and_nameplate_is_never_marked_stale()
    {
        var critical = await PhaseAsync("critical");
        var charts = critical.GetProperty("trends").EnumerateArray().ToList();
        Assert.Equal(
            ["battery.charge", "battery.runtime", "failover.margin", "generator.frequency", "generator.voltage.l1n", "ups.load"],
            charts.Select(c => S(c, "metric")));
        Assert.All(charts, c => Assert.True(c.GetProperty("series").EnumerateArray().Single().GetProperty("points").GetInt32() > 10, c.ToString()));

        // The UPS is silent in phase unknown: its live readings are stale, its nameplate is still shown as is.
        var unknown = await PhaseAsync("unknown");
        var plate = unknown.GetProperty("nameplate").EnumerateArray().Single(p => S(p, "device") == "ups");
        var rows = plate.GetProperty("rows").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains("ups.model Smart-UPS SRT 10000", rows);
        Assert.Contains("ups.serial AS2112345678", rows);
        Assert.DoesNotContain(rows, r => r!.Contains("stale", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(unknown.GetProperty("readingsDevices").EnumerateArray(), h => h.GetString()!.StartsWith("ups (ups) ? NO DATA — comms lost", StringComparison.Ordinal));
    }

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Page_fits_1280_and_800_pixel_windows_without_overlap_and_saves_a_screenshot_per_phase()
    {
        var report = await _walk.ReportAsync();
        foreach (var phase in report.GetProperty("phases").EnumerateObject())
        {
            Assert.False(phase.Value.GetProperty("horizontalOverflow").GetBoolean(), phase.Name + " overflows horizontally");
            Assert.True(phase.Value.GetProperty("boxesOverlap").ValueKind == JsonValueKind.Null, phase.Name + ": chain boxes overlap " + phase.Value.GetProperty("boxesOverlap"));
            var shot = S(phase.Value, "screenshot");
            Assert.True(File.Exists(shot) && new FileInfo(shot).Length > 10_000, "no screenshot " + shot);
            Assert.Matches(ScreenshotName(), Path.GetFileName(shot));
        }
    }

    [GeneratedRegex(@"^status-\d-[a-z0-9-]+\.png$")]
    private static partial Regex ScreenshotName();
}

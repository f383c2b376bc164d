using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Simulators.Faces.Serial;
using PowerWatch.TestSupport;
using Site = PowerWatch.Simulators.Site;

namespace PowerWatch.Agent.Tests.Browser;

/// <summary>
/// A real agent host (status API on loopback) polls a simulated APC Smart UPS; headless Debian Chromium loads the
/// status page, runs its JavaScript, and the dumped DOM shows the live values and the device's availability. A second
/// real agent whose devices never answer is driven through playwright-core: its comms-lost alert is acknowledged and
/// shelved with the page's buttons, and the real API shows both.
/// </summary>
public sealed partial class StatusPageBrowserTests
{
    [PeerFact("chromium")]
    public async Task Status_page_rendered_by_chromium_shows_live_battery_charge_and_availability()
    {
        var site = Site.Create();
        site.SetUpsLoadPercent(40);
        site.Write(s => s.Ups.SetChargePercent(87));
        site.RunFor(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));
        using var face = new ApcSmartFace(site);
        await using var ups = await face.StartTcpAsync();
        var port = Peers.FreeTcpPort();
        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/");

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PowerWatch:Site"] = "browser-test",
            ["PowerWatch:Agent"] = "agent-1",
            ["PowerWatch:Status:Url"] = url.TrimEnd('/'),
            ["PowerWatch:Devices:0:Id"] = "ups-apc",
            ["PowerWatch:Devices:0:Kind"] = "ups",
            ["PowerWatch:Devices:0:Input"] = "apc-smart",
            ["PowerWatch:Devices:0:Endpoint"] = ups.Endpoint,
            ["PowerWatch:Devices:0:Timeout"] = "00:00:02",
            ["PowerWatch:Devices:0:PollInterval"] = "00:00:03",
        }).Build();
        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        Assert.Empty(problems);
        var profileDir = Path.Combine(AppContext.BaseDirectory, "profiles");
        var (profiles, _) = await AgentServices.LoadProfilesAsync(profileDir, CancellationToken.None);

        await using var app = AgentHost.Build(configuration, options, profiles);
        await app.StartAsync();
        try
        {
            // Wait (by polling the API, not by sleeping) until the agent has read the UPS once.
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            await Poll.UntilAsync(
                async () => (await http.GetStringAsync("api/readings")) is var r && r.Contains("battery.charge", StringComparison.Ordinal) && r.Contains("ups.model", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                () => "the agent's first UPS reading");
            // The trend service reads the same poll result from its own hub subscription: it may record it a moment after
            // /api/readings shows it.
            await Poll.UntilAsync(
                async () => (await http.GetStringAsync("api/trends")).Contains("\"device\":\"ups-apc\",\"metric\":\"battery.charge\",\"unit\":\"%\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                () => "a battery.charge trend sample of ups-apc");

            using var profile = new TempDir();
            var chromium = Peers.Require("chromium");
            var result = await PeerProcess.RunAsync(chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--user-data-dir=" + profile.Path, "--virtual-time-budget=5000", "--dump-dom", url,
            ], TimeSpan.FromSeconds(60));

            var dom = result.Output;
            var charge = ChargeRow().Match(dom);
            Assert.True(charge.Success, "no battery.charge row in the DOM:\n" + dom);
            Assert.Equal("87", charge.Groups[1].Value);
            // The device heading of the live readings carries no "NO DATA" mark (the page's script text itself contains the words).
            Assert.Matches(@"<h3 data-device=""ups-apc"">ups-apc \(ups\)</h3>", dom);
            Assert.Contains(">browser-test<", dom, StringComparison.Ordinal);

            // The banner shows one of the verdicts; alerts come from /api/alerts (none active here); the UPS has its
            // box in the chain, online; its model is on its nameplate, apart from the live readings.
            Assert.Matches(@"<section id=""banner"" class=""v-(normal|on-battery|at-risk|unknown|critical|load-lost)"" data-verdict=""\1""", dom);
            Assert.Contains(@"<div id=""no-alerts"">No active alerts.</div>", dom, StringComparison.Ordinal);
            Assert.Matches(@"<div class=""box s-ok"" data-device=""ups-apc"" data-state=""ok"">.*?ONLINE", dom);
            Assert.Matches(@"<div class=""plate"" data-device=""ups-apc"">.*?<tr data-metric=""ups.model"">", dom);
            Assert.Matches(@"<div class=""chart"" data-metric=""battery.charge"">.*?<path [^>]*data-device=""ups-apc""", dom);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Status_page_acknowledges_and_shelves_a_real_agents_alert_and_shows_silent_devices_as_no_data()
    {
        using var dir = new TempDir("powerwatch-page");
        var settings = Status.AlertsApiHttpTests.Agent.SilentChain(dir.File("data"));
        await using var agent = await Status.InProcessAgent.StartAsync(settings);
        await Poll.UntilAsync(
            async () => (await agent.Http.GetStringAsync(new Uri("api/alerts", UriKind.Relative))).Contains("\"comms-lost:ups\"", StringComparison.Ordinal)
                && !(await agent.Http.GetStringAsync(new Uri("api/devices", UriKind.Relative))).Contains("\"available\":true", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20),
            () => "comms-lost:ups raised and every device unavailable");

        var report = await PageDriver.RunAsync("agent", agent.Http.BaseAddress!);

        var initial = report.GetProperty("phases").GetProperty("initial");
        Assert.NotEqual("normal", initial.GetProperty("verdict").GetString());
        foreach (var box in initial.GetProperty("boxes").EnumerateArray())
        {
            // Silent devices (and the utility, known only through the silent ATS) are grey "no data", never "available".
            Assert.Equal("nodata", box.GetProperty("state").GetString());
            Assert.Contains("NO DATA", box.GetProperty("text").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("available", box.GetProperty("text").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        var id = report.GetProperty("actions").GetProperty("ack").GetProperty("id").GetString()!;
        Assert.Contains("✓ ACKNOWLEDGED by night-op", report.GetProperty("actions").GetProperty("ack").GetProperty("row").GetString(), StringComparison.Ordinal);
        using var alerts = JsonDocument.Parse(await agent.Http.GetStringAsync(new Uri("api/alerts", UriKind.Relative)));
        var alert = alerts.RootElement.GetProperty("active").EnumerateArray().Single(a => a.GetProperty("id").GetString() == id);
        Assert.True(alert.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("night-op", alert.GetProperty("acknowledgedBy").GetString());
        var until = alert.GetProperty("shelvedUntil").GetDateTimeOffset();
        Assert.InRange(until - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(61));

        // The trend service samples each UPS's failover margin every 10 s (null here: nothing is known), for the page's chart.
        await Poll.UntilAsync(
            async () => (await agent.Http.GetStringAsync(new Uri("api/trends", UriKind.Relative))).Contains("\"device\":\"ups\",\"metric\":\"failover.margin\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            () => "a failover.margin trend sample of ups");
    }

    [PeerFact(PageDriver.Chromium, PageDriver.Node, PageDriver.Playwright)]
    public async Task Status_page_of_an_agent_with_tokens_acknowledges_only_with_the_operator_token_typed_in()
    {
        using var dir = new TempDir("powerwatch-page-token");
        var settings = Status.AlertsApiHttpTests.Agent.SilentChain(dir.File("data"));
        var token = PowerWatch.Agent.Status.StatusTokenHash.NewToken();
        settings["PowerWatch:Status:Tokens:0:Name"] = "noc-desk";
        settings["PowerWatch:Status:Tokens:0:Role"] = "operator";
        settings["PowerWatch:Status:Tokens:0:Hash"] = PowerWatch.Agent.Status.StatusTokenHash.NewHashLine(token);
        await using var agent = await Status.InProcessAgent.StartAsync(settings);
        await Poll.UntilAsync(
            async () => (await agent.Http.GetStringAsync(new Uri("api/alerts", UriKind.Relative))).Contains("\"comms-lost:ups\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20),
            () => "comms-lost:ups raised");

        var report = await PageDriver.RunAsync("token", agent.Http.BaseAddress!, new Dictionary<string, string> { ["POWERWATCH_TOKEN"] = token });

        var actions = report.GetProperty("actions");
        Assert.Contains("refused: HTTP 401", actions.GetProperty("refused").GetProperty("error").GetString(), StringComparison.Ordinal);
        var id = actions.GetProperty("ack").GetProperty("id").GetString()!;
        Assert.Equal("", actions.GetProperty("ack").GetProperty("error").GetString());
        // Kept for the tab only, never in localStorage.
        Assert.True(actions.GetProperty("stored").GetProperty("session").GetBoolean());
        Assert.False(actions.GetProperty("stored").GetProperty("local").GetBoolean());
        using var alerts = JsonDocument.Parse(await agent.Http.GetStringAsync(new Uri("api/alerts", UriKind.Relative)));
        var alert = alerts.RootElement.GetProperty("active").EnumerateArray().Single(a => a.GetProperty("id").GetString() == id);
        Assert.True(alert.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("operator", alert.GetProperty("acknowledgedBy").GetString());
    }

    [GeneratedRegex(@"<tr data-metric=""battery.charge""[^>]*><td>battery.charge</td><td>([^<]*)</td>")]
    private static partial Regex ChargeRow();
}

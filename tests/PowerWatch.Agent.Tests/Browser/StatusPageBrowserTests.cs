using System.Globalization;
using System.Net.Http;
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
/// status page, runs its JavaScript, and the dumped DOM shows the live values and the device's availability.
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
                async () => (await http.GetStringAsync("api/readings")).Contains("battery.charge", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                () => "the agent's first UPS reading");

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
            // The device heading carries no " — UNAVAILABLE" suffix (the page's script text itself contains the word).
            Assert.Matches(@"<h2[^>]*>ups-apc \(ups\)</h2>", dom);
            Assert.Contains(">browser-test<", dom, StringComparison.Ordinal);

            // Alerts and failover come from /api/alerts and /api/failover: the script rendered the table's header row
            // and one line per UPS of the chain (or said the analysis is unavailable when no chain is configured).
            Assert.Matches(@"<table id=""alerts""><tbody><tr><th>severity</th>", dom);
            Assert.Matches(@"<div id=""failover""[^>]*>(<div data-ups=|failover analysis not available|</div>)", dom);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [GeneratedRegex(@"<tr data-metric=""battery.charge""[^>]*><td>battery.charge</td><td>([^<]*)</td>")]
    private static partial Regex ChargeRow();
}

using System.Globalization;
using System.Text.Json;
using PowerWatch.TestSupport;
using Xunit.Abstractions;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>
/// The overview's headline on real data in the worst case (<see cref="FailedGeneratorOutageRun"/>: the generator has
/// failed to start and the UPS is on battery): each headline panel's query, expanded as Grafana would at that moment,
/// runs on the real InfluxDB 1.6 that <c>powerwatch ingest</c> filled from the agent's MQTT messages, and
/// <see cref="GrafanaStatDisplay"/> turns the answer into what the tile shows.
/// </summary>
public sealed class DashboardHeadlinePeerTests(FailedGeneratorOutageRun run, ITestOutputHelper output) : IClassFixture<FailedGeneratorOutageRun>
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    [PeerFact("influxd", "mosquitto")]
    public async Task Headline_reads_critical_a_falling_countdown_and_no_margin_once_the_generator_has_failed_with_the_ups_on_battery()
    {
        await run.StartAsync();
        using var doc = GrafanaDashboards.Load("power-chain-overview.json");
        var verdict = GrafanaDashboards.Panel(doc.RootElement, "Site verdict");
        var countdown = GrafanaDashboards.Panel(doc.RootElement, "Countdown to battery depletion");
        var margin = GrafanaDashboards.Panel(doc.RootElement, "Failover margin per UPS");

        // The critical phase: the generator's failed state and, after it, the UPS on battery and a failover point are in InfluxDB.
        var failedAt = await FirstTimeAsync("SELECT \"generator.state\" FROM \"generator\" WHERE \"generator.state\" = 'failed' ORDER BY time ASC LIMIT 1");
        await run.WaitUntilAsync(
            () => run.HasSeriesAsync($"SELECT \"ups.status\" FROM \"ups\" WHERE \"ups.status\" =~ /OB/ AND time > {Ms(failedAt)}ms LIMIT 1"),
            () => "UPS on battery after the generator failed");
        await run.WaitUntilAsync(
            () => run.HasSeriesAsync($"SELECT \"failover.verdict.code\" FROM \"failover\" WHERE \"device\" = '' AND time > {Ms(failedAt.AddSeconds(2))}ms LIMIT 1"),
            () => "a failover site point 2 s after the generator failed");

        var at1 = DateTimeOffset.UtcNow;
        var verdict1 = Assert.Single(await ShowAsync(verdict, at1));
        var countdown1 = Assert.Single(await ShowAsync(countdown, at1));
        var margins = await ShowAsync(margin, at1);
        output.WriteLine($"at {at1:O}: verdict {verdict1}; countdown {countdown1}; margins {string.Join("; ", margins)}");

        Assert.Equal(("CRITICAL", "red"), (verdict1.Text, verdict1.Color));
        Assert.Equal(FailoverVerdictContract.Codes["critical"], verdict1.Number);
        Assert.True(countdown1.Number is > 0, $"countdown must be a positive number of seconds, shows {countdown1}");
        Assert.NotEmpty(margins);
        Assert.All(margins, m => Assert.Equal(("NO MARGIN", "red"), (m.Text, m.Color)));

        // What the old headline (last("failover.margin") with lastNotNull) would have shown: the last good margin, if any.
        var stale = await run.Influx.QueryAsync(
            $"SELECT last(\"failover.margin\") FROM \"failover\" WHERE time >= {Ms(run.From)}ms AND time <= {Ms(at1)}ms GROUP BY \"device\"", DashboardOutageRun.Database);
        output.WriteLine("the old headline query would show: " + stale.GetRawText());

        // Later, on the same battery: the countdown has gone down. 15 s, not fewer: early in a discharge the estimate can
        // step up by several seconds between two polls (the observed-discharge fit moves), so a short look can see it rise.
        var seconds = TimeSpan.FromSeconds(15);
        await run.WaitUntilAsync(
            () => run.HasSeriesAsync($"SELECT \"failover.verdict.code\" FROM \"failover\" WHERE \"device\" = '' AND time > {Ms(at1 + seconds)}ms LIMIT 1"),
            () => $"a failover site point {seconds.TotalSeconds} s after the first evaluation");
        var at2 = DateTimeOffset.UtcNow;
        var countdown2 = Assert.Single(await ShowAsync(countdown, at2));
        var verdict2 = Assert.Single(await ShowAsync(verdict, at2));
        output.WriteLine($"at {at2:O}: verdict {verdict2}; countdown {countdown2}");
        Assert.True(countdown2.Number is > 0 && countdown2.Number < countdown1.Number, $"countdown must fall: {countdown1.Number} s at {at1:O}, then {countdown2.Number} s at {at2:O}");
        Assert.Contains(verdict2.Text, new[] { "CRITICAL", "LOAD LOST" });

        // Stale data never looks current: 30 s after the last point (as if the agent had stopped), and before any data, the tiles read NO DATA.
        foreach (var moment in new[] { DateTimeOffset.UtcNow.AddSeconds(30), run.From })
        {
            Assert.Equal(("NO DATA", "#808080"), Tuple(Assert.Single(await ShowAsync(verdict, moment))));
            Assert.Equal(("NO DATA", "#808080"), Tuple(Assert.Single(await ShowAsync(margin, moment))));
            Assert.Equal("NO COUNTDOWN", Assert.Single(await ShowAsync(countdown, moment)).Text);
        }
    }

    private static (string, string) Tuple(StatTile t) => (t.Text, t.Color);

    private static string Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The panel's tiles with the dashboard's time range ending at <paramref name="to"/> (Grafana's "now").</summary>
    private async Task<IReadOnlyList<StatTile>> ShowAsync(JsonElement panel, DateTimeOffset to)
    {
        var variables = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["site"] = [run.Site.Site.Name] };
        var query = GrafanaQueryExpander.Expand(panel.GetProperty("targets")[0].GetProperty("query").GetString()!, variables, run.From, to, Interval);
        var result = await run.Influx.QueryAsync(query, DashboardOutageRun.Database);
        output.WriteLine($"{panel.GetProperty("title").GetString()} at {to:O}: {query}\n    -> {result.GetRawText()}");
        return GrafanaStatDisplay.Evaluate(panel, result);
    }

    private async Task<DateTimeOffset> FirstTimeAsync(string query)
    {
        var result = await run.Influx.QueryAsync(query, DashboardOutageRun.Database);
        return DateTimeOffset.Parse(result.GetProperty("series")[0].GetProperty("values")[0][0].GetString()!, CultureInfo.InvariantCulture);
    }
}

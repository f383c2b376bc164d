using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PowerWatch.Agent.Status;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Status;

/// <summary>
/// A real agent in this process: UPS, ATS and generator configured on a loopback port where nothing listens, so
/// every poll fails and the comms-lost rule (configured here with For = 0) raises <c>comms-lost:ups</c> after the
/// third failure (well under a second); the status API is called over HTTP as an operator's tooling would.
/// </summary>
public sealed class AlertsApiHttpTests : IClassFixture<AlertsApiHttpTests.Agent>
{
    private readonly Agent _agent;

    public AlertsApiHttpTests(Agent agent)
    {
        _agent = agent;
    }

    private HttpClient Http => _agent.Running.Http;

    public sealed class Agent : IAsyncLifetime
    {
        private readonly TempDir _dir = new("powerwatch-alerts-api");

        /// <summary>
        /// An agent whose ATS chain (ups, generator, ats) points at a closed port: every device is silent, comms-lost
        /// raises at once (stale rule without delay) and the verdict is unknown.
        /// </summary>
        internal static Dictionary<string, string?> SilentChain(string dataDirectory)
        {
            var closed = Peers.FreeTcpPort().ToString(CultureInfo.InvariantCulture);
            var settings = new Dictionary<string, string?>
            {
                ["PowerWatch:Site"] = "dc1",
                ["PowerWatch:Agent"] = "agent-1",
                ["PowerWatch:DataDirectory"] = dataDirectory,
                ["PowerWatch:Alerts:EvaluationInterval"] = "00:00:00.100",
                ["PowerWatch:Alerts:Rules:0:Id"] = "comms-lost",
                ["PowerWatch:Alerts:Rules:0:Kind"] = "Stale",
                ["PowerWatch:Alerts:Rules:0:For"] = "00:00:00",
                ["PowerWatch:Alerts:Rules:0:Severity"] = "Warning",
                ["PowerWatch:Topology:Ats:0:Id"] = "ats",
                ["PowerWatch:Topology:Ats:0:Generator"] = "generator",
                ["PowerWatch:Topology:Ats:0:Feeds:0"] = "ups",
            };
            (string Id, string Kind, string Profile)[] devices = [("ups", "ups", "apc-smart-ups-modbus"), ("generator", "generator", "dse-gencomm"), ("ats", "ats", "socomec-atys-pm")];
            for (var i = 0; i < devices.Length; i++)
            {
                var k = $"PowerWatch:Devices:{i}";
                settings[$"{k}:Id"] = devices[i].Id;
                settings[$"{k}:Kind"] = devices[i].Kind;
                settings[$"{k}:Input"] = "modbus";
                settings[$"{k}:Profile"] = devices[i].Profile;
                settings[$"{k}:Endpoint"] = $"tcp://127.0.0.1:{closed}";
                settings[$"{k}:PollInterval"] = "00:00:00.100";
                settings[$"{k}:Timeout"] = "00:00:00.050";
            }

            return settings;
        }

        public InProcessAgent Running { get; private set; } = null!;

        public string StateFile => _dir.File(Path.Combine("data", "alerts.json"));

        public async Task InitializeAsync()
        {
            Running = await InProcessAgent.StartAsync(SilentChain(_dir.File("data")));
            await Poll.UntilAsync(
                async () => (await ActiveAsync(Running.Http)).Any(a => a.GetProperty("id").GetString() == "comms-lost:ups"),
                TimeSpan.FromSeconds(20),
                () => "comms-lost:ups never raised");
        }

        public async Task DisposeAsync()
        {
            await Running.DisposeAsync();
            _dir.Dispose();
        }
    }

    private static async Task<List<JsonElement>> ActiveAsync(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/alerts", UriKind.Relative)));
        return [.. doc.RootElement.GetProperty("active").EnumerateArray().Select(e => e.Clone())];
    }

    private async Task<JsonElement> AlertAsync(string id) =>
        (await ActiveAsync(Http)).Single(a => a.GetProperty("id").GetString() == id);

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path)
    {
        // As the status page sends it: the custom header makes it a request no other web page can send (README "Who may silence an alarm").
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        request.Headers.Add(StatusAccess.RequestHeader, "1");
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string ErrorOf(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("error").GetString()!;
    }

    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture));

    [Fact]
    public async Task Concurrent_shelves_are_all_persisted_to_the_state_file()
    {
        // The status API and the evaluation loop save the state through one temp file; saves are serialised and each
        // writes the newest snapshot, so the file ends up holding every shelve. (Ids of default rules other than
        // comms-lost, which the other tests use.)
        var service = (PowerWatch.Agent.Alerts.AlertService)Running().Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>()
            .Single(s => s is PowerWatch.Agent.Alerts.AlertService);
        var ids = PowerWatch.Core.Alerts.DefaultAlertRules.Create()
            .Where(r => r.Id != "comms-lost" && r.DeviceKind is "ups" or "generator" or "ats")
            .Select(r => $"{r.Id}:{(r.DeviceKind == "ats" ? "ats" : r.DeviceKind == "ups" ? "ups" : "generator")}")
            .ToList();
        Assert.True(ids.Count >= 8, string.Join(", ", ids));
        var until = DateTimeOffset.UtcNow.AddHours(3);
        await Task.WhenAll(ids.Select(id => Task.Run(() => service.ShelveAsync(id, until, "concurrency", CancellationToken.None))));

        using var state = JsonDocument.Parse(await File.ReadAllTextAsync(_agent.StateFile));
        var shelved = state.RootElement.GetProperty("engine").GetProperty("shelves").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(ids, id => Assert.Contains(id, shelved));
    }

    private InProcessAgent Running() => _agent.Running;

    [Fact]
    public async Task Alerts_endpoint_lists_the_raised_comms_lost_alert_as_active_with_id_rule_device_and_severity()
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(new Uri("api/alerts", UriKind.Relative)));
        Assert.Equal(["active", "recent", "suppressed"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        var alert = await AlertAsync("comms-lost:ups");
        Assert.Equal("comms-lost", alert.GetProperty("rule").GetString());
        Assert.Equal("ups", alert.GetProperty("device").GetString());
        // As on MQTT and in docs/alerts.md; the status page styles rows by this spelling (sev-warning).
        Assert.Equal("warning", alert.GetProperty("severity").GetString());
        Assert.Contains("not answering", alert.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(alert.TryGetProperty("raisedAt", out _), alert.ToString());
        Assert.Equal(JsonValueKind.Number, doc.RootElement.GetProperty("suppressed").ValueKind);
    }

    [Fact]
    public async Task Alerts_endpoint_rounds_values_to_their_units_resolution()
    {
        var engine = _agent.Running.Services.GetRequiredService<PowerWatch.Agent.Alerts.AlertService>().Engine;
        var raised = engine.ApplyConditions([new PowerWatch.Core.Alerts.AlertCondition("rounding-probe", "ups", PowerWatch.Core.Alerts.AlertSeverity.Warning, "probe", 608.0400000000001, "s")]);
        Assert.Contains(raised, t => t.Alert.Id == "rounding-probe:ups");
        var body = await Http.GetStringAsync(new Uri("api/alerts", UriKind.Relative));
        using var doc = JsonDocument.Parse(body);
        var probe = doc.RootElement.GetProperty("active").EnumerateArray().Concat(doc.RootElement.GetProperty("recent").EnumerateArray())
            .First(a => a.GetProperty("id").GetString() == "rounding-probe:ups");
        Assert.Equal("608", probe.GetProperty("value").GetRawText());
        Assert.DoesNotContain("608.04", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acknowledge_marks_the_alert_acknowledged_by_the_named_operator()
    {
        var (status, body) = await PostAsync("api/alerts/comms-lost:generator/ack?by=alice");
        Assert.True(status == HttpStatusCode.NoContent, $"{status}: {body}");
        var alert = await AlertAsync("comms-lost:generator");
        Assert.True(alert.GetProperty("acknowledged").GetBoolean(), alert.ToString());
        Assert.Equal("alice", alert.GetProperty("acknowledgedBy").GetString());
    }

    [Fact]
    public async Task Acknowledge_of_an_unknown_alert_is_404_with_a_reason()
    {
        var (status, body) = await PostAsync("api/alerts/no-such-rule:ups/ack?by=alice");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no-such-rule:ups", ErrorOf(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shelve_until_a_future_time_marks_the_alert_shelved_until_then()
    {
        var until = DateTimeOffset.UtcNow.AddHours(2);
        var (status, body) = await PostAsync($"api/alerts/comms-lost:ats/shelve?until={Q(until)}&by=bob");
        Assert.True(status == HttpStatusCode.NoContent, $"{status}: {body}");
        var alert = await AlertAsync("comms-lost:ats");
        Assert.Equal(until.ToUnixTimeMilliseconds(), alert.GetProperty("shelvedUntil").GetDateTimeOffset().ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Shelve_in_the_past_is_400_with_the_reason()
    {
        var (status, body) = await PostAsync($"api/alerts/comms-lost:ups/shelve?until={Q(DateTimeOffset.UtcNow.AddMinutes(-1))}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not in the future", ErrorOf(body), StringComparison.Ordinal);
        Assert.False((await AlertAsync("comms-lost:ups")).TryGetProperty("shelvedUntil", out var shelved) && shelved.ValueKind != JsonValueKind.Null);
    }

    [Theory]
    [InlineData("tomorrow", "not an RFC 3339 date-time")]
    [InlineData("2099-01-01T12:00:00", "not an RFC 3339 date-time")] // no offset: whose local time?
    [InlineData("2099-13-01T12:00:00Z", "not an RFC 3339 date-time")]
    [InlineData("", "until is required")]
    public async Task Shelve_with_a_malformed_or_missing_until_is_400_with_the_reason(string until, string reason)
    {
        var query = until.Length == 0 ? "" : "?until=" + Uri.EscapeDataString(until);
        var (status, body) = await PostAsync($"api/alerts/comms-lost:ups/shelve{query}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reason, ErrorOf(body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-rule:ups")]
    [InlineData("comms-lost:no-such-device")]
    [InlineData("garbage")]
    public async Task Shelve_of_an_unknown_alert_id_is_404(string id)
    {
        var (status, body) = await PostAsync($"api/alerts/{Uri.EscapeDataString(id)}/shelve?until={Q(DateTimeOffset.UtcNow.AddHours(1))}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains(id, ErrorOf(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shelve_ahead_of_an_inactive_alert_of_a_known_rule_and_device_is_accepted()
    {
        var (status, body) = await PostAsync($"api/alerts/ups-on-battery:ups/shelve?until={Q(DateTimeOffset.UtcNow.AddHours(1))}&by=maintenance");
        Assert.True(status == HttpStatusCode.NoContent, $"{status}: {body}");
    }

    [Fact]
    public async Task Failover_endpoint_returns_the_time_and_one_state_per_ups_of_the_chain()
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(new Uri("api/failover", UriKind.Relative)));
        var root = doc.RootElement;
        Assert.Equal(["at", "ups", "site"], root.EnumerateObject().Select(p => p.Name));
        Assert.True(root.GetProperty("at").TryGetDateTimeOffset(out _), root.ToString());
        var ups = Assert.Single(root.GetProperty("ups").EnumerateArray());
        Assert.Equal("ups", ups.GetProperty("ups").GetString());
        Assert.Equal("ats", ups.GetProperty("ats").GetString());
        Assert.Equal("generator", ups.GetProperty("generator").GetString());
        Assert.False(string.IsNullOrEmpty(ups.GetProperty("phase").GetString()), ups.ToString());
        // No data from the generator: its state is unknown, never a guessed "stopped".
        Assert.Equal("unknown", ups.GetProperty("generatorState").GetString());
        foreach (var field in new[] { "utilityLost", "onBattery", "runtimeUsed", "runtimeEstimateSource", "verdict", "verdictCode", "cause", "action" })
        {
            Assert.True(ups.TryGetProperty(field, out _), $"{field} missing: {ups}");
        }

        // The site verdict is the (only) UPS's, with its code, cause and action; never "normal" by default.
        var site = root.GetProperty("site");
        Assert.Equal(ups.GetProperty("verdict").GetString(), site.GetProperty("verdict").GetString());
        Assert.Equal(ups.GetProperty("verdictCode").GetInt32(), site.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(site.GetProperty("cause").GetString()), site.ToString());
        Assert.False(string.IsNullOrEmpty(site.GetProperty("action").GetString()), site.ToString());
    }

    [Fact]
    public async Task Readings_of_an_unknown_device_is_404_naming_it_and_the_known_ids()
    {
        using var response = await Http.GetAsync(new Uri("api/readings?device=nosuch", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("no device 'nosuch'", doc.RootElement.GetProperty("error").GetString());
        Assert.Equal(["ups", "generator", "ats"], doc.RootElement.GetProperty("known").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Device_ids_are_matched_case_sensitively_as_documented()
    {
        using var exact = await Http.GetAsync(new Uri("api/readings?device=ups", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
        using var upper = await Http.GetAsync(new Uri("api/readings?device=UPS", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, upper.StatusCode);
        Assert.Contains("\"known\":[\"ups\"", await upper.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acknowledge_of_an_unknown_alert_lists_the_active_alert_ids()
    {
        var (status, body) = await PostAsync("api/alerts/no-such-rule:ups/ack?by=alice");
        Assert.Equal(HttpStatusCode.NotFound, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("no active alert 'no-such-rule:ups'", doc.RootElement.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty("known").ValueKind);
    }

    [Fact]
    public void Until_parser_accepts_rfc3339_with_z_or_an_offset()
    {
        Assert.True(AlertsApi.TryParseUntil("2026-01-01T12:00:00Z", out var z, out _));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero), z);
        Assert.True(AlertsApi.TryParseUntil("2026-01-01T14:00:00+02:00", out var plus, out _));
        Assert.Equal(z, plus);
    }
}

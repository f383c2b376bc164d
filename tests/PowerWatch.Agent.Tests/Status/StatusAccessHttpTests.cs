using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PowerWatch.Agent.Outputs;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Status;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Status;

/// <summary>
/// An agent without tokens on loopback (the default): acknowledge and shelve are accepted only as the status page
/// sends them (same origin, non-simple); what a cross-site page can make a browser send is refused; every accepted
/// write is audited on the event stream as <c>loopback</c> with its remote address.
/// </summary>
public sealed class StatusAccessHttpTests : IClassFixture<StatusAccessHttpTests.Agent>
{
    private readonly Agent _agent;

    public StatusAccessHttpTests(Agent agent)
    {
        _agent = agent;
    }

    public sealed class Agent : IAsyncLifetime
    {
        private readonly TempDir _dir = new("powerwatch-status-access");

        public InProcessAgent Running { get; private set; } = null!;

        internal RecordingEvents Events { get; } = new();

        public async Task InitializeAsync()
        {
            Running = await InProcessAgent.StartAsync(null, AlertsApiHttpTests.Agent.SilentChain(_dir.File("data")), Events.Register);
            await RecordingEvents.UntilActiveAsync(Running.Http, "comms-lost:ups");
        }

        public async Task DisposeAsync()
        {
            await Running.DisposeAsync();
            _dir.Dispose();
        }
    }

    private HttpClient Http => _agent.Running.Http;

    private Uri Base => _agent.Running.Http.BaseAddress!;

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, Action<HttpRequestMessage> shape)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        shape(request);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task AssertNotAcknowledgedAsync(string id)
    {
        var alert = await RecordingEvents.AlertAsync(Http, id);
        Assert.False(alert.GetProperty("acknowledged").GetBoolean(), alert.ToString());
        Assert.DoesNotContain(_agent.Events.Snapshot(), e => e.AlertId == id && e.Type == "acknowledged");
    }

    [Fact]
    public async Task Post_with_the_origin_of_another_site_is_refused()
    {
        var (status, body) = await PostAsync("api/alerts/comms-lost:ups/ack?by=mallory", r =>
        {
            r.Headers.Add(StatusAccess.RequestHeader, "1");
            r.Headers.Add("Origin", "http://evil.example");
        });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("cross-site request refused (Origin", body, StringComparison.Ordinal);
        await AssertNotAcknowledgedAsync("comms-lost:ups");
    }

    [Fact]
    public async Task Post_marked_sec_fetch_site_cross_site_is_refused()
    {
        var (status, body) = await PostAsync("api/alerts/comms-lost:ups/ack", r =>
        {
            r.Headers.Add(StatusAccess.RequestHeader, "1");
            r.Headers.Add("Sec-Fetch-Site", "cross-site");
        });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("Sec-Fetch-Site: cross-site", body, StringComparison.Ordinal);
        await AssertNotAcknowledgedAsync("comms-lost:ups");
    }

    [Fact]
    public async Task Form_encoded_simple_post_without_the_header_is_refused()
    {
        // What an HTML form on any web page makes the browser send, without a CORS preflight.
        var (status, body) = await PostAsync("api/alerts/comms-lost:ups/shelve?until=2099-01-01T00:00:00Z", r =>
            r.Content = new StringContent("x=1", Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains($"send the header {StatusAccess.RequestHeader}: 1", body, StringComparison.Ordinal);
        var alert = await RecordingEvents.AlertAsync(Http, "comms-lost:ups");
        Assert.True(!alert.TryGetProperty("shelvedUntil", out var s) || s.ValueKind == JsonValueKind.Null, alert.ToString());
    }

    [Fact]
    public async Task Post_naming_a_host_that_is_not_loopback_is_refused_as_dns_rebinding()
    {
        var (status, body) = await PostAsync("api/alerts/comms-lost:ups/ack", r =>
        {
            r.Headers.Add(StatusAccess.RequestHeader, "1");
            r.Headers.Host = "rebind.evil.example:" + Base.Port;
        });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("is not a loopback name", body, StringComparison.Ordinal);
        await AssertNotAcknowledgedAsync("comms-lost:ups");
    }

    [Fact]
    public async Task Same_origin_post_as_the_page_sends_it_is_accepted_and_audited_as_loopback()
    {
        var (status, body) = await PostAsync("api/alerts/comms-lost:generator/ack?by=night-op", r =>
        {
            r.Headers.Add(StatusAccess.RequestHeader, "1");
            r.Headers.Add("Origin", $"{Base.Scheme}://{Base.Authority}");
            r.Headers.Add("Sec-Fetch-Site", "same-origin");
            r.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        });
        Assert.True(status == HttpStatusCode.NoContent, $"{status}: {body}");

        var audit = Assert.Single(_agent.Events.Snapshot(), e => e.AlertId == "comms-lost:generator" && e.Type == "acknowledged");
        Assert.Equal(StatusAccess.Loopback, audit.By);
        Assert.Equal("night-op", audit.Operator);
        Assert.Equal("127.0.0.1", audit.From);
        Assert.Equal("night-op", (await RecordingEvents.AlertAsync(Http, "comms-lost:generator")).GetProperty("acknowledgedBy").GetString());

        // On MQTT (the events topic) the audit fields travel with the event, within the published schema.
        var payload = Encoding.UTF8.GetString(Payloads.Event(audit));
        Assert.Contains("\"alert_id\":\"comms-lost:generator\"", payload, StringComparison.Ordinal);
        Assert.Contains("\"by\":\"loopback\",\"operator\":\"night-op\",\"from\":\"127.0.0.1\"", payload, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(payload);
        var problems = Outputs.SchemaChecker.Check(Outputs.SchemaChecker.LoadSchema("event.schema.json"), doc.RootElement);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Shelve_is_audited_with_its_until_time()
    {
        var (status, body) = await PostAsync("api/alerts/comms-lost:ats/shelve?until=2099-01-01T00:00:00Z", r =>
            r.Content = new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.True(status == HttpStatusCode.NoContent, $"{status}: {body}");
        var audit = Assert.Single(_agent.Events.Snapshot(), e => e.AlertId == "comms-lost:ats" && e.Type == "shelved");
        Assert.Equal(StatusAccess.Loopback, audit.By);
        Assert.Null(audit.Operator);
        Assert.Equal(new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero), audit.Until);
    }

    [Fact]
    public async Task Reads_on_loopback_need_no_token_and_a_preflight_is_not_answered()
    {
        using var alerts = await Http.GetAsync(new Uri("api/alerts", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, alerts.StatusCode);
        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri("api/alerts/comms-lost:ups/ack", UriKind.Relative));
        preflight.Headers.Add("Origin", "http://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var answer = await Http.SendAsync(preflight);
        Assert.False(answer.IsSuccessStatusCode, answer.StatusCode.ToString());
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
    }
}

/// <summary>The agent's event publisher in a test: every event it receives, in order.</summary>
internal sealed class RecordingEvents : IEventPublisher
{
    private readonly ConcurrentQueue<EventMessage> _events = new();

    /// <summary>Registers this recorder as the agent's event publisher (after the agent's own registration, so it wins).</summary>
    public void Register(IServiceCollection services) => services.AddSingleton<IEventPublisher>(this);

    public IReadOnlyList<EventMessage> Snapshot() => [.. _events];

    public ValueTask PublishEventAsync(EventMessage message, CancellationToken cancellationToken)
    {
        _events.Enqueue(message);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishFailoverAsync(FailoverMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public static async Task UntilActiveAsync(HttpClient http, string id) =>
        await Poll.UntilAsync(
            async () => (await ActiveAsync(http)).Any(a => a.GetProperty("id").GetString() == id),
            TimeSpan.FromSeconds(20),
            () => $"{id} never raised");

    public static async Task<JsonElement> AlertAsync(HttpClient http, string id) =>
        (await ActiveAsync(http)).Single(a => a.GetProperty("id").GetString() == id);

    private static async Task<List<JsonElement>> ActiveAsync(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/alerts", UriKind.Relative)));
        return [.. doc.RootElement.GetProperty("active").EnumerateArray().Select(e => e.Clone())];
    }
}

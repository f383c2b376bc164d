using System.Net;
using System.Net.Http.Headers;
using PowerWatch.Agent.Status;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Status;

/// <summary>
/// An agent with two tokens (operator <c>noc-desk</c>, viewer <c>wall</c>) configured as salted hashes: writes need
/// the operator token even from loopback; a missing or wrong token is 401, the viewer token 403; an accepted write is
/// audited with the token's name; no answer repeats a token.
/// </summary>
public sealed class StatusTokenHttpTests : IClassFixture<StatusTokenHttpTests.Agent>
{
    private readonly Agent _agent;

    public StatusTokenHttpTests(Agent agent)
    {
        _agent = agent;
    }

    public sealed class Agent : IAsyncLifetime
    {
        private readonly TempDir _dir = new("powerwatch-status-tokens");

        public InProcessAgent Running { get; private set; } = null!;

        internal RecordingEvents Events { get; } = new();

        public string Operator { get; } = StatusTokenHash.NewToken();

        public string Viewer { get; } = StatusTokenHash.NewToken();

        public async Task InitializeAsync()
        {
            var settings = AlertsApiHttpTests.Agent.SilentChain(_dir.File("data"));
            settings["PowerWatch:Status:Tokens:0:Name"] = "noc-desk";
            settings["PowerWatch:Status:Tokens:0:Role"] = "operator";
            settings["PowerWatch:Status:Tokens:0:Hash"] = StatusTokenHash.NewHashLine(Operator);
            // The viewer's hash from a file, as a systemd credential would hold it.
            var hashFile = _dir.File("wall.hash");
            await File.WriteAllTextAsync(hashFile, StatusTokenHash.NewHashLine(Viewer) + "\n");
            settings["PowerWatch:Status:Tokens:1:Name"] = "wall";
            settings["PowerWatch:Status:Tokens:1:Role"] = "viewer";
            settings["PowerWatch:Status:Tokens:1:HashFile"] = hashFile;
            Running = await InProcessAgent.StartAsync(null, settings, Events.Register);
            await RecordingEvents.UntilActiveAsync(Running.Http, "comms-lost:ups");
        }

        public async Task DisposeAsync()
        {
            await Running.DisposeAsync();
            _dir.Dispose();
        }
    }

    private HttpClient Http => _agent.Running.Http;

    private async Task<(HttpStatusCode Status, string Body, HttpResponseHeaders Headers)> AckAsync(string id, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"api/alerts/{id}/ack", UriKind.Relative));
        request.Headers.Add(StatusAccess.RequestHeader, "1");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers);
    }

    [Fact]
    public async Task Write_without_a_token_is_401_even_from_loopback_as_the_page_sends_it()
    {
        var (status, body, headers) = await AckAsync("comms-lost:ups", null);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("need an operator token", body, StringComparison.Ordinal);
        Assert.Equal("Bearer", Assert.Single(headers.WwwAuthenticate).Scheme);
        Assert.False((await RecordingEvents.AlertAsync(Http, "comms-lost:ups")).GetProperty("acknowledged").GetBoolean());
    }

    [Fact]
    public async Task Wrong_token_is_401_and_the_answer_does_not_repeat_it()
    {
        var wrong = StatusTokenHash.NewToken();
        var (status, body, _) = await AckAsync("comms-lost:ups", wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("{\"error\":\"token not accepted\"}", body);

        // A token of another shape (not made by status-token) is refused before any hash is compared.
        var (shape, _, _) = await AckAsync("comms-lost:ups", "password123");
        Assert.Equal(HttpStatusCode.Unauthorized, shape);
        Assert.False((await RecordingEvents.AlertAsync(Http, "comms-lost:ups")).GetProperty("acknowledged").GetBoolean());
    }

    [Fact]
    public async Task Viewer_token_reads_but_is_403_on_write()
    {
        var (status, body, _) = await AckAsync("comms-lost:ups", _agent.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        using (var doc = System.Text.Json.JsonDocument.Parse(body))
        {
            Assert.Equal("token 'wall' has the role viewer; acknowledge and shelve need operator", doc.RootElement.GetProperty("error").GetString());
        }

        Assert.DoesNotContain(_agent.Viewer, body, StringComparison.Ordinal);

        using var read = new HttpRequestMessage(HttpMethod.Get, new Uri("api/alerts", UriKind.Relative));
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _agent.Viewer);
        using var answer = await Http.SendAsync(read);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    [Fact]
    public async Task Operator_token_acknowledges_and_the_audit_event_names_the_token_and_the_address()
    {
        var (status, body, _) = await AckAsync("comms-lost:generator", _agent.Operator);
        Assert.True(status == HttpStatusCode.NoContent, $"{status}: {body}");
        var audit = Assert.Single(_agent.Events.Snapshot(), e => e.AlertId == "comms-lost:generator" && e.Type == "acknowledged");
        Assert.Equal("noc-desk", audit.By);
        Assert.Equal("127.0.0.1", audit.From);
        Assert.Null(audit.Operator);
        // Without a ?by= name the acknowledgement is named after the token.
        Assert.Equal("noc-desk", (await RecordingEvents.AlertAsync(Http, "comms-lost:generator")).GetProperty("acknowledgedBy").GetString());
    }

    [Fact]
    public async Task Reads_from_loopback_stay_open_with_tokens_configured()
    {
        using var metrics = await Http.GetAsync(new Uri("metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }
}

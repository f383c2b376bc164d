using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using PowerWatch.Agent.Cli;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Status;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Status;

/// <summary>
/// The status API's transport and access settings: start-up refusal of a non-loopback address without TLS or tokens,
/// token and certificate problems named by key, the token verb, reads from another host, and HTTPS from PEM files
/// signed by a CA made in the test.
/// </summary>
public sealed class StatusSecurityTests
{
    private static IReadOnlyList<ConfigProblem> StatusProblems(Dictionary<string, string?> status)
    {
        var settings = new Dictionary<string, string?> { ["PowerWatch:Site"] = "dc1" };
        foreach (var (k, v) in status)
        {
            settings["PowerWatch:Status:" + k] = v;
        }

        var (_, problems) = ConfigValidator.BindAndValidate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return [.. problems.Where(p => p.Key.StartsWith("PowerWatch:Status", StringComparison.Ordinal))];
    }

    [Theory]
    [InlineData("http://0.0.0.0:8480", "has neither TLS (https:// with Status:Certificate) nor tokens (Status:Tokens)")]
    [InlineData("http://[::]:8480", "has neither TLS")]
    [InlineData("http://192.0.2.10:8480", "has neither TLS")]
    [InlineData("http://powerwatch.example:8480", "has neither TLS")]
    public void Non_loopback_address_without_tls_or_tokens_is_refused_naming_the_key_to_allow_it(string url, string reason)
    {
        var p = Assert.Single(StatusProblems(new() { ["Url"] = url }));
        Assert.Equal("PowerWatch:Status:Url", p.Key);
        Assert.Contains(reason, p.Reason, StringComparison.Ordinal);
        Assert.EndsWith("set Status:AllowInsecure to true to allow it anyway", p.Reason, StringComparison.Ordinal);

        Assert.Empty(StatusProblems(new() { ["Url"] = url, ["AllowInsecure"] = "true" }));
    }

    [Fact]
    public void Non_loopback_address_with_tokens_but_without_tls_is_refused_because_tokens_would_cross_in_clear()
    {
        var p = Assert.Single(StatusProblems(new()
        {
            ["Url"] = "http://0.0.0.0:8480",
            ["Tokens:0:Name"] = "noc-desk",
            ["Tokens:0:Role"] = "operator",
            ["Tokens:0:Hash"] = StatusTokenHash.NewHashLine(StatusTokenHash.NewToken()),
        }));
        Assert.Contains("tokens would cross the network in clear", p.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8480")]
    [InlineData("http://localhost:8480")]
    [InlineData("http://[::1]:8480")]
    public void Loopback_address_needs_neither_tls_nor_tokens(string url) =>
        Assert.Empty(StatusProblems(new() { ["Url"] = url }));

    [Fact]
    public void Token_problems_are_named_by_key_and_never_repeat_the_hash()
    {
        var malformed = "sha256:00ff:not-hex-at-all";
        var problems = StatusProblems(new()
        {
            ["Tokens:0:Name"] = "noc desk",
            ["Tokens:0:Hash"] = malformed,
            ["Tokens:1:Name"] = "wall",
            ["Tokens:2:Name"] = "ops",
            ["Tokens:2:HashFile"] = "/nonexistent/powerwatch/ops.hash",
            ["Tokens:3:Name"] = "ops",
            ["Tokens:3:Role"] = "root",
        });
        var byKey = problems.ToDictionary(p => p.Key, p => p.Reason, StringComparer.Ordinal);
        Assert.Contains("is not a token name", byKey["PowerWatch:Status:Tokens:0:Name"], StringComparison.Ordinal);
        Assert.Equal("salt and hash must be hexadecimal", byKey["PowerWatch:Status:Tokens:0:Hash"]);
        Assert.Equal("set exactly one of Hash and HashFile", byKey["PowerWatch:Status:Tokens:1:Hash"]);
        Assert.Equal("'/nonexistent/powerwatch/ops.hash': not found", byKey["PowerWatch:Status:Tokens:2:HashFile"]);
        Assert.True(byKey.ContainsKey("PowerWatch:Status:Tokens:3:Role"), string.Join("\n", problems));
        Assert.All(problems, p => Assert.DoesNotContain(malformed, p.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Https_url_without_a_certificate_and_a_certificate_on_http_are_problems()
    {
        Assert.Equal("PowerWatch:Status:Certificate", Assert.Single(StatusProblems(new() { ["Url"] = "https://127.0.0.1:8480" })).Key);
        var p = Assert.Single(StatusProblems(new() { ["Url"] = "http://127.0.0.1:8480", ["Certificate"] = "/nonexistent/cert.pem" }));
        Assert.Equal("PowerWatch:Status:Url", p.Key);
        Assert.Contains("not https://", p.Reason, StringComparison.Ordinal);
        var missing = Assert.Single(StatusProblems(new() { ["Url"] = "https://127.0.0.1:8480", ["Certificate"] = "/nonexistent/cert.pem" }));
        Assert.Equal("'/nonexistent/cert.pem' not found", missing.Reason);
    }

    [Fact]
    public void Read_from_another_host_needs_a_token_when_tokens_are_configured_and_the_page_itself_does_not()
    {
        var token = StatusTokenHash.NewToken();
        var options = new StatusOptions { Tokens = [new StatusTokenOptions { Name = "wall", Role = StatusRole.Viewer, Hash = StatusTokenHash.NewHashLine(token) }] };
        var tokens = StatusTokenSet.Load(options);
        var remote = IPAddress.Parse("192.0.2.7");

        var (_, refusal) = StatusAccess.Decide(Request("GET", "/api/alerts", null), remote, tokens);
        Assert.Equal(StatusCodes.Status401Unauthorized, refusal?.Status);
        Assert.Null(StatusAccess.Decide(Request("GET", "/", null), remote, tokens).Refusal);
        var (caller, none) = StatusAccess.Decide(Request("GET", "/api/alerts", token), remote, tokens);
        Assert.Null(none);
        Assert.Equal(new StatusCaller("wall", StatusRole.Viewer, "192.0.2.7"), caller);

        // Without tokens, another host reads (AllowInsecure) but never writes, even with the page's headers.
        var open = StatusTokenSet.Load(new StatusOptions());
        Assert.Null(StatusAccess.Decide(Request("GET", "/api/alerts", null), remote, open).Refusal);
        var write = Request("POST", "/api/alerts/x/ack", null);
        write.Headers[StatusAccess.RequestHeader] = "1";
        Assert.Equal(StatusCodes.Status403Forbidden, StatusAccess.Decide(write, remote, open).Refusal?.Status);
        Assert.Null(StatusAccess.Decide(write, IPAddress.Parse("::ffff:127.0.0.1"), open).Refusal);
    }

    private static HttpRequest Request(string method, string path, string? token)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1", 8480);
        if (token is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + token;
        }

        return context.Request;
    }

    [Fact]
    public async Task Status_token_verb_prints_the_token_once_and_an_entry_whose_hash_accepts_it()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await PowerWatchCommandLine.Build().Parse(["status-token", "noc-desk", "--role", "operator"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(exit == 0, error.ToString());
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        var token = Assert.Single(lines, l => l.StartsWith(StatusTokenHash.TokenPrefix, StringComparison.Ordinal));
        Assert.Equal(1, output.ToString().Split(token).Length - 1);
        var entry = Assert.Single(lines, l => l.StartsWith("{ \"Name\": \"noc-desk\", \"Role\": \"operator\", \"Hash\": \"sha256:", StringComparison.Ordinal));

        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes($$"""{ "Tokens": [ {{entry}} ] }"""))).Build();
        var options = configuration.Get<StatusOptions>()!;
        var set = StatusTokenSet.Load(options);
        Assert.Equal(("noc-desk", StatusRole.Operator), set.Authenticate(token));
        Assert.Null(set.Authenticate(StatusTokenHash.NewToken()));
        Assert.Equal(lines[^1], options.Tokens[0].Hash);

        var bad = await PowerWatchCommandLine.Build().Parse(["status-token", "noc desk"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.Equal(2, bad);
    }

    [Fact]
    public async Task Run_on_a_non_loopback_address_without_tls_or_tokens_prints_one_line_naming_the_key_and_exits_2()
    {
        using var dir = new TempDir();
        var path = dir.File("site.json");
        var profiles = JsonSerializer.Serialize(Path.Combine(AppContext.BaseDirectory, "profiles"));
        File.WriteAllText(path, $$"""
            { "PowerWatch": { "Site": "dc1", "Agent": "edge-1", "DataDirectory": "data", "ProfileDirectory": {{profiles}},
              "Status": { "Url": "http://0.0.0.0:0" },
              "Devices": [ { "Id": "ups", "Kind": "ups", "Endpoint": "tcp://127.0.0.1:1", "Profile": "apc-smart-ups-modbus" } ] } }
            """);
        var dll = Install.SystemdNotifyProcessTests.StageAgent(dir.File("agent"));
        var (exit, output) = await PeerProcess.RunAsync("dotnet", [dll, "run", "--config", path], TimeSpan.FromSeconds(60), dir.Path);
        Assert.True(exit == 2, $"exit {exit}: {output}");
        Assert.Equal(
            "site.json: Status.Url: 'http://0.0.0.0:0' is not a loopback address and has neither TLS (https:// with Status:Certificate) nor tokens (Status:Tokens): "
            + "anyone on that network could read the status and silence alarms; set Status:AllowInsecure to true to allow it anyway",
            output.Trim());
    }

    [Fact]
    public async Task Https_from_pem_files_serves_the_api_to_a_client_trusting_the_test_ca_and_takes_an_operator_token()
    {
        using var dir = new TempDir("powerwatch-https");
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=PowerWatch test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-1), now.AddHours(12), RandomNumberGenerator.GetBytes(12));
        await File.WriteAllTextAsync(dir.File("status.crt"), server.ExportCertificatePem());
        await File.WriteAllTextAsync(dir.File("status.key"), serverKey.ExportPkcs8PrivateKeyPem());

        var token = StatusTokenHash.NewToken();
        var settings = AlertsApiHttpTests.Agent.SilentChain(dir.File("data"));
        settings["PowerWatch:Status:Url"] = "https://127.0.0.1:0";
        settings["PowerWatch:Status:Certificate"] = dir.File("status.crt");
        settings["PowerWatch:Status:CertificateKey"] = dir.File("status.key");
        settings["PowerWatch:Status:Tokens:0:Name"] = "noc-desk";
        settings["PowerWatch:Status:Tokens:0:Role"] = "operator";
        settings["PowerWatch:Status:Tokens:0:Hash"] = StatusTokenHash.NewHashLine(token);
        var events = new RecordingEvents();
        await using var agent = await InProcessAgent.StartAsync(null, settings, events.Register);
        var url = agent.Http.BaseAddress!;
        Assert.Equal("https", url.Scheme);

        // A client that trusts only the test CA (and checks the name): the chain must end at it.
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        };
        using var trusting = new HttpClient(handler) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(20) };
        await RecordingEvents.UntilActiveAsync(trusting, "comms-lost:ups");

        using var ack = new HttpRequestMessage(HttpMethod.Post, new Uri("api/alerts/comms-lost:ups/ack", UriKind.Relative));
        ack.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var answer = await trusting.SendAsync(ack);
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Contains(events.Snapshot(), e => e.AlertId == "comms-lost:ups" && e.Type == "acknowledged" && e.By == "noc-desk");

        // A client with the system's trust store refuses the test certificate: it is not some default development one.
        using var untrusting = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(20) };
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(new Uri("healthz", UriKind.Relative)));
    }
}

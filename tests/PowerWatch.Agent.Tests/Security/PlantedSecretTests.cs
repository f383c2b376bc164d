using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PowerWatch.Agent.Status;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Security;

/// <summary>
/// Issue 16: secrets never appear in a log line, an exception message, check-config output or an API response. One
/// unique string is planted in every secret the configuration holds (MQTT password, InfluxDB token and password, NUT
/// password, a status API bearer token), then every surface is driven, including the error paths that are most
/// tempted to quote what they were given (a broker refusing the credentials, upsd refusing the password, a device that
/// refuses the connection, wrong and misplaced values in check-config, wrong bearer tokens), and all of it is grepped
/// for the planted string.
/// </summary>
public sealed class PlantedSecretTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Base64url characters only, so it can also be the body of a well-formed status token (pwt_ + 43 characters).
    private static readonly string Planted = "Plnt" + Guid.NewGuid().ToString("N");

    private static string Token => "pwt_" + (Planted + "AAAAAAAAAA")[..43];

    [Fact]
    public void The_planted_token_is_well_formed()
    {
        Assert.True(StatusTokenHash.IsWellFormed(Token));
    }

    [PeerFact("dotnet")]
    public async Task Check_config_never_prints_a_planted_secret_for_valid_and_invalid_configurations()
    {
        using var dir = new TempDir("powerwatch-planted");
        var outputs = new StringBuilder();
        var variants = new Dictionary<string, Action<Dictionary<string, object?>>>
        {
            ["valid"] = _ => { },
            ["bad-mqtt-port"] = pw => Section(pw, "Mqtt")["Port"] = 70000,
            ["password-as-object"] = pw => Section(pw, "Mqtt")["Password"] = new Dictionary<string, object?> { ["Value"] = Planted + "-mqtt" },
            ["password-as-list"] = pw => Section(Section(pw, "Ingest"), "Influx")["Token"] = new object?[] { Planted + "-influx" },
            ["misspelt-password-key"] = pw => Section(pw, "Mqtt")["Pasword"] = Planted + "-typo",
            ["misspelt-token-key"] = pw => Section(Section(pw, "Ingest"), "Influx")["Tokn"] = Planted + "-typo",
            ["secret-in-wrong-key"] = pw => Section(pw, "Mqtt")["KeepAlive"] = Planted + "-keepalive",
            ["bad-token-hash"] = pw => pw["Status"] = new Dictionary<string, object?> { ["Tokens"] = new object?[] { new Dictionary<string, object?> { ["Name"] = "noc", ["Role"] = "operator", ["Hash"] = Planted } } },
            ["bad-nut-device"] = pw => ((Dictionary<string, object?>)((object?[])pw["Devices"]!)[0]!)["Timeout"] = "-1",
        };
        foreach (var (name, change) in variants)
        {
            var config = Config(dir, nutPort: Peers.FreeTcpPort(), mqttPort: Peers.FreeTcpPort(), statusPort: Peers.FreeTcpPort(), change);
            var path = dir.File(name + ".json");
            await File.WriteAllTextAsync(path, config);
            var (exit, output) = await PeerProcess.RunAsync(Peers.Require("dotnet"), AgentArgs("check-config", path), Patience, dir.Path);
            outputs.Append($"--- {name} (exit {exit})\n{output}\n");
            if (name == "valid")
            {
                Assert.True(exit == 0, output);
            }
            else
            {
                Assert.True(exit != 0, $"{name} passed check-config:\n{output}");
            }
        }

        AssertNoSecret(outputs.ToString(), "check-config output");
    }

    [PeerFact("dotnet")]
    public async Task Run_logs_auth_errors_and_status_api_never_show_a_planted_secret()
    {
        using var dir = new TempDir("powerwatch-planted");
        using var broker = RefusingServer.Broker();
        using var upsd = RefusingServer.Upsd();
        var statusPort = Peers.FreeTcpPort();
        var path = dir.File("agent.json");
        await File.WriteAllTextAsync(path, Config(dir, upsd.Port, broker.Port, statusPort, _ => { }));

        await using var agent = PeerProcess.Start(Peers.Require("dotnet"), AgentArgs("run", "--verbose", "--config", path), dir.Path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statusPort}/"), Timeout = TimeSpan.FromSeconds(10) };
        var seen = new StringBuilder();

        // Both refusals happened (and were logged) before the surfaces are read.
        await Poll.UntilAsync(
            () => !agent.HasExited && broker.Refusals >= 2 && upsd.Refusals >= 2 && agent.Output.Contains("refused the credentials", StringComparison.Ordinal),
            Patience,
            () => agent.Output);

        string[] reads = ["healthz", "metrics", "api/overview", "api/devices", "api/readings?device=ups-nut", "api/readings?device=ups-refused", "api/alerts", "api/failover", "api/trends", ""];
        foreach (var read in reads)
        {
            foreach (var bearer in new string?[] { null, Token, Token + "x", Planted })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(read, UriKind.Relative));
                if (bearer is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                }

                using var response = await http.SendAsync(request);
                seen.Append($"--- GET /{read} ({(int)response.StatusCode}) {response.Headers}\n{await response.Content.ReadAsStringAsync()}\n");
            }
        }

        // Writes: refused without a token, with a wrong one, with the planted string as a token; accepted with the right one.
        foreach (var bearer in new string?[] { null, Token + "x", Planted, Token })
        {
            foreach (var verb in new[] { "ack", "shelve" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"api/alerts/no-such-alert/{verb}", UriKind.Relative))
                {
                    Content = new StringContent("{}", Encoding.UTF8, "application/json"),
                };
                if (bearer is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                }

                using var response = await http.SendAsync(request);
                seen.Append($"--- POST {verb} ({(int)response.StatusCode})\n{await response.Content.ReadAsStringAsync()}\n");
                if (bearer is not null && bearer != Token)
                {
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                }
            }
        }

        agent.Signal(15);
        await agent.WaitForExitAsync(Patience);
        AssertNoSecret(seen.ToString(), "status API responses");
        AssertNoSecret(agent.Output, "the agent's log (start-up, refused broker, refused upsd, refused device connection, shutdown)");
        Assert.Contains("ups-nut", agent.Output, StringComparison.Ordinal);
    }

    [PeerFact("dotnet")]
    public async Task Ingest_with_a_refusing_broker_never_logs_the_planted_secrets()
    {
        using var dir = new TempDir("powerwatch-planted");
        using var broker = RefusingServer.Broker();
        var path = dir.File("ingest.json");
        await File.WriteAllTextAsync(path, Config(dir, Peers.FreeTcpPort(), broker.Port, Peers.FreeTcpPort(), _ => { }));
        await using var ingest = PeerProcess.Start(Peers.Require("dotnet"), AgentArgs("ingest", "--config", path), dir.Path);
        await Poll.UntilAsync(() => broker.Refusals >= 1 && (ingest.HasExited || ingest.Output.Length > 0), Patience, () => ingest.Output);
        await Poll.UntilAsync(() => ingest.HasExited || ingest.Output.Contains("refused", StringComparison.OrdinalIgnoreCase), Patience, () => ingest.Output);
        if (!ingest.HasExited)
        {
            ingest.Signal(15);
        }

        await ingest.WaitForExitAsync(Patience);
        AssertNoSecret(ingest.Output, "ingest's log");
    }

    private static void AssertNoSecret(string text, string what)
    {
        var at = text.IndexOf(Planted, StringComparison.Ordinal);
        Assert.True(at < 0, $"{what} contains the planted secret: …{text[Math.Max(0, at - 300)..Math.Min(text.Length, at + 200)]}…");
        // Not only verbatim: base64 of a password (Basic authorization) would leak it too.
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("agent:" + Planted + "-influxpw"));
        Assert.DoesNotContain(encoded, text, StringComparison.Ordinal);
    }

    private static string[] AgentArgs(params string[] args)
    {
        var bin = AppContext.BaseDirectory;
        return [
            "exec", "--runtimeconfig", Path.Combine(bin, "powerwatch.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "PowerWatch.Agent.Tests.deps.json"),
            Path.Combine(bin, "powerwatch.dll"), .. args];
    }

    private static Dictionary<string, object?> Section(Dictionary<string, object?> parent, string name)
    {
        if (!parent.TryGetValue(name, out var section) || section is not Dictionary<string, object?> d)
        {
            d = [];
            parent[name] = d;
        }

        return d;
    }

    /// <summary>A site whose every secret carries the planted string; <paramref name="change"/> breaks it one way.</summary>
    private static string Config(TempDir dir, int nutPort, int mqttPort, int statusPort, Action<Dictionary<string, object?>> change)
    {
        var powerWatch = new Dictionary<string, object?>
        {
            ["Site"] = "dc1",
            ["Agent"] = "agent-1",
            ["DataDirectory"] = dir.File("data"),
            ["Status"] = new Dictionary<string, object?>
            {
                ["Url"] = $"http://127.0.0.1:{statusPort}",
                ["Tokens"] = new object?[] { new Dictionary<string, object?> { ["Name"] = "noc", ["Role"] = "operator", ["Hash"] = StatusTokenHash.NewHashLine(Token) } },
            },
            ["Devices"] = new object?[]
            {
                new Dictionary<string, object?>
                {
                    ["Id"] = "ups-nut", ["Kind"] = "ups", ["Input"] = "nut", ["Endpoint"] = $"nut://127.0.0.1:{nutPort}/sim",
                    ["Username"] = "monuser", ["Password"] = Planted + "-nut", ["PollInterval"] = "00:00:01", ["Timeout"] = "00:00:01",
                },
                new Dictionary<string, object?>
                {
                    // Nothing listens there: every poll is a refused connection.
                    ["Id"] = "ups-refused", ["Kind"] = "ups", ["Input"] = "nut", ["Endpoint"] = $"nut://127.0.0.1:{Peers.FreeTcpPort()}/sim",
                    ["Username"] = "monuser", ["Password"] = Planted + "-nut2", ["PollInterval"] = "00:00:01", ["Timeout"] = "00:00:01",
                },
            },
            ["Mqtt"] = new Dictionary<string, object?>
            {
                ["Enabled"] = true, ["Host"] = "127.0.0.1", ["Port"] = mqttPort, ["Username"] = "agent", ["Password"] = Planted + "-mqtt",
                ["ReconnectMinDelay"] = "00:00:00.100", ["ReconnectMaxDelay"] = "00:00:00.200", ["RefusedRetryDelay"] = "00:00:00.300",
                ["Outbox"] = new Dictionary<string, object?> { ["FsyncMode"] = "None" },
            },
            ["Ingest"] = new Dictionary<string, object?>
            {
                ["DeadLetterFile"] = dir.File("dead-letters.txt"),
                ["Influx"] = new Dictionary<string, object?>
                {
                    ["Url"] = $"http://127.0.0.1:{Peers.FreeTcpPort()}", ["ApiVersion"] = "V2", ["Org"] = "o", ["Bucket"] = "b",
                    ["Token"] = Planted + "-influx", ["Username"] = "agent", ["Password"] = Planted + "-influxpw",
                },
            },
        };
        change(powerWatch);
        return JsonSerializer.Serialize(new Dictionary<string, object?> { ["PowerWatch"] = powerWatch });
    }

    /// <summary>
    /// A loopback server that refuses credentials: <see cref="Broker"/> answers every CONNECT with CONNACK 0x86 (5.0)
    /// or 4 (3.1.1), bad user name or password; <see cref="Upsd"/> accepts USERNAME and answers PASSWORD with
    /// ERR ACCESS-DENIED. <see cref="Refusals"/> counts the refusals sent.
    /// </summary>
    private sealed class RefusingServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Func<NetworkStream, Action, CancellationToken, Task> _serve;
        private int _refusals;

        private RefusingServer(Func<NetworkStream, Action, CancellationToken, Task> serve)
        {
            _serve = serve;
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Refusals => Volatile.Read(ref _refusals);

        public static RefusingServer Broker() => new(async (stream, refused, ct) =>
        {
            var packet = new byte[1024];
            var n = await stream.ReadAsync(packet, ct);
            // CONNECT: fixed header, remaining length (1 byte here), 00 04 "MQTT", then the protocol level.
            var v5 = n > 8 && packet[8] == 5;
            await stream.WriteAsync(v5 ? new byte[] { 0x20, 0x03, 0x00, 0x86, 0x00 } : new byte[] { 0x20, 0x02, 0x00, 0x04 }, ct);
            refused();
            _ = await stream.ReadAtLeastAsync(packet, 1, throwOnEndOfStream: false, ct);
        });

        public static RefusingServer Upsd() => new(async (stream, refused, ct) =>
        {
            using var reader = new StreamReader(stream);
            var writer = new StreamWriter(stream) { AutoFlush = true, NewLine = "\n" };
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                var password = line.StartsWith("PASSWORD", StringComparison.Ordinal);
                await writer.WriteLineAsync(password ? "ERR ACCESS-DENIED" : "OK");
                if (password)
                {
                    refused();
                }
            }
        });

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            await _serve(client.GetStream(), () => Interlocked.Increment(ref _refusals), _stop.Token);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
                        {
                        }
                    }
                });
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}

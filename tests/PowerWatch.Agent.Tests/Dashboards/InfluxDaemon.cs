using System.Text;
using System.Text.Json;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>A real influxd 1.x on loopback ports with its data in a per-test temp dir (same pattern as the Influx tests' fixture).</summary>
public sealed class InfluxDaemon : IAsyncDisposable
{
    private readonly TempDir _dir = new("powerwatch-dash-influxd");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private PeerProcess? _process;

    private InfluxDaemon()
    {
        Port = Peers.FreeTcpPort();
        RpcPort = Peers.FreeTcpPort();
    }

    public int Port { get; }

    public int RpcPort { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    public static async Task<InfluxDaemon> StartAsync(string database)
    {
        var server = new InfluxDaemon();
        try
        {
            var d = server._dir.Path;
            var config = server._dir.File("influxdb.conf");
            await File.WriteAllTextAsync(config, $"""
                reporting-disabled = true
                bind-address = "127.0.0.1:{server.RpcPort}"
                [meta]
                  dir = "{d}/meta"
                [data]
                  dir = "{d}/data"
                  wal-dir = "{d}/wal"
                  query-log-enabled = false
                [monitor]
                  store-enabled = false
                [http]
                  bind-address = "127.0.0.1:{server.Port}"
                  auth-enabled = false
                  log-enabled = false
                """);
            server._process = PeerProcess.Start(Peers.Require("influxd"), ["run", "-config", config]);
            await server._process.WaitUntilAsync(
                async () =>
                {
                    try
                    {
                        using var r = await server._http.GetAsync(new Uri(server.BaseUrl, "ping"));
                        return (int)r.StatusCode == 204;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromSeconds(30),
                "/ping answers 204");
            await server.QueryAsync($"CREATE DATABASE \"{database}\"", null);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes line protocol (nanosecond precision) through /write; throws unless InfluxDB answers 204.</summary>
    public async Task WriteAsync(string database, string lines)
    {
        using var content = new StringContent(lines, Encoding.UTF8, "text/plain");
        using var r = await _http.PostAsync(new Uri(BaseUrl, $"write?db={Uri.EscapeDataString(database)}&precision=ns"), content);
        if ((int)r.StatusCode != 204)
        {
            throw new InvalidOperationException($"write failed: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Runs InfluxQL (POST /query) and returns the first statement's result; throws on an HTTP or statement error.</summary>
    public async Task<JsonElement> QueryAsync(string q, string? db)
    {
        var form = new Dictionary<string, string> { ["q"] = q };
        if (db is not null)
        {
            form["db"] = db;
        }

        using var content = new FormUrlEncodedContent(form);
        using var r = await _http.PostAsync(new Uri(BaseUrl, "query"), content);
        var text = await r.Content.ReadAsStringAsync();
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)r.StatusCode} {text}");
        }

        using var doc = JsonDocument.Parse(text);
        var result = doc.RootElement.GetProperty("results")[0].Clone();
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException(error.GetString());
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _http.Dispose();
        _dir.Dispose();
    }
}

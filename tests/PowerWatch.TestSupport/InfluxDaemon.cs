using System.Globalization;
using System.Text.Json;
namespace PowerWatch.TestSupport;

/// <summary>A real influxd 1.x (Debian influxdb 1.6) on loopback ports with its data in a temp dir; optionally with authentication. Shared by every test that needs InfluxDB.</summary>
public sealed class InfluxDaemon : IAsyncDisposable
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "s3cret pw";

    private readonly TempDir _dir = new("powerwatch-influxd");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly bool _auth;
    private PeerProcess? _process;

    private InfluxDaemon(bool auth)
    {
        _auth = auth;
        Port = Peers.FreeTcpPort();
        RpcPort = Peers.FreeTcpPort();
    }

    public int Port { get; }

    public int RpcPort { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>The base URL as configuration text (no trailing slash).</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    public string Output => _process?.Output ?? "";

    /// <summary>The influxd process id while it runs (benchmarks read its CPU time from /proc).</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public static async Task<InfluxDaemon> StartAsync(bool auth = false, params string[] databases)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(auth, databases);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.Ordinal))
            {
                // Another process took one of the two ports between our check and influxd's bind: new ports.
            }
        }
    }

    private static async Task<InfluxDaemon> StartOnceAsync(bool auth, string[] databases)
    {
        var server = new InfluxDaemon(auth);
        try
        {
            await server.StartProcessAsync();
            if (auth)
            {
                // With no user yet, InfluxDB 1.x lets the first admin be created without credentials.
                await server.QueryAsync($"CREATE USER {AdminUser} WITH PASSWORD '{AdminPassword}' WITH ALL PRIVILEGES");
            }

            foreach (var db in databases)
            {
                await server.QueryAsync($"CREATE DATABASE \"{db}\"");
            }

            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task StartProcessAsync()
    {
        var d = _dir.Path;
        var config = _dir.File("influxdb.conf");
        await File.WriteAllTextAsync(config, $"""
            reporting-disabled = true
            bind-address = "127.0.0.1:{RpcPort}"
            [meta]
              dir = "{d}/meta"
            [data]
              dir = "{d}/data"
              wal-dir = "{d}/wal"
              query-log-enabled = false
            [monitor]
              store-enabled = false
            [http]
              bind-address = "127.0.0.1:{Port}"
              auth-enabled = {(_auth ? "true" : "false")}
              log-enabled = false
            """);
        _process = PeerProcess.Start(Peers.Require("influxd"), ["run", "-config", config]);
        await _process.WaitUntilAsync(
            async () =>
            {
                try
                {
                    using var r = await _http.GetAsync(new Uri(BaseUrl, "ping"));
                    return (int)r.StatusCode == 204;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "/ping answers 204");
    }

    /// <summary>Kills influxd (SIGKILL) and waits until it is gone; the data directory stays.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Writes line protocol (nanosecond precision) through /write; throws unless InfluxDB answers 204.</summary>
    public async Task WriteAsync(string database, string lines)
    {
        using var content = new StringContent(lines, System.Text.Encoding.UTF8, "text/plain");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, $"write?db={Uri.EscapeDataString(database)}&precision=ns")) { Content = content };
        Authorize(request);
        using var r = await _http.SendAsync(request);
        if ((int)r.StatusCode != 204)
        {
            throw new InvalidOperationException($"write failed: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Runs InfluxQL (POST /query) and returns the JSON answer; throws on an HTTP or statement error.</summary>
    public async Task<JsonElement> QueryAsync(string q, string? db = null)
    {
        var form = new Dictionary<string, string> { ["q"] = q };
        if (db is not null)
        {
            form["db"] = db;
        }

        using var content = new FormUrlEncodedContent(form);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, "query")) { Content = content };
        if (!q.StartsWith("CREATE USER", StringComparison.Ordinal))
        {
            Authorize(request);
        }

        using var r = await _http.SendAsync(request);
        var text = await r.Content.ReadAsStringAsync();
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"query '{q}' failed: {(int)r.StatusCode} {text}");
        }

        using var doc = JsonDocument.Parse(text);
        var result = doc.RootElement.GetProperty("results")[0].Clone();
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"query '{q}' failed: {error}");
        }

        return result;
    }

    /// <summary>The rows of a SELECT as column-name → value maps, one list per series.</summary>
    public async Task<List<Dictionary<string, JsonElement>>> SelectAsync(string q, string db)
    {
        var result = await QueryAsync(q, db);
        var rows = new List<Dictionary<string, JsonElement>>();
        if (!result.TryGetProperty("series", out var series))
        {
            return rows;
        }

        foreach (var s in series.EnumerateArray())
        {
            var columns = s.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
            foreach (var v in s.GetProperty("values").EnumerateArray())
            {
                var row = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                var i = 0;
                foreach (var cell in v.EnumerateArray())
                {
                    row[columns[i++]] = cell.Clone();
                }

                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>All values of one column of a SELECT, over every series.</summary>
    public async Task<List<JsonElement>> ColumnAsync(string q, string db, string column)
    {
        var result = await QueryAsync(q, db);
        var values = new List<JsonElement>();
        if (!result.TryGetProperty("series", out var series))
        {
            return values;
        }

        foreach (var s in series.EnumerateArray())
        {
            var columns = s.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList();
            var i = columns.IndexOf(column);
            values.AddRange(s.GetProperty("values").EnumerateArray().Select(v => v[i].Clone()));
        }

        return values;
    }

    public async Task<long> CountAsync(string measurement, string field, string db)
    {
        var rows = await SelectAsync($"SELECT count(\"{field}\") FROM \"{measurement}\"", db);
        return rows.Count == 0 ? 0 : rows[0]["count"].GetInt64();
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (_auth)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(AdminUser + ":" + AdminPassword)));
        }
    }

    public static string Ns(long ns) => ns.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _http.Dispose();
        _dir.Dispose();
    }
}

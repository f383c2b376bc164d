using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>A real mosquitto on 127.0.0.1 and a free port, persistence in the test's temp dir; SIGKILL-able.</summary>
internal sealed class MosquittoServer : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _config;
    private PeerProcess? _process;

    private MosquittoServer(string config, int port)
    {
        _config = config;
        Port = port;
    }

    public int Port { get; }

    public static async Task<MosquittoServer> StartAsync(TempDir dir, bool persistence = true)
    {
        var port = Peers.FreeTcpPort();
        var config = dir.File($"mosquitto-{port}.conf");
        Directory.CreateDirectory(dir.File("mosquitto-data"));
        var lines = new List<string>
        {
            $"listener {port} 127.0.0.1", "allow_anonymous true", "log_dest stderr", "log_type error", "log_type warning",
            "max_queued_messages 1000000", "max_inflight_messages 100",
        };
        if (persistence)
        {
            lines.Add("persistence true");
            lines.Add($"persistence_location {dir.File("mosquitto-data")}/");
            lines.Add("autosave_interval 1");
        }

        if (Environment.UserName == "root")
        {
            lines.Add("user root");
        }

        await File.WriteAllLinesAsync(config, lines);
        var server = new MosquittoServer(config, port);
        await server.StartProcessAsync();
        return server;
    }

    public async Task StartProcessAsync()
    {
        using (var cts = new CancellationTokenSource(Patience))
        {
            while (PortInUse(Port))
            {
                await Task.Delay(20, cts.Token);
            }
        }

        _process = PeerProcess.Start(Peers.Require("mosquitto"), ["-c", _config]);
        await _process.WaitForTcpAsync(Port, Patience);
    }

    /// <summary>SIGKILL (no persistence save at exit: what was autosaved survives).</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            _process.Signal(9);
            await _process.WaitForExitAsync(Patience);
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>SIGTERM: mosquitto saves its persistence file before exiting.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            _process.Signal(15);
            await _process.WaitForExitAsync(Patience);
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public string[] Args(params string[] rest) => ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), .. rest];

    public async ValueTask DisposeAsync() => await KillAsync();

    private static bool PortInUse(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>A real influxd 1.x on loopback ports with its data in a temp dir; stop/start keeps the data.</summary>
internal sealed class InfluxDbServer : IAsyncDisposable
{
    private readonly TempDir _dir = new("powerwatch-agent-influxd");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private PeerProcess? _process;

    private InfluxDbServer()
    {
        Port = Peers.FreeTcpPort();
        RpcPort = Peers.FreeTcpPort();
    }

    public int Port { get; }

    public int RpcPort { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public static async Task<InfluxDbServer> StartAsync(string database)
    {
        var server = new InfluxDbServer();
        try
        {
            await server.StartProcessAsync();
            await server.QueryAsync($"CREATE DATABASE \"{database}\"");
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
              log-enabled = false
            """);
        _process = PeerProcess.Start(Peers.Require("influxd"), ["run", "-config", config]);
        await _process.WaitUntilAsync(
            async () =>
            {
                try
                {
                    using var r = await _http.GetAsync(new Uri($"{Url}/ping"));
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

    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public async Task<JsonElement> QueryAsync(string q, string? db = null)
    {
        var form = new Dictionary<string, string> { ["q"] = q };
        if (db is not null)
        {
            form["db"] = db;
        }

        using var content = new FormUrlEncodedContent(form);
        using var r = await _http.PostAsync(new Uri($"{Url}/query"), content);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"query '{q}' failed: {(int)r.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("results")[0].Clone();
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

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _http.Dispose();
        _dir.Dispose();
    }
}

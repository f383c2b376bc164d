using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PowerWatch.Agent.Tests.Dashboards;
using PowerWatch.Agent.Tests.Outputs;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Ingest;

/// <summary>Which side reaches the restarted broker first.</summary>
internal enum ReconnectOrder
{
    AgentFirst,
    IngestFirst,
}

/// <summary>
/// The whole chain as real processes on loopback, for the end-to-end delivery tests (issue 19): the simulated site
/// (in-process Modbus TCP faces) → <c>powerwatch run</c> (QoS 1, 500 ms polls) → mosquitto (persistence on, with
/// mosquitto's own long autosave interval, so a SIGKILL loses the sessions and queues) → one or more
/// <c>powerwatch ingest</c> (persistent sessions; a shared subscription when several) → influxd 1.6. Optionally the
/// agent talks to a local mosquitto bridged to the central one that ingest uses. Every (device, seq) is counted from
/// InfluxDB.
/// </summary>
internal sealed partial class DeliveryRun : IAsyncDisposable
{
    public const string Site = "e2e";
    public const string Database = "power";
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir;
    private readonly List<PeerProcess> _ingests = [];
    private readonly List<string> _deadLetterFiles = [];
    private MosquittoServer? _central;
    private MosquittoServer? _local;
    private InfluxDaemon? _influx;
    private SiteHost? _site;
    private AgentProcess? _agent;

    private DeliveryRun(TempDir dir)
    {
        _dir = dir;
    }

    public MosquittoServer Central => _central!;

    /// <summary>The broker the agent publishes to: the local (bridging) one when there is a bridge, else the central one.</summary>
    public MosquittoServer AgentBroker => _local ?? _central!;

    public AgentProcess AgentPeer => _agent!;

    public IReadOnlyList<PeerProcess> Ingests => _ingests;

    public IReadOnlyList<string> DeviceIds => [.. _site!.Devices.Select(d => d.Id)];

    /// <summary>Starts everything: brokers, influxd, the site, ingest (subscribed before the agent publishes), the agent.</summary>
    public static async Task<DeliveryRun> StartAsync(string delivery, int ingestInstances = 1, bool bridge = false, TimeSpan? gapGrace = null)
    {
        var run = new DeliveryRun(new TempDir("powerwatch-e2e-delivery"));
        try
        {
            await run.StartAllAsync(delivery, ingestInstances, bridge, gapGrace ?? TimeSpan.FromMinutes(10));
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls a condition; fails at once when a pipeline process exited, with everyone's output.</summary>
    public Task WaitAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null) =>
        Poll.UntilAsync(
            condition,
            timeout ?? Patience,
            () => what() + Diagnostics(),
            () => _agent?.Process.HasExited == true || _ingests.Any(i => i.HasExited)
                ? $"a pipeline process exited while waiting for: {what()}{Diagnostics()}"
                : null);

    /// <summary>Each device's current poll seq (from the agent's /api/devices).</summary>
    public async Task<Dictionary<string, long>> SequencesAsync()
    {
        Dictionary<string, long>? seqs = null;
        await WaitAsync(async () => (seqs = await AgentPeer.SequencesAsync()) is not null, () => "/api/devices");
        return seqs!;
    }

    /// <summary>Waits until every device has polled <paramref name="polls"/> more times than in <paramref name="from"/>.</summary>
    public async Task<Dictionary<string, long>> WaitForPollsAsync(Dictionary<string, long> from, int polls)
    {
        Dictionary<string, long>? now = null;
        await WaitAsync(
            async () => (now = await AgentPeer.SequencesAsync()) is { } n && from.All(kv => n[kv.Key] >= kv.Value + polls),
            () => $"{polls} more polls of every device after {Format(from)}; now {Format(now)}");
        return now!;
    }

    /// <summary>The stored seqs of every device, from InfluxDB (measurement = the device's kind).</summary>
    public async Task<Dictionary<string, List<long>>> StoredAsync()
    {
        var stored = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var d in _site!.Devices)
        {
            try
            {
                var values = await _influx!.ColumnAsync($"SELECT \"seq\" FROM \"{d.Kind}\" WHERE \"device\" = '{d.Id}'", Database, "seq");
                stored[d.Id] = [.. values.Select(v => v.GetInt64())];
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                stored[d.Id] = [];
            }
        }

        return stored;
    }

    /// <summary>Per device, the seqs of 1..<paramref name="through"/>[device] not in InfluxDB ("" when none).</summary>
    public async Task<Dictionary<string, string>> MissingAsync(Dictionary<string, long> through)
    {
        var stored = await StoredAsync();
        return through.ToDictionary(kv => kv.Key, kv => TelemetryChecks.MissingRanges(stored[kv.Key], kv.Value), StringComparer.Ordinal);
    }

    /// <summary>The outbox's pending entries and QoS 1 PUBACKs from the agent's /metrics, and whether it is connected.</summary>
    public async Task<(bool Connected, double Pending, double Qos1Publishes)?> AgentMetricsAsync()
    {
        var scrape = await AgentPeer.ScrapeAsync();
        if (scrape is null)
        {
            return null;
        }

        var m = Qos1Publishes().Match(scrape.Text);
        return (scrape.Connected, scrape.Pending, m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1);
    }

    /// <summary>The dead-letter lines of every ingest instance that report a telemetry gap.</summary>
    public IReadOnlyList<string> GapLines() =>
        [.. _deadLetterFiles.Where(File.Exists).SelectMany(f => ReadShared(f).Split('\n')).Where(l => l.Contains("\ttelemetry gap: ", StringComparison.Ordinal))];

    public static string Format(Dictionary<string, long>? seqs) =>
        seqs is null ? "(none)" : string.Join(", ", seqs.Select(kv => $"{kv.Key} {kv.Value}"));

    public string Diagnostics() =>
        $"\n--- agent output:\n{DashboardOutageRun.Tail(_agent?.Process.Output ?? "")}"
        + string.Concat(_ingests.Select((p, i) => $"\n--- ingest {i + 1} output:\n{DashboardOutageRun.Tail(p.Output)}"))
        + $"\n--- central mosquitto:\n{DashboardOutageRun.Tail(_central?.Output ?? "")}"
        + (_local is null ? "" : $"\n--- local (bridging) mosquitto:\n{DashboardOutageRun.Tail(_local.Output)}");

    /// <summary>SIGSTOP (19) / SIGCONT (18) of every ingest process: holds them away from the broker without losing their state.</summary>
    public void SignalIngests(int signal)
    {
        foreach (var i in _ingests)
        {
            i.Signal(signal);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var i in _ingests)
        {
            i.Signal(18);
        }

        if (_agent is not null)
        {
            _agent.Process.Signal(18);
            await _agent.DisposeAsync();
        }

        foreach (var i in _ingests)
        {
            await i.DisposeAsync();
        }

        if (_site is not null)
        {
            await _site.DisposeAsync();
        }

        if (_local is not null)
        {
            await _local.DisposeAsync();
        }

        if (_central is not null)
        {
            await _central.DisposeAsync();
        }

        if (_influx is not null)
        {
            await _influx.DisposeAsync();
        }

        _dir.Dispose();
    }

    private static string ReadShared(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    private static string AgentDll => Path.Combine(AppContext.BaseDirectory, "powerwatch.dll");

    [GeneratedRegex("""^powerwatch_mqtt_publishes_total\{[^}]*qos="1"[^}]*\} (\S+)""", RegexOptions.Multiline)]
    private static partial Regex Qos1Publishes();

    private async Task StartAllAsync(string delivery, int ingestInstances, bool bridge, TimeSpan gapGrace)
    {
        // mosquitto's default autosave_interval (1800 s): a SIGKILL loses whatever changed since the start.
        _central = await MosquittoServer.StartAsync(_dir, autosaveInterval: 1800, name: "central");
        if (bridge)
        {
            _local = await MosquittoServer.StartAsync(_dir, autosaveInterval: 1800, name: "local", extra:
            [
                "connection central",
                $"address 127.0.0.1:{_central.Port.ToString(CultureInfo.InvariantCulture)}",
                "bridge_protocol_version mqttv311",
                "cleansession false",
                "clientid pw-bridge-local",
                "restart_timeout 1",
                $"topic powerwatch/{Site}/+/telemetry out 1",
                $"topic powerwatch/{Site}/+/availability out 1",
                $"topic powerwatch/{Site}/+/stored in 1",
            ]);
        }

        _influx = await InfluxDaemon.StartAsync(false, Database);
        _site = await SiteHost.StartAsync(new SiteHostOptions(), CancellationToken.None);
        for (var i = 1; i <= ingestInstances; i++)
        {
            var config = _dir.File($"ingest-{i}.json");
            var deadLetters = _dir.File($"dead-letters-{i}.txt");
            _deadLetterFiles.Add(deadLetters);
            await File.WriteAllTextAsync(config, IngestConfiguration(_central.Port, _influx.Url, deadLetters, i, ingestInstances > 1 ? "pw-ingest" : null, gapGrace));
            var process = StartPowerwatch("ingest", config);
            _ingests.Add(process);
            await process.WaitForOutputAsync("Ingest subscribed", Patience);
        }

        var statusUrl = new Uri($"http://127.0.0.1:{Peers.FreeTcpPort().ToString(CultureInfo.InvariantCulture)}/");
        var agentConfig = _dir.File("agent.json");
        await File.WriteAllTextAsync(agentConfig, AgentConfiguration(_site.ToAgentConfigurationJson(), AgentBroker.Port, _dir.File("data"), statusUrl, delivery));
        _agent = AgentProcess.Start(agentConfig, statusUrl);
    }

    internal static PeerProcess StartPowerwatch(string verb, string config)
    {
        var bin = AppContext.BaseDirectory;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        return PeerProcess.Start(dotnet, [
            "exec", "--runtimeconfig", Path.Combine(bin, "powerwatch.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "PowerWatch.Agent.Tests.deps.json"),
            AgentDll, verb, "--config", config]);
    }

    private static string AgentConfiguration(string simulatorConfiguration, int mqttPort, string dataDirectory, Uri statusUrl, string delivery) =>
        SimulatedSiteAgentConfig.Build(simulatorConfiguration, Site, "e2e-1", dataDirectory, PollInterval, statusUrl, mqttPort, new JsonObject
        {
            ["Delivery"] = delivery,
            ["StoredTimeout"] = "00:00:02",
            ["Outbox"] = new JsonObject { ["FsyncMode"] = "None" },
        });

    internal static string IngestConfiguration(int mqttPort, string influxUrl, string deadLetters, int instance, string? sharedGroup, TimeSpan gapGrace)
    {
        var ingest = new JsonObject
        {
            ["Influx"] = new JsonObject { ["Url"] = influxUrl, ["Database"] = Database },
            ["DeadLetterFile"] = deadLetters,
            ["FlushInterval"] = "00:00:00.100",
            ["GapGrace"] = gapGrace.ToString("c", CultureInfo.InvariantCulture),
        };
        if (sharedGroup is not null)
        {
            ingest["SharedGroup"] = sharedGroup;
        }

        var root = new JsonObject
        {
            ["PowerWatch"] = new JsonObject
            {
                ["Mqtt"] = new JsonObject
                {
                    ["Host"] = "127.0.0.1",
                    ["Port"] = mqttPort,
                    ["ClientId"] = $"pw-ingest-e2e-{instance.ToString(CultureInfo.InvariantCulture)}",
                    ["ReconnectMinDelay"] = "00:00:00.100",
                    ["ReconnectMaxDelay"] = "00:00:00.500",
                },
                ["Ingest"] = ingest,
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PowerWatch.Agent.Tests.Outputs;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces;
using PowerWatch.Simulators.Scenarios;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>
/// One real run of the whole chain, shared by the tests of <see cref="DashboardEndToEndPeerTests"/> and started by the
/// first test that needs it (a skipped test starts nothing): a simulated site replays an outage in which the utility
/// fails and the generator starts and takes the load; <c>powerwatch run</c> (a real process) polls it over Modbus TCP
/// and publishes telemetry, alerts and failover state to a real mosquitto; <c>powerwatch ingest</c> (a real process)
/// writes them into a real InfluxDB 1.6. <see cref="StartAsync"/> returns once the data holds telemetry of every device
/// kind, alerts, failover points (with the analyzer's time-windowed outputs), the generator on load and the ATS on
/// source 2.
/// </summary>
public class DashboardOutageRun : IAsyncLifetime
{
    public const string Database = "powerwatch";

    /// <summary>
    /// Virtual time runs this many times real time: the generator is on load 23 virtual seconds after the outage,
    /// so the agent (on real time) sees the UPS on battery for about 5.8 s, twice what its own discharge estimate needs.
    /// </summary>
    private const double Speed = 4;

    /// <summary>
    /// A 1 L day tank: the generator's whole-percent fuel level drops a step every few real seconds, so the failover
    /// analyzer's fuel-burn regression (window <see cref="FuelWindow"/>) yields fuel hours within the test.
    /// </summary>
    private const double TankLitres = 1;

    private readonly string _scenario;
    private readonly double? _tankLitres;
    private readonly IReadOnlyList<string> _required;

    /// <summary>The good-generator outage: the generator starts and takes the load; returns once it is on load and the ATS on source 2.</summary>
    public DashboardOutageRun()
        : this("utility-loss-good-generator", TankLitres, [
            "SELECT \"failover.runtime.estimate\" FROM \"failover\" LIMIT 1",
            "SELECT \"failover.fuel.hours\" FROM \"failover\" LIMIT 1",
            "SELECT \"generator.state\" FROM \"generator\" WHERE \"generator.state\" = 'on-load' LIMIT 1",
            "SELECT \"input.source\" FROM \"ats\" WHERE \"input.source\" = '2' LIMIT 1",
        ])
    {
    }

    /// <param name="scenario">A file of simulators/scenarios (without .scn).</param>
    /// <param name="tankLitres">The generator's day tank, or null for the demo site's.</param>
    /// <param name="required">Queries that must answer with a series (besides telemetry of every kind, alerts and failover) before the run is ready.</param>
    protected DashboardOutageRun(string scenario, double? tankLitres, IReadOnlyList<string> required)
    {
        _scenario = scenario;
        _tankLitres = tankLitres;
        _required = required;
    }

    private static readonly TimeSpan FuelWindow = TimeSpan.FromSeconds(20);

    /// <summary>The analyzer's discharge-slope window (its minimum): an estimate after a quarter of it on battery.</summary>
    private static readonly TimeSpan DischargeWindow = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(300);

    private readonly TempDir _dir = new("powerwatch-dashboards-e2e");
    private readonly SemaphoreSlim _gate = new(1, 1);
    private MosquittoServer? _broker;
    private InfluxDaemon? _influx;
    private PeerProcess? _ingest;
    private PeerProcess? _agent;
    private SiteHost? _site;
    private Exception? _failure;
    private bool _started;

    /// <summary>How long any one wait for the pipeline may take.</summary>
    public static TimeSpan Patience { get; } = TimeSpan.FromSeconds(60);

    /// <summary>A minute before the run began: the start of every dashboard time range.</summary>
    public DateTimeOffset From { get; } = DateTimeOffset.UtcNow.AddMinutes(-1);

    public InfluxDaemon Influx => _influx ?? throw new InvalidOperationException("not started");

    public SiteHost Site => _site ?? throw new InvalidOperationException("not started");

    /// <summary>The agent's status API (loopback).</summary>
    public Uri StatusUrl { get; } = new($"http://127.0.0.1:{Peers.FreeTcpPort().ToString(CultureInfo.InvariantCulture)}/");

    public string DeadLetterFile => _dir.File("dead-letters.txt");

    private static string AgentDll => Path.Combine(AppContext.BaseDirectory, "powerwatch.dll");

    /// <summary>Starts the run once (later calls wait for it; a failed start fails every later call the same way).</summary>
    public async Task StartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException("the shared outage run failed to start: " + _failure.Message, _failure);
            }

            if (!_started)
            {
                await RunPipelineAsync();
                _started = true;
            }
        }
        catch (Exception ex) when (_failure is null)
        {
            _failure = ex;
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The last lines of the agent's and ingest's output, for failure messages.</summary>
    public string Diagnostics() => $"\n--- agent output:\n{Tail(_agent?.Output ?? "")}\n--- ingest output:\n{Tail(_ingest?.Output ?? "")}";

    /// <summary>Polls a condition until it holds; fails at once when the agent or ingest has exited, or after <see cref="Patience"/>.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what) =>
        Poll.UntilAsync(
            condition,
            Patience,
            () => what() + Diagnostics(),
            () => _agent?.HasExited == true || _ingest?.HasExited == true ? $"a pipeline process exited while waiting for: {what()}{Diagnostics()}" : null);

    /// <summary>True when the query answers with at least one series.</summary>
    public async Task<bool> HasSeriesAsync(string query)
    {
        try
        {
            var result = await Influx.QueryAsync(query, Database);
            return result.TryGetProperty("series", out var series) && series.GetArrayLength() > 0;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public static string Tail(string output)
    {
        var lines = output.Split('\n');
        var sb = new StringBuilder();
        foreach (var line in lines.Skip(Math.Max(0, lines.Length - 40)))
        {
            sb.Append(line).Append('\n');
        }

        return sb.ToString();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        if (_ingest is not null)
        {
            await _ingest.DisposeAsync();
        }

        if (_site is not null)
        {
            await _site.DisposeAsync();
        }

        if (_influx is not null)
        {
            await _influx.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _dir.Dispose();
        _gate.Dispose();
    }

    private async Task RunPipelineAsync()
    {
        _broker = await MosquittoServer.StartAsync(_dir, persistence: false);
        _influx = await InfluxDaemon.StartAsync(false, Database);

        // Ingest first, so its persistent session exists before the agent publishes anything.
        var ingestConfig = _dir.File("ingest.json");
        await File.WriteAllTextAsync(ingestConfig, IngestConfiguration(_broker.Port, _influx.Url, DeadLetterFile));
        _ingest = PeerProcess.Start("dotnet", [AgentDll, "ingest", "--config", ingestConfig]);
        await _ingest.WaitForOutputAsync("Ingest subscribed", Patience);

        var scenario = await ScenarioParser.LoadAsync(Path.Combine(GrafanaDashboards.RepositoryRoot(), "simulators", "scenarios", _scenario + ".scn"), CancellationToken.None);
        // The DSE factory timers: the generator takes the load 23 s of site time after the outage (see Speed).
        var site = _tankLitres is { } litres ? new SiteDescription { Generator = new GeneratorOptions { TankLitres = litres } } : new SiteDescription();
        SiteTimerSets.Apply(site, SiteTimers.DseFactory);
        _site = await SiteHost.StartAsync(new SiteHostOptions
        {
            Speed = Speed,
            Site = site,
        }, CancellationToken.None);
        var agentConfig = _dir.File("agent.json");
        await File.WriteAllTextAsync(agentConfig, AgentConfiguration(_site.ToAgentConfigurationJson(), _broker.Port, _dir.File("data"), StatusUrl));
        _agent = PeerProcess.Start("dotnet", [AgentDll, "run", "--config", agentConfig]);

        // The outage starts once telemetry flows end to end, so the data holds the normal state, the outage and the failover.
        await WaitUntilAsync(() => HasSeriesAsync("SELECT * FROM \"ups\" LIMIT 1"), () => "first UPS telemetry in InfluxDB");
        using var stopPlaying = new CancellationTokenSource();
        var play = ScenarioPlayer.PlayAsync(_site.Site, scenario, null, stopPlaying.Token);
        try
        {
            string[] required =
            [
                .. PowerWatchSchema.DeviceKinds.Select(k => $"SELECT * FROM \"{k}\" LIMIT 1"),
                "SELECT * FROM \"alerts\" LIMIT 1",
                "SELECT * FROM \"failover\" LIMIT 1",
                .. _required,
            ];
            await WaitUntilAsync(
                async () =>
                {
                    foreach (var q in required)
                    {
                        if (!await HasSeriesAsync(q))
                        {
                            return false;
                        }
                    }

                    return true;
                },
                () => $"telemetry of every kind, alerts, failover and the state {_scenario} leads to: missing "
                    + string.Join("; ", required.Where(q => !HasSeriesAsync(q).GetAwaiter().GetResult())));
        }
        finally
        {
            // Later events are not needed: the site keeps running in the state the scenario has reached.
            await stopPlaying.CancelAsync();
            await play;
        }
    }

    /// <summary>The simulator's agent configuration (devices and topology) plus fast polling, MQTT to the test's broker, loopback status.</summary>
    private static string AgentConfiguration(string simulatorConfiguration, int mqttPort, string dataDirectory, Uri statusUrl)
    {
        var root = JsonNode.Parse(simulatorConfiguration)!.AsObject();
        var pw = root["PowerWatch"]!.AsObject();
        pw["Agent"] = "e2e";
        pw["DataDirectory"] = dataDirectory;
        foreach (var device in pw["Devices"]!.AsArray())
        {
            device!["PollInterval"] = PollInterval.ToString("c", CultureInfo.InvariantCulture);
            device["Timeout"] = PollTimeout.ToString("c", CultureInfo.InvariantCulture);
        }

        pw["Status"] = new JsonObject { ["Url"] = statusUrl.GetLeftPart(UriPartial.Authority) };
        pw["Alerts"] = new JsonObject
        {
            ["EvaluationInterval"] = PollInterval.ToString("c", CultureInfo.InvariantCulture),
            ["Failover"] = new JsonObject
            {
                ["FuelWindow"] = FuelWindow.ToString("c", CultureInfo.InvariantCulture),
                ["DischargeWindow"] = DischargeWindow.ToString("c", CultureInfo.InvariantCulture),
            },
        };
        pw["Mqtt"] = new JsonObject
        {
            ["Enabled"] = true,
            ["Host"] = "127.0.0.1",
            ["Port"] = mqttPort,
            ["ReconnectMinDelay"] = "00:00:00.100",
            ["ReconnectMaxDelay"] = "00:00:00.500",
            ["Outbox"] = new JsonObject { ["FsyncMode"] = "None" },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string IngestConfiguration(int mqttPort, string influxUrl, string deadLetters) => $$"""
        {
          "PowerWatch": {
            "Mqtt": { "Host": "127.0.0.1", "Port": {{mqttPort}}, "ClientId": "pw-ingest-dashboards" },
            "Ingest": {
              "Influx": { "Url": {{JsonSerializer.Serialize(influxUrl)}}, "Database": "{{Database}}" },
              "DeadLetterFile": {{JsonSerializer.Serialize(deadLetters)}},
              "FlushInterval": "00:00:00.100"
            }
          }
        }
        """;
}

/// <summary>
/// The seed outage (simulators/scenarios/generator-fails-to-start.scn): the utility fails at 10 s with the UPS at 100 %
/// load and every crank fails, so the generator is <c>failed</c> at 68 s and the batteries run out at about 310 s
/// (virtual; at 4× about 15 s and 75 s after the outage starts). <see cref="DashboardOutageRun.StartAsync"/> returns once
/// the generator's <c>failed</c> state is in InfluxDB, i.e. in the critical phase: on battery, nothing coming.
/// </summary>
public sealed class FailedGeneratorOutageRun() : DashboardOutageRun(
    "generator-fails-to-start",
    null,
    ["SELECT \"generator.state\" FROM \"generator\" WHERE \"generator.state\" = 'failed' LIMIT 1"]);

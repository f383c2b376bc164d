using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PowerWatch.Agent.Tests.Outputs;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces;
using PowerWatch.Simulators.Scenarios;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>
/// The dashboards on real data (DESIGN "Testing layers", end-to-end): a simulated site replays an outage in which the
/// utility fails and the generator starts and takes the load; `powerwatch run` polls it over Modbus TCP and publishes
/// telemetry, alerts and failover state to a real mosquitto; `powerwatch ingest` writes them into a real InfluxDB 1.6.
/// Then every panel, template-variable and annotation query of every dashboard, with its variables resolved from
/// the data by the dashboard's own variable queries, must parse and return at least one series with a value.
/// </summary>
public sealed class DashboardEndToEndPeerTests
{
    private const string Db = "powerwatch";
    private const string Scenario = "utility-loss-good-generator";

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

    private static readonly TimeSpan FuelWindow = TimeSpan.FromSeconds(20);

    /// <summary>The analyzer's discharge-slope window (its minimum): an estimate after a quarter of it on battery.</summary>
    private static readonly TimeSpan DischargeWindow = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(300);

    private static string AgentDll => Path.Combine(AppContext.BaseDirectory, "powerwatch.dll");

    [PeerFact("influxd", "mosquitto")]
    public async Task Every_dashboard_query_returns_data_from_a_simulated_outage_through_agent_mosquitto_and_ingest()
    {
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        using var dir = new TempDir("powerwatch-dashboards-e2e");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await using var influx = await InfluxDaemon.StartAsync(false, Db);

        // Ingest first, so its persistent session exists before the agent publishes anything.
        var ingestConfig = dir.File("ingest.json");
        var deadLetters = dir.File("dead-letters.txt");
        await File.WriteAllTextAsync(ingestConfig, IngestConfiguration(broker.Port, influx.Url, deadLetters));
        await using var ingest = PeerProcess.Start("dotnet", [AgentDll, "ingest", "--config", ingestConfig]);
        await ingest.WaitForOutputAsync("Ingest subscribed", Patience);

        var scenario = await ScenarioParser.LoadAsync(Path.Combine(GrafanaDashboards.RepositoryRoot(), "simulators", "scenarios", Scenario + ".scn"), CancellationToken.None);
        await using var site = await SiteHost.StartAsync(new SiteHostOptions
        {
            Speed = Speed,
            Site = new SiteDescription { Generator = new GeneratorOptions { TankLitres = TankLitres } },
        }, CancellationToken.None);
        var agentConfig = dir.File("agent.json");
        await File.WriteAllTextAsync(agentConfig, AgentConfiguration(site.ToAgentConfigurationJson(), broker.Port, dir.File("data")));
        await using var agent = PeerProcess.Start("dotnet", [AgentDll, "run", "--config", agentConfig]);

        string Diagnostics() => $"\n--- agent output:\n{Tail(agent.Output)}\n--- ingest output:\n{Tail(ingest.Output)}";

        // The outage starts once telemetry flows end to end, so the data holds the normal state, the outage and the failover.
        await WaitUntilAsync(() => HasSeriesAsync(influx, "SELECT * FROM \"ups\" LIMIT 1"), [agent, ingest], () => "first UPS telemetry in InfluxDB" + Diagnostics());
        using var stopPlaying = new CancellationTokenSource();
        var play = ScenarioPlayer.PlayAsync(site.Site, scenario, null, stopPlaying.Token);
        try
        {
            string[] required =
            [
                .. PowerWatchSchema.DeviceKinds.Select(k => $"SELECT * FROM \"{k}\" LIMIT 1"),
                "SELECT * FROM \"alerts\" LIMIT 1",
                "SELECT * FROM \"failover\" LIMIT 1",

                // The analyzer's time-windowed outputs: the discharge estimate while on battery, fuel hours once the burn shows.
                "SELECT \"failover.runtime.estimate\" FROM \"failover\" LIMIT 1",
                "SELECT \"failover.fuel.hours\" FROM \"failover\" LIMIT 1",
                "SELECT \"generator.state\" FROM \"generator\" WHERE \"generator.state\" = 'on-load' LIMIT 1",
                "SELECT \"ats.position\" FROM \"ats\" WHERE \"ats.position\" = 'source2' LIMIT 1",
            ];
            await WaitUntilAsync(
                async () =>
                {
                    foreach (var q in required)
                    {
                        if (!await HasSeriesAsync(influx, q))
                        {
                            return false;
                        }
                    }

                    return true;
                },
                [agent, ingest],
                () => "telemetry of every kind, alerts, failover and the generator on load: missing "
                    + string.Join("; ", required.Where(q => !HasSeriesAsync(influx, q).GetAwaiter().GetResult())) + Diagnostics());
        }
        finally
        {
            await stopPlaying.CancelAsync();
            await play;
        }

        var to = DateTimeOffset.UtcNow.AddMinutes(1);
        var failures = new List<string>();
        if (File.Exists(deadLetters) && new FileInfo(deadLetters).Length > 0)
        {
            failures.Add("ingest dead-lettered messages:\n" + Tail(await File.ReadAllTextAsync(deadLetters)));
        }

        var checkedQueries = 0;
        foreach (var file in GrafanaDashboards.Files())
        {
            using var doc = GrafanaDashboards.Load(file);
            var variables = await ResolveVariablesAsync(influx, doc.RootElement, from, to, failures, file);
            if (variables.TryGetValue("site", out var sites) && !sites.SequenceEqual([site.Site.Name]))
            {
                failures.Add($"{file} variable $site: resolved to [{string.Join(", ", sites)}], expected the simulated site '{site.Site.Name}'");
            }

            foreach (var q in GrafanaDashboards.Queries(file, doc.RootElement))
            {
                checkedQueries++;
                string expanded;
                try
                {
                    expanded = GrafanaQueryExpander.Expand(q.Query, variables, from, to, TimeSpan.FromSeconds(1));
                }
                catch (KeyNotFoundException ex)
                {
                    failures.Add($"{q.Dashboard} {q.Location}: {ex.Message}");
                    continue;
                }

                var reason = await ProblemAsync(influx, expanded);
                if (reason is not null)
                {
                    failures.Add($"{q.Dashboard} {q.Location}: {reason}\n    {expanded}");
                }
            }

            // Panels that colour text states: every state the real data holds has a mapping (else Grafana shows it raw and grey).
            foreach (var panel in GrafanaDashboards.Panels(doc.RootElement).Where(p => p.TryGetProperty("targets", out _)))
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    var expanded = GrafanaQueryExpander.Expand(target.GetProperty("query").GetString()!, variables, from, to, TimeSpan.FromSeconds(1));
                    JsonElement result;
                    try
                    {
                        result = await influx.QueryAsync(expanded, Db);
                    }
                    catch (InvalidOperationException)
                    {
                        continue; // already reported above
                    }

                    foreach (var unmapped in UnmappedValues(panel, result))
                    {
                        failures.Add($"{file} panel {panel.GetProperty("id").GetInt32()} '{panel.GetProperty("title").GetString()}' target {target.GetProperty("refId").GetString()}: {unmapped}\n    {expanded}");
                    }
                }
            }
        }

        Assert.True(checkedQueries > 0, "no dashboard queries found");
        Assert.True(failures.Count == 0, $"{failures.Count} problems with the {checkedQueries} dashboard queries on real data:\n" + string.Join('\n', failures));
    }

    /// <summary>
    /// Resolves a dashboard's query variables in order, as Grafana does on load: each variable's query is expanded
    /// with the variables before it and run; a single-value variable takes the first value, a multi-value one all
    /// of them (Grafana's "All" without a custom all value).
    /// </summary>
    private static async Task<Dictionary<string, IReadOnlyList<string>>> ResolveVariablesAsync(
        InfluxDaemon influx, JsonElement dashboard, DateTimeOffset from, DateTimeOffset to, List<string> failures, string file)
    {
        var resolved = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var v in GrafanaDashboards.Variables(dashboard))
        {
            var name = v.GetProperty("name").GetString()!;
            if (v.GetProperty("type").GetString() != "query")
            {
                continue;
            }

            List<string> values = [];
            try
            {
                var expanded = GrafanaQueryExpander.Expand(v.GetProperty("query").GetString()!, resolved, from, to, TimeSpan.FromSeconds(1));
                var result = await influx.QueryAsync(expanded, Db);
                if (result.TryGetProperty("series", out var series))
                {
                    values = [.. series.EnumerateArray()
                        .SelectMany(s => s.GetProperty("values").EnumerateArray())
                        .Select(row => row[1].GetString()!)
                        .Distinct(StringComparer.Ordinal)
                        .Order(StringComparer.Ordinal)];
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException)
            {
                failures.Add($"{file} variable ${name}: cannot be resolved: {ex.Message}");
            }

            var multi = v.TryGetProperty("multi", out var m) && m.GetBoolean() || v.TryGetProperty("includeAll", out var a) && a.GetBoolean();
            resolved[name] = multi ? values : values.Take(1).ToList();
        }

        return resolved;
    }

    /// <summary>
    /// Text and boolean values in a panel's result that none of its value mappings match: <c>fieldConfig.defaults.mappings</c>
    /// for every value column, a <c>byName</c> override's mappings for that column or tag. Value mappings match the exact
    /// text; regex mappings match as Grafana's do (a regex search). Columns without mappings are not checked.
    /// </summary>
    private static IEnumerable<string> UnmappedValues(JsonElement panel, JsonElement result)
    {
        if (!result.TryGetProperty("series", out var series) || !panel.TryGetProperty("fieldConfig", out var config))
        {
            yield break;
        }

        var defaults = config.TryGetProperty("defaults", out var d) && d.TryGetProperty("mappings", out var dm) ? dm : default;
        var byName = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (config.TryGetProperty("overrides", out var overrides))
        {
            foreach (var o in overrides.EnumerateArray())
            {
                if (o.GetProperty("matcher").GetProperty("id").GetString() != "byName")
                {
                    continue;
                }

                foreach (var property in o.GetProperty("properties").EnumerateArray())
                {
                    if (property.GetProperty("id").GetString() == "mappings")
                    {
                        byName[o.GetProperty("matcher").GetProperty("options").GetString()!] = property.GetProperty("value");
                    }
                }
            }
        }

        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in series.EnumerateArray())
        {
            var cells = new List<(string Column, JsonElement Value)>();
            var columns = s.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
            foreach (var row in s.GetProperty("values").EnumerateArray())
            {
                cells.AddRange(row.EnumerateArray().Select((cell, i) => (columns[i], cell)).Skip(1));
            }

            if (s.TryGetProperty("tags", out var tags))
            {
                cells.AddRange(tags.EnumerateObject().Where(t => byName.ContainsKey(t.Name)).Select(t => (t.Name, t.Value)));
            }

            foreach (var (column, cell) in cells)
            {
                var text = cell.ValueKind switch
                {
                    JsonValueKind.String => cell.GetString()!,
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => null,
                };
                var mappings = byName.TryGetValue(column, out var m) ? m : defaults;
                if (text is null || mappings.ValueKind != JsonValueKind.Array || mappings.GetArrayLength() == 0 || IsMapped(mappings, text))
                {
                    continue;
                }

                if (reported.Add(column + "\u0000" + text))
                {
                    yield return $"value '{text}' of column '{column}' has no value mapping";
                }
            }
        }
    }

    private static bool IsMapped(JsonElement mappings, string text) =>
        mappings.EnumerateArray().Any(m => m.GetProperty("type").GetString() switch
        {
            "value" => m.GetProperty("options").TryGetProperty(text, out _),
            "regex" => Regex.IsMatch(text, m.GetProperty("options").GetProperty("pattern").GetString()!),
            _ => false,
        });

    /// <summary>Null when the query answers with at least one series holding a non-null value; else why not.</summary>
    private static async Task<string?> ProblemAsync(InfluxDaemon influx, string query)
    {
        JsonElement result;
        try
        {
            result = await influx.QueryAsync(query, Db);
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }

        if (!result.TryGetProperty("series", out var series) || series.GetArrayLength() == 0)
        {
            return "no series";
        }

        var hasValue = series.EnumerateArray().Any(s =>
            s.GetProperty("values").EnumerateArray().Any(row => row.EnumerateArray().Skip(1).Any(cell => cell.ValueKind != JsonValueKind.Null)));
        return hasValue ? null : $"{series.GetArrayLength()} series, every value null";
    }

    /// <summary>Polls a condition until it holds; fails at once when a process the pipeline needs has exited, or after <see cref="Patience"/>.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, PeerProcess[] processes, Func<string> what)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            if (processes.Any(p => p.HasExited))
            {
                Assert.Fail($"a pipeline process exited while waiting for: {what()}");
            }

            if (cts.IsCancellationRequested)
            {
                Assert.Fail($"timed out after {Patience} waiting for: {what()}");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    private static async Task<bool> HasSeriesAsync(InfluxDaemon influx, string query)
    {
        try
        {
            var result = await influx.QueryAsync(query, Db);
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

    /// <summary>The simulator's agent configuration (devices and topology) plus fast polling, MQTT to the test's broker, loopback status.</summary>
    private static string AgentConfiguration(string simulatorConfiguration, int mqttPort, string dataDirectory)
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

        pw["Status"] = new JsonObject { ["Url"] = $"http://127.0.0.1:{Peers.FreeTcpPort().ToString(CultureInfo.InvariantCulture)}" };
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

    private static string IngestConfiguration(int mqttPort, string influxUrl, string deadLetters) =>
        new JsonObject
        {
            ["PowerWatch"] = new JsonObject
            {
                ["Mqtt"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = mqttPort, ["ClientId"] = "pw-ingest-dashboards" },
                ["Ingest"] = new JsonObject
                {
                    ["Influx"] = new JsonObject { ["Url"] = influxUrl, ["Database"] = Db },
                    ["DeadLetterFile"] = deadLetters,
                    ["FlushInterval"] = "00:00:00.100",
                },
            },
        }.ToJsonString();

    private static string Tail(string output)
    {
        var lines = output.Split('\n');
        var sb = new StringBuilder();
        foreach (var line in lines.Skip(Math.Max(0, lines.Length - 40)))
        {
            sb.Append(line).Append('\n');
        }

        return sb.ToString();
    }
}

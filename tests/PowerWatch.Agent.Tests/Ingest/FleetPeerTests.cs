using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using PowerWatch.Agent.Tests.Dashboards;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Tests.Outputs;
using PowerWatch.Mqtt;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;
using Xunit.Abstractions;

namespace PowerWatch.Agent.Tests.Ingest;

/// <summary>
/// Issue 17, fleet scale-out on existing engines (docs/scaling.md): three simulated sites, each polled by its own
/// <c>powerwatch run</c> process publishing (QoS 1, <c>Delivery = stored</c>) to its own site mosquitto, bridged to one
/// central mosquitto by install/examples/mosquitto-bridge.conf as shipped; two <c>powerwatch ingest</c> processes
/// share one MQTT 5 subscription there and write to influxd 1.6.
/// While it runs one ingest is SIGKILLed (and restarted, as its service manager would) and one site broker is SIGKILLed
/// and restarted. Every (site, device, seq) up to a reference taken after both must be in InfluxDB, and the stored
/// confirmations on the central broker must show that both instances stored telemetry, the restarted one after its restart.
/// </summary>
public sealed class FleetPeerTests(ITestOutputHelper output)
{
    private const string Database = "power";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private sealed record FleetSite(string Name, SiteHost Host, MosquittoServer Broker, AgentProcess Agent);

    /// <summary>install/examples/mosquitto-bridge.conf as shipped, with the central broker's address and the site substituted.</summary>
    private static List<string> BridgeExample(string site, int centralPort)
    {
        var lines = File.ReadAllLines(SchemaChecker.RepoFile(Path.Combine("install", "examples", "mosquitto-bridge.conf")))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.StartsWith("address ", StringComparison.Ordinal) ? $"address 127.0.0.1:{centralPort.ToString(CultureInfo.InvariantCulture)}" : l.Replace("site1", site, StringComparison.Ordinal))
            .ToList();
        Assert.Contains($"topic powerwatch/{site}/+/stored in 1", lines);
        Assert.Contains($"topic powerwatch/{site}/+/telemetry out 1", lines);
        return lines;
    }

    [PeerFact("mosquitto", "influxd", "dotnet")]
    public async Task Three_bridged_sites_and_two_shared_ingests_store_every_poll_across_an_ingest_SIGKILL_and_a_site_broker_restart()
    {
        using var dir = new TempDir("powerwatch-fleet");
        await using var central = await MosquittoServer.StartAsync(dir, name: "central");
        await using var influx = await InfluxDaemon.StartAsync(false, Database);
        var ingests = new List<PeerProcess>();
        var ingestConfigs = new List<string>();
        var sites = new List<FleetSite>();
        var brokers = new List<MosquittoServer>();
        var hosts = new List<SiteHost>();

        // Which instance stored what: the "by" of every stored confirmation, per phase (0 before the SIGKILL, 1 after the restart).
        var confirmedBy = new ConcurrentDictionary<(string By, int Phase), long>();
        var phase = 0;
        await using var listener = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = central.Port, ClientId = "fleet-listener", ReceiveBufferCapacity = 100_000 });
        await listener.ConnectAsync(CancellationToken.None);
        await listener.SubscribeAsync("powerwatch/+/+/stored", MqttQualityOfService.AtMostOnce, CancellationToken.None);
        var listen = Task.Run(async () =>
        {
            await foreach (var m in listener.ReceivedMessages.ReadAllAsync(CancellationToken.None))
            {
                if (StoredAck.TryDecode(m.Payload.Span, out var ack) && ack!.By is { } by)
                {
                    confirmedBy.AddOrUpdate((by, Volatile.Read(ref phase)), 1, (_, n) => n + 1);
                }
            }
        });
        try
        {
            for (var i = 1; i <= 2; i++)
            {
                var config = dir.File($"ingest-{i}.json");
                await File.WriteAllTextAsync(config, DeliveryRun.IngestConfiguration(central.Port, influx.Url, dir.File($"dead-{i}.txt"), i, "pw-fleet", TimeSpan.FromMinutes(10)));
                ingestConfigs.Add(config);
                var ingest = DeliveryRun.StartPowerwatch("ingest", config);
                ingests.Add(ingest);
                await ingest.WaitForOutputAsync("Ingest subscribed", Patience);
            }

            for (var s = 1; s <= 3; s++)
            {
                var name = $"site{s}";
                var broker = await MosquittoServer.StartAsync(dir, autosaveInterval: 1800, name: name, extra: BridgeExample(name, central.Port));
                brokers.Add(broker);
                var host = await SiteHost.StartAsync(new SiteHostOptions(), CancellationToken.None);
                hosts.Add(host);
                var statusUrl = new Uri($"http://127.0.0.1:{Peers.FreeTcpPort().ToString(CultureInfo.InvariantCulture)}/");
                var config = dir.File($"agent-{name}.json");
                await File.WriteAllTextAsync(config, SimulatedSiteAgentConfig.Build(host.ToAgentConfigurationJson(), name, "agent-" + name, dir.File("data-" + name), PollInterval, statusUrl, broker.Port, new JsonObject
                {
                    ["Delivery"] = "stored",
                    ["StoredTimeout"] = "00:00:02",
                    ["Outbox"] = new JsonObject { ["FsyncMode"] = "None" },
                }));
                sites.Add(new FleetSite(name, host, broker, AgentProcess.Start(config, statusUrl)));
            }

            string Diagnostics() =>
                string.Concat(sites.Select(s => $"\n--- {s.Name} agent:\n{DashboardOutageRun.Tail(s.Agent.Process.Output)}\n--- {s.Name} broker:\n{DashboardOutageRun.Tail(s.Broker.Output)}"))
                + string.Concat(ingests.Select((p, i) => $"\n--- ingest {i + 1}:\n{DashboardOutageRun.Tail(p.Output)}"))
                + $"\n--- central:\n{DashboardOutageRun.Tail(central.Output)}";

            async Task<Dictionary<(string Site, string Device), long>> SequencesAsync()
            {
                var all = new Dictionary<(string, string), long>();
                foreach (var site in sites)
                {
                    Dictionary<string, long>? seqs = null;
                    await Poll.UntilAsync(async () => (seqs = await site.Agent.SequencesAsync()) is not null, Patience, () => $"{site.Name} /api/devices" + Diagnostics());
                    foreach (var (device, seq) in seqs!)
                    {
                        all[(site.Name, device)] = seq;
                    }
                }

                return all;
            }

            async Task<Dictionary<(string Site, string Device), long>> WaitForPollsAsync(Dictionary<(string Site, string Device), long> from, int polls)
            {
                Dictionary<(string Site, string Device), long>? now = null;
                await Poll.UntilAsync(
                    async () => (now = await SequencesAsync()).Count > 0 && from.All(kv => now.GetValueOrDefault(kv.Key) >= kv.Value + polls),
                    Patience,
                    () => $"{polls} more polls of every device" + Diagnostics());
                return now!;
            }

            async Task<Dictionary<(string Site, string Device), string>> MissingAsync(Dictionary<(string Site, string Device), long> through)
            {
                var missing = new Dictionary<(string, string), string>();
                foreach (var ((site, device), seq) in through)
                {
                    var kind = sites.Single(s => s.Name == site).Host.Device(device).Kind;
                    List<long> stored;
                    try
                    {
                        stored = [.. (await influx.ColumnAsync($"SELECT \"seq\" FROM \"{kind}\" WHERE \"site\" = '{site}' AND \"device\" = '{device}'", Database, "seq")).Select(v => v.GetInt64())];
                    }
                    catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException)
                    {
                        stored = [];
                    }

                    missing[(site, device)] = TelemetryChecks.MissingRanges(stored, seq);
                }

                return missing;
            }

            // 1. Every site's telemetry flows and is stored.
            var start = await WaitForPollsAsync(await SequencesAsync(), 4);
            await Poll.UntilAsync(async () => (await MissingAsync(start)).Values.All(m => m.Length == 0), Patience, () => "first polls stored" + Diagnostics());

            // 2. SIGKILL of one ingest instance mid-stream; a few polls later it is started again on its session.
            ingests[0].Signal(9);
            await ingests[0].WaitForExitAsync(Patience);
            await WaitForPollsAsync(await SequencesAsync(), 4);
            await ingests[0].DisposeAsync();
            ingests[0] = DeliveryRun.StartPowerwatch("ingest", ingestConfigs[0]);
            await ingests[0].WaitForOutputAsync("Ingest subscribed", Patience);
            Volatile.Write(ref phase, 1);

            // 3. SIGKILL of one site broker (it loses what it had not forwarded), restarted a few polls later.
            await sites[1].Broker.KillAsync();
            await WaitForPollsAsync(await SequencesAsync(), 4);
            await sites[1].Broker.StartProcessAsync();

            // 4. Everything up to a reference taken after both is stored.
            var through = await WaitForPollsAsync(await SequencesAsync(), 8);
            Dictionary<(string Site, string Device), string>? missing = null;
            await Poll.UntilAsync(
                async () => (missing = await MissingAsync(through)).Values.All(m => m.Length == 0),
                Patience,
                () => "every (site, device, seq) stored; missing: " + string.Join("; ", missing?.Where(kv => kv.Value.Length > 0).Select(kv => $"{kv.Key.Site}/{kv.Key.Device} {kv.Value}") ?? []) + Diagnostics());
            output.WriteLine($"stored every poll of {through.Count} devices on {sites.Count} sites through seqs {string.Join(", ", through.Select(kv => $"{kv.Key.Site}/{kv.Key.Device} {kv.Value}"))}");
            Assert.All(ingests, i => Assert.Contains("$share/pw-fleet/", i.Output, StringComparison.Ordinal));

            // The shared subscription spread the load: both instances confirmed stored telemetry, the restarted one after its restart.
            output.WriteLine("stored confirmations by instance and phase: " + string.Join(", ", confirmedBy.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key.By}/{kv.Key.Phase}: {kv.Value}")));
            Assert.True(confirmedBy.Keys.Select(k => k.By).Distinct().Count() >= 2, "both ingest instances confirmed stored telemetry: " + string.Join(", ", confirmedBy.Keys));
            Assert.Contains(confirmedBy.Keys, k => k.By == "pw-ingest-e2e-1" && k.Phase == 1);
        }
        finally
        {
            foreach (var site in sites)
            {
                await site.Agent.DisposeAsync();
            }

            foreach (var ingest in ingests)
            {
                await ingest.DisposeAsync();
            }

            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }

            foreach (var broker in brokers)
            {
                await broker.DisposeAsync();
            }

            await listener.DisposeAsync();
            await listen;
        }
    }
}

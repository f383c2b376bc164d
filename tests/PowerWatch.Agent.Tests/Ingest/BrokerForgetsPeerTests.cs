using System.Globalization;
using System.Text.RegularExpressions;
using PowerWatch.TestSupport;
using Xunit.Abstractions;

namespace PowerWatch.Agent.Tests.Ingest;

/// <summary>
/// Issue 19: no reading lost when the broker forgets. The chain runs as real processes (<see cref="DeliveryRun"/>);
/// mosquitto is SIGKILLed with its persistence on but its default autosave interval, so it comes back without the
/// ingest session, its subscription and its queue. Whoever reconnects first, every (device, seq) must end up in
/// InfluxDB with <c>Delivery = stored</c>; with <c>Delivery = broker</c> and the agent first, the backlog is lost
/// (the fresh broker acknowledges it to nobody), and ingest reports the gap.
/// </summary>
public sealed partial class BrokerForgetsPeerTests(ITestOutputHelper output)
{
    /// <summary>About 6 s of polls (500 ms) stored before the kill, and as long an outage.</summary>
    private const int Polls = 12;

    [PeerFact("mosquitto", "influxd")]
    public async Task Agent_reconnecting_first_to_a_SIGKILLed_broker_loses_no_poll_with_stored_delivery()
    {
        await using var run = await DeliveryRun.StartAsync("stored");
        var through = await BrokerSigkillAsync(run, ReconnectOrder.AgentFirst);
        await AssertEveryPollStoredAsync(run, through);
    }

    [PeerFact("mosquitto", "influxd")]
    public async Task Ingest_reconnecting_first_to_a_SIGKILLed_broker_loses_no_poll_with_stored_delivery()
    {
        await using var run = await DeliveryRun.StartAsync("stored");
        var through = await BrokerSigkillAsync(run, ReconnectOrder.IngestFirst);
        await AssertEveryPollStoredAsync(run, through);
    }

    /// <summary>
    /// The reproduction of the issue, kept as a test: with the broker's PUBACK as the end of the agent's duty, the
    /// backlog it replays to the fresh broker before ingest is back is dropped. Ingest must say so: each missing range
    /// is reported as a gap (dead-letter line; GapGrace 3 s here).
    /// </summary>
    [PeerFact("mosquitto", "influxd")]
    public async Task Agent_reconnecting_first_to_a_SIGKILLed_broker_loses_the_backlog_with_broker_delivery_and_ingest_reports_the_gap()
    {
        await using var run = await DeliveryRun.StartAsync("broker", gapGrace: TimeSpan.FromSeconds(3));
        var through = await BrokerSigkillAsync(run, ReconnectOrder.AgentFirst);

        // Flow has resumed and ingest has caught up past the reference: what is missing now stays missing.
        await run.WaitAsync(
            async () => (await run.StoredAsync()).All(kv => kv.Value.Count > 0 && kv.Value.Max() >= through[kv.Key]),
            () => $"InfluxDB to hold a seq ≥ {DeliveryRun.Format(through)} of every device");
        var missing = (await run.MissingAsync(through)).Where(kv => kv.Value.Length > 0).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        output.WriteLine("missing with Delivery = broker: " + string.Join("; ", missing.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.True(missing.Count > 0, "with Delivery = broker and the agent reconnecting first, the replayed backlog should have been lost (the scenario no longer reproduces the issue)" + run.Diagnostics());

        // Every missing seq is inside a reported gap of its device.
        await run.WaitAsync(
            () => Task.FromResult(missing.All(kv => Uncovered(kv.Key, kv.Value, run.GapLines()).Count == 0)),
            () => "gap reports covering every missing seq: " + string.Join("; ", missing.Select(kv => $"{kv.Key} missing {kv.Value}, not reported {string.Join(",", Uncovered(kv.Key, kv.Value, run.GapLines()))}"))
                + "\ngap lines:\n" + string.Join("\n", run.GapLines()));
        output.WriteLine("gap lines:\n" + string.Join("\n", run.GapLines()));

        // The console logger writes on its own thread: the log event (1206) can trail the dead-letter line.
        await run.WaitAsync(
            () => Task.FromResult(run.Ingests.Any(i => i.Output.Contains("Telemetry gap:", StringComparison.Ordinal))),
            () => "ingest's log event 1206 (Telemetry gap)");
    }

    [PeerFact("mosquitto", "influxd")]
    public async Task Two_ingest_instances_on_a_shared_subscription_store_every_poll_across_a_broker_SIGKILL()
    {
        await using var run = await DeliveryRun.StartAsync("stored", ingestInstances: 2);
        var through = await BrokerSigkillAsync(run, ReconnectOrder.AgentFirst);
        await AssertEveryPollStoredAsync(run, through);
        Assert.All(run.Ingests, i => Assert.Contains("$share/pw-ingest/", i.Output, StringComparison.Ordinal));
    }

    /// <summary>
    /// The agent publishes to a local mosquitto bridged (QoS 1, telemetry out, stored confirmations in) to the central
    /// one where ingest subscribes. The local broker is SIGKILLed mid-stream and restarted: what it had acknowledged and
    /// not yet forwarded is gone; the agent sends it again because nothing confirmed it stored.
    /// </summary>
    [PeerFact("mosquitto", "influxd")]
    public async Task A_bridging_broker_SIGKILLed_mid_stream_loses_no_poll_with_stored_delivery()
    {
        await using var run = await DeliveryRun.StartAsync("stored", bridge: true);
        var start = await WaitForStoredPollsAsync(run);
        await run.AgentBroker.KillAsync();
        var killed = await run.SequencesAsync();
        await run.WaitForPollsAsync(killed, 4);
        await run.AgentBroker.StartProcessAsync();
        var through = await run.WaitForPollsAsync(await run.SequencesAsync(), 8);
        output.WriteLine($"stored before the kill {DeliveryRun.Format(start)}; killed at {DeliveryRun.Format(killed)}; reference {DeliveryRun.Format(through)}");
        await AssertEveryPollStoredAsync(run, through);
    }

    /// <summary>
    /// ~6 s of stored polls; SIGKILL of the broker; ~6 s of polls into the outbox; the broker restarts on the same port
    /// and persistence directory and the side named by <paramref name="order"/> reconnects first (the other is held
    /// with SIGSTOP until the first one is through). Returns each device's seq some polls after everything is back.
    /// </summary>
    private async Task<Dictionary<string, long>> BrokerSigkillAsync(DeliveryRun run, ReconnectOrder order)
    {
        var stored = await WaitForStoredPollsAsync(run);
        var before = await AgentMetricsAsync(run);
        await run.Central.KillAsync();
        var killed = await run.SequencesAsync();
        var outage = await run.WaitForPollsAsync(killed, Polls);
        var down = await AgentMetricsAsync(run);
        if (order == ReconnectOrder.AgentFirst)
        {
            // Ingest held away; the agent reconnects, replays its backlog and gets it acknowledged by the fresh broker,
            // which has no subscriber for it.
            run.SignalIngests(19);
            await run.Central.StartProcessAsync();
            var backlog = run.DeviceIds.Count * Polls;
            await run.WaitAsync(
                async () => await run.AgentMetricsAsync() is { Connected: true } m && m.Qos1Publishes >= down.Qos1Publishes + backlog,
                () => $"the agent to reconnect and have its backlog ({backlog}) acknowledged by the restarted broker; at the outage {down}");
            run.SignalIngests(18);
        }
        else
        {
            run.AgentPeer.Process.Signal(19);
            await run.Central.StartProcessAsync();
            await run.WaitAsync(
                () => Task.FromResult(run.Ingests.All(i => i.Output.Contains("Ingest reconnected", StringComparison.Ordinal))),
                () => "every ingest instance to reconnect to the restarted broker");
            run.AgentPeer.Process.Signal(18);
        }

        var through = await run.WaitForPollsAsync(await run.SequencesAsync(), 8);
        output.WriteLine($"{order}: stored before the kill {DeliveryRun.Format(stored)}; metrics before {before}; killed at {DeliveryRun.Format(killed)}; outage until {DeliveryRun.Format(outage)} ({down}); reference {DeliveryRun.Format(through)}");
        return through;
    }

    /// <summary>Waits until InfluxDB holds at least <see cref="Polls"/> polls of every device.</summary>
    private static async Task<Dictionary<string, long>> WaitForStoredPollsAsync(DeliveryRun run)
    {
        Dictionary<string, List<long>>? stored = null;
        await run.WaitAsync(
            async () => (stored = await run.StoredAsync()).Count > 0 && stored.All(kv => kv.Value.Count >= Polls),
            () => $"{Polls} stored polls of every device; have {(stored is null ? "none" : string.Join(", ", stored.Select(kv => $"{kv.Key} {kv.Value.Count}")))}");
        return stored!.ToDictionary(kv => kv.Key, kv => kv.Value.Max(), StringComparer.Ordinal);
    }

    private static async Task<(bool Connected, double Pending, double Qos1Publishes)> AgentMetricsAsync(DeliveryRun run)
    {
        (bool Connected, double Pending, double Qos1Publishes)? m = null;
        await run.WaitAsync(async () => (m = await run.AgentMetricsAsync()) is not null, () => "the agent's /metrics");
        return m!.Value;
    }

    private async Task AssertEveryPollStoredAsync(DeliveryRun run, Dictionary<string, long> through)
    {
        Dictionary<string, string>? missing = null;
        try
        {
            await run.WaitAsync(
                async () => (missing = await run.MissingAsync(through)).Values.All(m => m.Length == 0),
                () => "every poll 1..reference in InfluxDB; missing: " + string.Join("; ", missing?.Where(kv => kv.Value.Length > 0).Select(kv => $"{kv.Key} {kv.Value}") ?? []));
        }
        finally
        {
            output.WriteLine("missing: " + string.Join("; ", missing?.Select(kv => $"{kv.Key} [{kv.Value}]") ?? []));
        }

        var stored = await run.StoredAsync();
        output.WriteLine("stored per device (rows): " + string.Join(", ", stored.Select(kv => $"{kv.Key} {kv.Value.Count} (max seq {kv.Value.DefaultIfEmpty().Max()})")));
        Assert.All(stored, kv => Assert.Equal(kv.Value.Count, kv.Value.Distinct().Count()));
    }

    /// <summary>The seqs of <paramref name="ranges"/> ("8-14, 20") of a device that no gap line reports.</summary>
    private static List<long> Uncovered(string device, string ranges, IReadOnlyList<string> gapLines)
    {
        var reported = gapLines.Select(l => GapLine().Match(l)).Where(m => m.Success && m.Groups["device"].Value == device)
            .Select(m => (From: long.Parse(m.Groups["from"].Value, CultureInfo.InvariantCulture), To: long.Parse(m.Groups["to"].Value, CultureInfo.InvariantCulture)))
            .ToList();
        var uncovered = new List<long>();
        foreach (var part in ranges.Split(", ", StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            var from = long.Parse(bounds[0], CultureInfo.InvariantCulture);
            var to = long.Parse(bounds[^1], CultureInfo.InvariantCulture);
            for (var s = from; s <= to; s++)
            {
                if (!reported.Any(r => s >= r.From && s <= r.To))
                {
                    uncovered.Add(s);
                }
            }
        }

        return uncovered;
    }

    [GeneratedRegex(@"telemetry gap: [^/\t]+/(?<device>[^ \t]+) run \S+ seq (?<from>\d+)-(?<to>\d+)")]
    private static partial Regex GapLine();
}

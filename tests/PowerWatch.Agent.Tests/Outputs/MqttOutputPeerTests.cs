using System.Globalization;
using System.Text;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Tests.Ingest;
using PowerWatch.Core;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Outputs;

public sealed class MqttOutputPeerTests
{
    private static async Task<PeerProcess> SubscribeAsync(MosquittoServer broker, string topic, params string[] more)
    {
        // stdbuf: mosquitto_sub's stdout is block-buffered on a pipe; -d shows the SUBACK we wait for.
        var sub = PeerProcess.Start(Peers.Require("stdbuf"), ["-oL", Peers.Require("mosquitto_sub"), .. broker.Args(["-d", "-q", "1", "-t", topic, "-F", "MSG|%t|%r|%p", .. more])]);
        await sub.WaitForOutputAsync("received SUBACK", MosquittoServer.Patience);
        return sub;
    }

    private static List<string> Messages(PeerProcess sub) =>
        [.. sub.Output.Split('\n').Where(l => l.StartsWith("MSG|", StringComparison.Ordinal)).Select(l => l[4..].TrimEnd('\r'))];

    [PeerFact("mosquitto", "mosquitto_sub", "stdbuf")]
    public async Task Mosquitto_sub_sees_exact_telemetry_payloads_in_order_and_retained_availability_and_agent_status()
    {
        using var dir = new TempDir("powerwatch-mqtt-out");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await using var sub = await SubscribeAsync(broker, "powerwatch/dc1/+/telemetry");
        var hub = new ReadingHub();
        var output = await PipelineHarness.StartPublisherAsync(broker.Port, dir.File("outbox"), hub);
        List<PollResult> polls = [.. Enumerable.Range(1, 5).Select(i => PipelineHarness.Poll("ups-a", i))];
        polls.Add(new PollResult("ups-a", "ups", "sim", PipelineHarness.T0.AddSeconds(6), 6, Quality.Bad, [], "timeout"));
        try
        {
            foreach (var p in polls)
            {
                hub.Publish(p);
            }

            await Poll.UntilAsync(() => Task.FromResult(Messages(sub).Count >= polls.Count), TimeSpan.FromSeconds(20), () => sub.Output);
            Assert.Equal(polls.Select(p => $"powerwatch/dc1/ups-a/telemetry|0|{Encoding.UTF8.GetString(Payloads.Telemetry(p, output.Run))}"), Messages(sub));
            await Poll.UntilAsync(() => Task.FromResult(output.Pending == 0), TimeSpan.FromSeconds(10), () => $"pending {output.Pending}");
        }
        finally
        {
            await output.StopAsync(CancellationToken.None);
            await output.DisposeAsync();
        }

        // Retained: a late subscriber gets the last availability (offline after the failed poll) and the agent
        // status (offline after a graceful stop).
        var (code, text) = await PeerProcess.RunAsync(
            Peers.Require("mosquitto_sub"),
            broker.Args("-t", "powerwatch/dc1/ups-a/availability", "-t", "powerwatch/dc1/agent/agent-1/status", "-F", "%t|%r|%p", "-C", "2", "-W", "5"),
            MosquittoServer.Patience);
        Assert.True(code == 0, $"mosquitto_sub exited {code}: {text}");
        var retained = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["powerwatch/dc1/agent/agent-1/status|1|offline", "powerwatch/dc1/ups-a/availability|1|offline"], retained);
    }

    [PeerFact("mosquitto", "mosquitto_sub", "stdbuf", "dotnet")]
    public async Task Agent_process_publishes_retained_online_status_and_its_will_says_offline_when_it_is_killed()
    {
        using var dir = new TempDir("powerwatch-mqtt-will");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        var config = dir.File("agent.json");
        await File.WriteAllTextAsync(config, $$$"""
            {"PowerWatch": {
              "Site": "dc1", "Agent": "agent-9", "DataDirectory": "{{{dir.File("data")}}}",
              "Status": { "Enabled": false },
              "Mqtt": { "Enabled": true, "Host": "127.0.0.1", "Port": {{{broker.Port.ToString(CultureInfo.InvariantCulture)}}}, "KeepAlive": "00:00:05", "Outbox": { "FsyncMode": "None" } }
            }}
            """);
        await using var sub = await SubscribeAsync(broker, "powerwatch/dc1/agent/agent-9/status");
        // The test's own deps file lists every assembly next to powerwatch.dll, so a stale copied powerwatch.deps.json
        // (it is not always refreshed when an exe is referenced) cannot break the start.
        var bin = AppContext.BaseDirectory;
        var agent = PeerProcess.Start(Peers.Require("dotnet"), [
            "exec", "--runtimeconfig", Path.Combine(bin, "powerwatch.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "PowerWatch.Agent.Tests.deps.json"),
            Path.Combine(bin, "powerwatch.dll"), "run", "--config", config]);
        try
        {
            await Poll.UntilAsync(() => Task.FromResult(Messages(sub).Count >= 1 || agent.HasExited), TimeSpan.FromSeconds(30), () => agent.Output);
            Assert.False(agent.HasExited, agent.Output);
            Assert.Equal("powerwatch/dc1/agent/agent-9/status|0|online", Messages(sub)[0]);
            agent.Signal(9);
            await Poll.UntilAsync(() => Task.FromResult(Messages(sub).Count >= 2), TimeSpan.FromSeconds(20), () => sub.Output);
            Assert.Equal("powerwatch/dc1/agent/agent-9/status|0|offline", Messages(sub)[1]);
        }
        finally
        {
            await agent.DisposeAsync();
        }
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PowerWatch.Simulators.Faces.Serial;
using PowerWatch.TestSupport;
using Site = PowerWatch.Simulators.Site;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>
/// Issue 15: a broker that refuses the agent's credentials is a configuration error, not an outage. The real
/// <c>powerwatch run</c> against a real mosquitto with a password file (<c>mosquitto_passwd -b</c>) and the wrong
/// password: one clear line naming the keys (not one per attempt), the agent keeps polling and serving, /metrics and
/// /api/overview say "refused: bad credentials"; once the broker's password file is corrected and reloaded (SIGHUP)
/// the agent connects without a restart.
/// </summary>
public sealed class MqttCredentialsPeerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [PeerFact("mosquitto", "mosquitto_passwd", "dotnet")]
    public async Task Refused_credentials_are_reported_once_shown_on_metrics_and_overview_and_a_corrected_broker_is_picked_up_without_restart()
    {
        using var dir = new TempDir("powerwatch-mqtt-refused");
        var passwords = dir.File("passwords");
        var made = await PeerProcess.RunAsync(Peers.Require("mosquitto_passwd"), ["-c", "-b", passwords, "agent", "right-password"], Patience);
        Assert.True(made.ExitCode == 0, made.Output);
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false, extra: [$"password_file {passwords}"], allowAnonymous: false);

        var site = Site.Create();
        site.RunFor(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));
        using var face = new ApcSmartFace(site);
        await using var ups = await face.StartTcpAsync();

        var statusPort = Peers.FreeTcpPort();
        var config = dir.File("agent.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["PowerWatch"] = new Dictionary<string, object>
            {
                ["Site"] = "dc1",
                ["Agent"] = "agent-1",
                ["DataDirectory"] = dir.File("data"),
                ["Status"] = new Dictionary<string, object> { ["Url"] = $"http://127.0.0.1:{statusPort}" },
                ["Devices"] = new object[]
                {
                    new Dictionary<string, object> { ["Id"] = "ups", ["Kind"] = "ups", ["Input"] = "apc-smart", ["Endpoint"] = ups.Endpoint, ["PollInterval"] = "00:00:01", ["Timeout"] = "00:00:00.500" },
                },
                ["Mqtt"] = new Dictionary<string, object>
                {
                    ["Enabled"] = true, ["Host"] = "127.0.0.1", ["Port"] = broker.Port, ["Username"] = "agent", ["Password"] = "wrong-password",
                    ["ReconnectMinDelay"] = "00:00:00.100", ["ReconnectMaxDelay"] = "00:00:00.200", ["RefusedRetryDelay"] = "00:00:00.500",
                    ["Delivery"] = "broker", ["Outbox"] = new Dictionary<string, object> { ["FsyncMode"] = "None" },
                },
            },
        }));

        var bin = AppContext.BaseDirectory;
        await using var agent = PeerProcess.Start(Peers.Require("dotnet"), [
            "exec", "--runtimeconfig", Path.Combine(bin, "powerwatch.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "PowerWatch.Agent.Tests.deps.json"),
            Path.Combine(bin, "powerwatch.dll"), "run", "--config", config]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statusPort}/"), Timeout = TimeSpan.FromSeconds(10) };

        // Refused several times (a retry every 0.5 s here), and still one line.
        string metrics = "";
        await Poll.UntilAsync(
            async () =>
            {
                Assert.False(agent.HasExited, agent.Output);
                metrics = await TryGetAsync(http, "metrics");
                return Sample(metrics, "powerwatch_mqtt_credentials_refused") == 1 && Sample(metrics, "powerwatch_mqtt_connect_failures_total") >= 3;
            },
            Patience,
            () => metrics + agent.Output);
        var refusedLine = new Regex($@"^\d\d:\d\d:\d\d fail mqtt: MQTT broker 127\.0\.0\.1:{broker.Port} refused the credentials \(.+\); check PowerWatch:Mqtt:Username and Password .*trying again every 00:00:00\.5000000$", RegexOptions.Multiline);
        Assert.True(refusedLine.Count(agent.Output) == 1, agent.Output);
        Assert.DoesNotContain("PowerWatch.Agent.Outputs.Mqtt.MqttOutput[", agent.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", agent.Output, StringComparison.Ordinal);
        Assert.Equal(0, Sample(metrics, "powerwatch_mqtt_connected"));
        Assert.True(Sample(metrics, "powerwatch_polls_total") >= 1, metrics);
        using (var overview = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/overview", UriKind.Relative))))
        {
            var mqtt = overview.RootElement.GetProperty("mqtt");
            Assert.Equal("refused: bad credentials", mqtt.GetProperty("state").GetString());
            Assert.Equal($"127.0.0.1:{broker.Port}", mqtt.GetProperty("broker").GetString());
        }

        // The broker's administrator gives the agent the password it uses; mosquitto reloads the file on SIGHUP.
        var changed = await PeerProcess.RunAsync(Peers.Require("mosquitto_passwd"), ["-b", passwords, "agent", "wrong-password"], Patience);
        Assert.True(changed.ExitCode == 0, changed.Output);
        broker.Reload();
        await Poll.UntilAsync(
            async () =>
            {
                metrics = await TryGetAsync(http, "metrics");
                return Sample(metrics, "powerwatch_mqtt_connected") == 1 && Sample(metrics, "powerwatch_mqtt_credentials_refused") == 0;
            },
            Patience,
            () => metrics + agent.Output + broker.Output);
        // The console logger writes from its own queue: the line follows the state it reports.
        await Poll.UntilAsync(
            () => Task.FromResult(agent.Output.Contains($"info mqtt: MQTT broker 127.0.0.1:{broker.Port} accepts the credentials now", StringComparison.Ordinal)),
            Patience,
            () => agent.Output);
        using (var overview = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/overview", UriKind.Relative))))
        {
            Assert.Equal("connected", overview.RootElement.GetProperty("mqtt").GetProperty("state").GetString());
        }

        Assert.False(agent.HasExited, agent.Output);
    }

    private static async Task<string> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            return await http.GetStringAsync(new Uri(path, UriKind.Relative));
        }
        catch (HttpRequestException)
        {
            return ""; // not listening yet
        }
    }

    /// <summary>The value of the first sample of a family (-1 when absent).</summary>
    private static double Sample(string metrics, string name)
    {
        var m = Regex.Match(metrics, $@"^{Regex.Escape(name)}(\{{[^}}]*\}})? (\S+)$", RegexOptions.Multiline);
        return m.Success ? double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : -1;
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PowerWatch.Agent.Tests.Ingest;

/// <summary>
/// An agent configuration for an end-to-end run: the simulator's generated configuration (devices, topology, timings)
/// with the run's site and agent names, data directory, poll interval, a 300 ms device timeout, the status URL and the
/// MQTT output to the test's broker (base settings here, the run's own keys on top).
/// </summary>
internal static class SimulatedSiteAgentConfig
{
    public static string Build(string simulatorConfiguration, string site, string agent, string dataDirectory, TimeSpan pollInterval, Uri statusUrl, int mqttPort, JsonObject mqtt)
    {
        var root = JsonNode.Parse(simulatorConfiguration)!.AsObject();
        var pw = root["PowerWatch"]!.AsObject();
        pw["Site"] = site;
        pw["Agent"] = agent;
        pw["DataDirectory"] = dataDirectory;
        foreach (var device in pw["Devices"]!.AsArray())
        {
            device!["PollInterval"] = pollInterval.ToString("c", CultureInfo.InvariantCulture);
            device["Timeout"] = "00:00:00.300";
        }

        pw["Status"] = new JsonObject { ["Url"] = statusUrl.GetLeftPart(UriPartial.Authority) };
        var output = new JsonObject
        {
            ["Enabled"] = true,
            ["Host"] = "127.0.0.1",
            ["Port"] = mqttPort,
            ["Qos"] = 1,
            ["ReconnectMinDelay"] = "00:00:00.100",
            ["ReconnectMaxDelay"] = "00:00:00.500",
        };
        foreach (var (key, value) in mqtt.ToList())
        {
            mqtt.Remove(key);
            output[key] = value;
        }

        pw["Mqtt"] = output;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}

namespace PowerWatch.Agent.Outputs.Mqtt;

/// <summary>The wire-visible topic layout (docs/mqtt.md); frozen by tests.</summary>
internal sealed class MqttTopics
{
    public MqttTopics(string prefix, string site, string agent)
    {
        Prefix = prefix;
        Site = site;
        Agent = agent;
    }

    public string Prefix { get; }

    public string Site { get; }

    public string Agent { get; }

    public string Telemetry(string device) => $"{Prefix}/{Site}/{device}/telemetry";

    public string Availability(string device) => $"{Prefix}/{Site}/{device}/availability";

    /// <summary>Where ingest confirms what it stored of a device's telemetry (docs/mqtt.md "End-to-end delivery").</summary>
    public string Stored(string device) => $"{Prefix}/{Site}/{device}/stored";

    /// <summary>The agent's subscription to the stored confirmations of its site.</summary>
    public string StoredFilter => $"{Prefix}/{Site}/+/stored";

    public string AgentStatus => $"{Prefix}/{Site}/agent/{Agent}/status";

    public string Events => $"{Prefix}/{Site}/events";

    public string Alert(string alertId) => $"{Prefix}/{Site}/alerts/{alertId}";

    public string Failover => $"{Prefix}/{Site}/failover";
}

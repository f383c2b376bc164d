using PowerWatch.Core;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>
/// The failover verdict fields the headline panels read (InfluxDB measurement <c>failover</c>), as the agent's MQTT
/// failover payload and ingest's converter write them.
/// </summary>
public static class FailoverVerdictContract
{
    public static IReadOnlyList<string> Fields { get; } =
    [
        MetricNames.FailoverVerdict, MetricNames.FailoverVerdictCode, MetricNames.FailoverSecondsLeft,
        MetricNames.FailoverMarginKnown, MetricNames.FailoverCause, MetricNames.FailoverAction,
    ];

    /// <summary>Verdict codes as the agent writes <c>failover.verdict.code</c>.</summary>
    public static IReadOnlyDictionary<string, int> Codes { get; } =
        PowerWatch.Core.Failover.Verdicts.All.ToDictionary(v => v, PowerWatch.Core.Failover.Verdicts.Code, StringComparer.Ordinal);
}

using PowerWatch.Core;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Alerts;

/// <summary>
/// Numbers of the alert and failover state rounded per unit (<see cref="MetricResolution"/>) where they leave the
/// agent: <c>/api/failover</c>, the MQTT failover, alert and event payloads. Seconds (runtime, need, margin, time
/// left) to the resolution of <c>s</c>, fuel hours to that of <c>h</c>, an alert's value to that of its own unit.
/// </summary>
internal static class WireRounding
{
    /// <summary>Seconds rounded as the unit <c>s</c>.</summary>
    public static double? Seconds(double? value) => Round("s", value);

    /// <summary>Hours rounded as the unit <c>h</c>.</summary>
    public static double? Hours(double? value) => Round("h", value);

    /// <summary>The alert's value rounded to the resolution of the alert's unit.</summary>
    public static double? Value(AlertInfo alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return Round(alert.Unit, alert.Value);
    }

    /// <summary>A UPS's failover state with every number rounded.</summary>
    public static FailoverUpsState Round(FailoverUpsState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state with
        {
            RuntimeReportedSeconds = Seconds(state.RuntimeReportedSeconds),
            RuntimeEstimatedSeconds = Seconds(state.RuntimeEstimatedSeconds),
            RuntimeUsedSeconds = Seconds(state.RuntimeUsedSeconds),
            GeneratorNeedSeconds = Seconds(state.GeneratorNeedSeconds),
            MarginSeconds = Seconds(state.MarginSeconds),
            SecondsLeft = Seconds(state.SecondsLeft),
            FuelHoursRemaining = Hours(state.FuelHoursRemaining),
        };
    }

    /// <summary>The site verdict with its time left rounded.</summary>
    public static SiteVerdict Round(SiteVerdict site)
    {
        ArgumentNullException.ThrowIfNull(site);
        return site with { SecondsLeft = Seconds(site.SecondsLeft) };
    }

    private static double? Round(string? unit, double? value) => value is { } v ? MetricResolution.Round(unit, v) : null;
}

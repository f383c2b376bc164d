namespace PowerWatch.Core.Alerts;

/// <summary>The built-in rule set (docs/alerts.md lists each with its meaning and operator response).</summary>
public static class DefaultAlertRules
{
    /// <summary>A fresh list of the default rules (callers may modify it).</summary>
    public static List<AlertRule> Create() =>
    [
        new()
        {
            Id = "ups-on-battery", Kind = AlertRuleKind.State, DeviceKind = "ups", Metric = MetricNames.UpsStatus, Token = UpsStatusTokens.OnBattery,
            For = TimeSpan.FromSeconds(3), Severity = AlertSeverity.Warning, Description = "UPS on battery",
            Response = "Utility or ATS output lost; watch the failover margin and the generator.",
        },
        new()
        {
            Id = "ups-low-battery", Kind = AlertRuleKind.State, DeviceKind = "ups", Metric = MetricNames.UpsStatus, Token = UpsStatusTokens.LowBattery,
            Severity = AlertSeverity.Critical, Description = "UPS low battery",
            Response = "Load will drop soon: shut down non-essential load now.",
        },
        new()
        {
            Id = "ups-runtime-low", Kind = AlertRuleKind.Threshold, DeviceKind = "ups", Metric = MetricNames.BatteryRuntime,
            Direction = AlertDirection.Below, Level = 600, Clear = 900, CriticalLevel = 300, Severity = AlertSeverity.Warning,
            Description = "UPS runtime low", Response = "Check why the UPS is discharging or why the battery is weak.",
        },
        new()
        {
            Id = "ups-charge-projection", Kind = AlertRuleKind.Projection, DeviceKind = "ups", Metric = MetricNames.BatteryCharge,
            Direction = AlertDirection.Below, Level = 10, Window = TimeSpan.FromSeconds(60), Horizon = TimeSpan.FromSeconds(300),
            CriticalHorizon = TimeSpan.FromSeconds(120), Severity = AlertSeverity.Warning,
            Description = "UPS battery charge falling fast", Response = "Battery will be empty within the horizon at this rate.",
        },
        new()
        {
            Id = "ups-overload", Kind = AlertRuleKind.Threshold, DeviceKind = "ups", Metric = MetricNames.UpsLoad,
            Level = 90, Clear = 85, CriticalLevel = 100, For = TimeSpan.FromSeconds(10), ClearAfter = TimeSpan.FromSeconds(30), Severity = AlertSeverity.Warning,
            Description = "UPS load high", Response = "Move load to another UPS; an overloaded UPS goes to bypass.",
        },
        new()
        {
            Id = "ups-bypass", Kind = AlertRuleKind.State, DeviceKind = "ups", Metric = MetricNames.UpsStatus, Token = UpsStatusTokens.Bypass,
            Severity = AlertSeverity.Warning, Description = "UPS on bypass",
            Response = "The load is unprotected; find the cause (overload, fault, maintenance).",
        },
        new()
        {
            Id = "ups-overload-flag", Kind = AlertRuleKind.State, DeviceKind = "ups", Metric = MetricNames.UpsStatus, Token = UpsStatusTokens.Overload,
            ClearAfter = TimeSpan.FromSeconds(30), Severity = AlertSeverity.Critical, Description = "UPS reports overload", Response = "Shed load immediately.",
        },
        new()
        {
            Id = "generator-failed", Kind = AlertRuleKind.State, DeviceKind = "generator", Metric = MetricNames.GeneratorState, EqualTo = "failed",
            Severity = AlertSeverity.Critical, Description = "Generator failed",
            Response = "Go to the generator: read the controller's alarm list, reset and restart locally.",
        },
        new()
        {
            Id = "generator-shutdown-alarm", Kind = AlertRuleKind.Threshold, DeviceKind = "generator", Metric = MetricNames.GeneratorAlarmsShutdown,
            Level = 0, Severity = AlertSeverity.Critical, Description = "Generator shutdown alarm",
            Response = "The controller stopped (or will not start) the engine; inspect the alarm list.",
        },
        new()
        {
            Id = "generator-alarm", Kind = AlertRuleKind.Threshold, DeviceKind = "generator", Metric = MetricNames.GeneratorAlarmsActive,
            Level = 0, Severity = AlertSeverity.Warning, Description = "Generator alarm active",
            Response = "Read the controller's alarm list; a warning today is a failed start tomorrow.",
        },
        new()
        {
            Id = "generator-low-fuel", Kind = AlertRuleKind.Threshold, DeviceKind = "generator", Metric = MetricNames.FuelLevel,
            Direction = AlertDirection.Below, Level = 25, Clear = 30, CriticalLevel = 10, Severity = AlertSeverity.Warning,
            Description = "Generator fuel low", Response = "Order fuel; at critical, refuel before the next outage.",
        },
        new()
        {
            Id = "generator-not-auto", Kind = AlertRuleKind.State, DeviceKind = "generator", Metric = MetricNames.GeneratorMode, EqualTo = "auto",
            Negate = true, For = TimeSpan.FromMinutes(1), Severity = AlertSeverity.Warning, Description = "Generator not in auto",
            Response = "The generator will not start on an outage; return the controller to Auto.",
        },
        new()
        {
            Id = "ats-neutral", Kind = AlertRuleKind.State, DeviceKind = "ats", Metric = MetricNames.InputSource, EqualTo = InputSources.Neutral,
            For = TimeSpan.FromSeconds(2), Severity = AlertSeverity.Critical, Description = "ATS on neutral (no source)",
            Response = "The load has no source; check the ATS and both sources.",
        },
        new()
        {
            Id = "pdu-overload", Kind = AlertRuleKind.Threshold, DeviceKind = "pdu", Metric = "input.current",
            Level = 16, Clear = 15, CriticalLevel = 20, For = TimeSpan.FromSeconds(10), Severity = AlertSeverity.Warning,
            Description = "PDU input current high", Response = "Balance load across PDUs before the breaker trips.",
        },
        new()
        {
            Id = "meter-overload", Kind = AlertRuleKind.Threshold, DeviceKind = "meter", Metric = "input.L1.current",
            Level = 63, Clear = 60, CriticalLevel = 80, For = TimeSpan.FromSeconds(10), Severity = AlertSeverity.Warning,
            Description = "Meter L1 current high", Response = "The feed is near its breaker rating; shed or rebalance load.",
        },
        new()
        {
            Id = "comms-lost", Kind = AlertRuleKind.Stale, For = TimeSpan.FromSeconds(30), Severity = AlertSeverity.Warning,
            Description = "Comms lost", Response = "The agent cannot read the device: check network/serial wiring and the device's comms card.",
        },
    ];

    /// <summary>Defaults, with configured rules replacing defaults of the same id and new ids appended.</summary>
    public static List<AlertRule> Merge(bool includeDefaults, IEnumerable<AlertRule> configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        var list = includeDefaults ? Create() : [];
        foreach (var rule in configured)
        {
            var index = list.FindIndex(r => r.Id == rule.Id);
            if (index >= 0)
            {
                list[index] = rule;
            }
            else
            {
                list.Add(rule);
            }
        }

        return list;
    }
}

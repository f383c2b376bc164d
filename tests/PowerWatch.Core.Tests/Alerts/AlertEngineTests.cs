using PowerWatch.Core.Alerts;
using PowerWatch.TestSupport;

namespace PowerWatch.Core.Tests.Alerts;

public sealed class AlertEngineTests
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private long _sequence;

    private AlertEngine Engine(AlertEngineOptions? options = null, params AlertRule[] rules) =>
        new(rules, options ?? new AlertEngineOptions { ClearAfter = TimeSpan.Zero }, _time);

    private IReadOnlyList<AlertTransition> Number(AlertEngine engine, string metric, double value, string unit = "", string device = "ups-a", string kind = "ups") =>
        engine.Observe(device, kind, [new Reading(device, metric, ReadingValue.FromNumber(value), unit, _time.GetUtcNow(), Quality.Good, ++_sequence)]);

    private IReadOnlyList<AlertTransition> Text(AlertEngine engine, string metric, string value, string device = "ups-a", string kind = "ups") =>
        engine.Observe(device, kind, [new Reading(device, metric, ReadingValue.FromText(value), "", _time.GetUtcNow(), Quality.Good, ++_sequence)]);

    private static AlertRule LoadHigh(TimeSpan? forDuration = null) => new()
    {
        Id = "load-high", Kind = AlertRuleKind.Threshold, DeviceKind = "ups", Metric = "ups.load", Level = 80, Clear = 70,
        CriticalLevel = 95, For = forDuration ?? TimeSpan.Zero, Description = "Load high",
    };

    [Fact]
    public void Threshold_raises_with_value_and_unit_in_the_message_and_a_stable_id()
    {
        var engine = Engine(null, LoadHigh());
        Assert.Empty(Number(engine, "ups.load", 79, "%"));
        var t = Assert.Single(Number(engine, "ups.load", 81.5, "%"));
        Assert.Equal(AlertTransitionKind.Raised, t.Kind);
        Assert.Equal("load-high:ups-a", t.Alert.Id);
        Assert.Equal(AlertSeverity.Warning, t.Alert.Severity);
        Assert.Contains("81.5 %", t.Alert.Message, StringComparison.Ordinal);
        Assert.Contains("80 %", t.Alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Threshold_hysteresis_keeps_the_alert_until_the_clear_level()
    {
        var engine = Engine(null, LoadHigh());
        Number(engine, "ups.load", 85);
        Assert.Empty(Number(engine, "ups.load", 75));
        Assert.Single(engine.Active());
        var t = Assert.Single(Number(engine, "ups.load", 69));
        Assert.Equal(AlertTransitionKind.Cleared, t.Kind);
        Assert.Empty(engine.Active());
        Assert.Equal("load-high:ups-a", Assert.Single(engine.Recent()).Id);
    }

    [Fact]
    public void Repeated_readings_beyond_the_level_do_not_raise_twice()
    {
        var engine = Engine(null, LoadHigh());
        Assert.Single(Number(engine, "ups.load", 85));
        Assert.Empty(Number(engine, "ups.load", 86));
        Assert.Empty(Number(engine, "ups.load", 87));
        Assert.Single(engine.Active());
    }

    [Fact]
    public void For_duration_delays_the_raise_until_the_condition_has_held()
    {
        var engine = Engine(null, LoadHigh(TimeSpan.FromSeconds(10)));
        Assert.Empty(Number(engine, "ups.load", 85));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(engine.Tick());
        _time.Advance(TimeSpan.FromSeconds(1));
        var t = Assert.Single(engine.Tick());
        Assert.Equal(AlertTransitionKind.Raised, t.Kind);
        Assert.Equal(_time.GetUtcNow(), t.Alert.RaisedAt);
    }

    [Fact]
    public void For_duration_restarts_when_the_condition_drops_in_between()
    {
        var engine = Engine(null, LoadHigh(TimeSpan.FromSeconds(10)));
        Number(engine, "ups.load", 85);
        _time.Advance(TimeSpan.FromSeconds(6));
        Number(engine, "ups.load", 60);
        _time.Advance(TimeSpan.FromSeconds(1));
        Number(engine, "ups.load", 85);
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Empty(engine.Tick());
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Single(engine.Tick());
    }

    [Fact]
    public void Crossing_the_critical_level_escalates_and_clears_the_acknowledgement()
    {
        var engine = Engine(null, LoadHigh());
        Number(engine, "ups.load", 85);
        Assert.NotNull(engine.Acknowledge("load-high:ups-a", "alice"));
        Assert.True(engine.Active()[0].Acknowledged);
        var t = Assert.Single(Number(engine, "ups.load", 97));
        Assert.Equal(AlertTransitionKind.Escalated, t.Kind);
        Assert.Equal(AlertSeverity.Critical, t.Alert.Severity);
        Assert.False(t.Alert.Acknowledged);
        Assert.Empty(Number(engine, "ups.load", 90)); // escalation hysteresis: critical until below 95 - (80 - 70)
        var d = Assert.Single(Number(engine, "ups.load", 84));
        Assert.Equal(AlertTransitionKind.Deescalated, d.Kind);
    }

    [Fact]
    public void State_rule_raises_on_a_status_token_and_clears_when_it_goes()
    {
        var engine = Engine(null, new AlertRule { Id = "on-battery", Kind = AlertRuleKind.State, Metric = "ups.status", Token = "OB" });
        Assert.Empty(Text(engine, "ups.status", "OL CHRG"));
        Assert.Equal(AlertTransitionKind.Raised, Assert.Single(Text(engine, "ups.status", "OB DISCHRG")).Kind);
        Assert.Equal(AlertTransitionKind.Cleared, Assert.Single(Text(engine, "ups.status", "OL")).Kind);
    }

    [Fact]
    public void Negated_state_rule_raises_when_a_text_metric_differs()
    {
        var engine = Engine(null, new AlertRule { Id = "not-auto", Kind = AlertRuleKind.State, Metric = "generator.mode", EqualTo = "auto", Negate = true });
        Assert.Empty(Text(engine, "generator.mode", "auto", "gen", "generator"));
        var t = Assert.Single(Text(engine, "generator.mode", "stop", "gen", "generator"));
        Assert.Contains("stop", t.Alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_for_another_device_kind_is_not_evaluated()
    {
        var engine = Engine(null, LoadHigh());
        Assert.Empty(Number(engine, "ups.load", 99, "%", "gen", "generator"));
    }

    [Fact]
    public void Rate_rule_raises_when_the_change_per_minute_exceeds_the_level()
    {
        var engine = Engine(null, new AlertRule
        {
            Id = "temp-rising", Kind = AlertRuleKind.Rate, Metric = "ups.temperature", Level = 2, Window = TimeSpan.FromSeconds(60),
        });
        var raised = new List<AlertTransition>();
        for (var i = 0; i <= 30; i++)
        {
            raised.AddRange(Number(engine, "ups.temperature", 30 + (i * 0.02), "°C"));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Empty(raised);
        for (var i = 0; i <= 30; i++)
        {
            raised.AddRange(Number(engine, "ups.temperature", 31 + (i * 0.1), "°C"));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var t = Assert.Single(raised);
        Assert.Contains("°C/min", t.Alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Projection_alarms_before_a_falling_value_reaches_a_static_threshold()
    {
        var projection = new AlertRule
        {
            Id = "charge-projection", Kind = AlertRuleKind.Projection, Metric = "battery.charge", Direction = AlertDirection.Below,
            Level = 20, Window = TimeSpan.FromSeconds(60), Horizon = TimeSpan.FromSeconds(120),
        };
        var threshold = new AlertRule { Id = "charge-low", Kind = AlertRuleKind.Threshold, Metric = "battery.charge", Direction = AlertDirection.Below, Level = 20 };
        var engine = Engine(null, projection, threshold);
        double? projectedAt = null, thresholdAt = null;
        var charge = 100.0;
        for (var t = 0; t < 400; t++)
        {
            foreach (var x in Number(engine, "battery.charge", charge, "%"))
            {
                if (x.Kind == AlertTransitionKind.Raised && x.Alert.Rule == "charge-projection")
                {
                    projectedAt ??= t;
                }

                if (x.Kind == AlertTransitionKind.Raised && x.Alert.Rule == "charge-low")
                {
                    thresholdAt ??= t;
                }
            }

            charge -= 0.25;
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // 0.25 %/s from 100 %: 20 % is reached at t = 320 s (strictly below from 321 s); the 120 s horizon opens at t = 200 s.
        Assert.Equal(321, thresholdAt);
        Assert.NotNull(projectedAt);
        Assert.InRange(projectedAt!.Value, 199, 201);
    }

    [Fact]
    public void Projection_does_not_alarm_on_a_steady_value()
    {
        var engine = Engine(null, new AlertRule
        {
            Id = "p", Kind = AlertRuleKind.Projection, Metric = "battery.charge", Direction = AlertDirection.Below, Level = 20, Horizon = TimeSpan.FromHours(1),
        });
        for (var t = 0; t < 120; t++)
        {
            Assert.Empty(Number(engine, "battery.charge", 100));
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public void Stale_rule_raises_when_the_device_reports_unavailable_and_clears_when_it_answers()
    {
        var engine = Engine(null, new AlertRule { Id = "comms-lost", Kind = AlertRuleKind.Stale, For = TimeSpan.FromSeconds(30) });
        Assert.Empty(engine.Observe("gen", "generator", [new Reading("gen", MetricNames.DeviceAvailable, ReadingValue.FromBoolean(false), "", _time.GetUtcNow(), Quality.Good, 1)]));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("comms-lost:gen", Assert.Single(engine.Tick()).Alert.Id);
        var back = engine.Observe("gen", "generator", [new Reading("gen", MetricNames.DeviceAvailable, ReadingValue.FromBoolean(true), "", _time.GetUtcNow(), Quality.Good, 2)]);
        Assert.Equal(AlertTransitionKind.Cleared, Assert.Single(back).Kind);
    }

    [Fact]
    public void Stale_rule_raises_for_a_registered_device_that_never_answers()
    {
        var engine = Engine(null, new AlertRule { Id = "comms-lost", Kind = AlertRuleKind.Stale, For = TimeSpan.FromSeconds(30) });
        engine.RegisterDevice("ats", "ats");
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(engine.Tick());
        _time.Advance(TimeSpan.FromSeconds(1));
        var t = Assert.Single(engine.Tick());
        Assert.Contains("no data for 31 s", t.Alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clear_delay_keeps_a_briefly_dropped_condition_raised()
    {
        var engine = Engine(new AlertEngineOptions { ClearAfter = TimeSpan.FromSeconds(5) }, LoadHigh());
        Number(engine, "ups.load", 85);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(Number(engine, "ups.load", 60));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Empty(Number(engine, "ups.load", 85));
        Number(engine, "ups.load", 60);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(AlertTransitionKind.Cleared, Assert.Single(engine.Tick()).Kind);
    }

    [Fact]
    public void Flapping_condition_is_held_raised_instead_of_storming()
    {
        var options = new AlertEngineOptions { ClearAfter = TimeSpan.Zero, FlapTransitions = 4, FlapWindow = TimeSpan.FromMinutes(10), FlapHold = TimeSpan.FromMinutes(2) };
        var engine = Engine(options, LoadHigh());
        var all = new List<AlertTransition>();
        for (var i = 0; i < 20; i++)
        {
            all.AddRange(Number(engine, "ups.load", 90));
            _time.Advance(TimeSpan.FromSeconds(5));
            all.AddRange(Number(engine, "ups.load", 50));
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        // Four transitions in the window, then the next raise marks it flapping: nothing more until the hold passes.
        Assert.Equal([AlertTransitionKind.Raised, AlertTransitionKind.Cleared, AlertTransitionKind.Raised, AlertTransitionKind.Cleared, AlertTransitionKind.Raised], all.Select(t => t.Kind));
        Assert.True(engine.Active()[0].Flapping);
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(AlertTransitionKind.Cleared, Assert.Single(engine.Tick()).Kind);
    }

    [Fact]
    public void Rate_limit_suppresses_warning_notifications_but_never_critical_ones()
    {
        var rules = Enumerable.Range(1, 5).Select(i => new AlertRule { Id = $"r{i}", Kind = AlertRuleKind.Threshold, Metric = "ups.load", Level = 10 * i }).ToList();
        rules.Add(new AlertRule { Id = "crit", Kind = AlertRuleKind.Threshold, Metric = "ups.load", Level = 5, Severity = AlertSeverity.Critical });
        var engine = new AlertEngine(rules, new AlertEngineOptions { MaxNotificationsPerMinute = 2 }, _time);
        var t = Number(engine, "ups.load", 99);
        // Five warnings and one critical: two warnings fit the limit, the critical always passes.
        Assert.Equal(3, t.Count);
        Assert.Contains(t, x => x.Alert.Rule == "crit");
        Assert.Equal(3, engine.Suppressed);
        Assert.Equal(6, engine.Active().Count);
    }

    [Fact]
    public void Shelved_alert_is_not_notified_until_the_shelf_expires()
    {
        var engine = Engine(null, LoadHigh());
        Assert.NotNull(engine.Shelve("load-high:ups-a", _time.GetUtcNow().AddMinutes(10), "bob"));
        Assert.Empty(Number(engine, "ups.load", 90));
        Assert.Single(engine.Active());
        _time.Advance(TimeSpan.FromMinutes(10));
        var t = Assert.Single(engine.Tick());
        Assert.Equal(AlertTransitionKind.Unshelved, t.Kind);
        Assert.Null(t.Alert.ShelvedUntil);
    }

    [Fact]
    public void Acknowledging_an_unknown_id_returns_nothing()
    {
        var engine = Engine(null, LoadHigh());
        Assert.Null(engine.Acknowledge("load-high:ups-z", "alice"));
    }

    [Fact]
    public void Snapshot_restore_neither_loses_nor_refires_active_alerts()
    {
        var engine = Engine(null, LoadHigh());
        Number(engine, "ups.load", 90);
        engine.Acknowledge("load-high:ups-a", "alice");
        engine.Shelve("other:ups-b", _time.GetUtcNow().AddHours(1), "alice");
        var json = System.Text.Json.JsonSerializer.Serialize(engine.Snapshot());

        _time.Advance(TimeSpan.FromSeconds(30));
        var restarted = Engine(null, LoadHigh());
        restarted.Restore(System.Text.Json.JsonSerializer.Deserialize<AlertEngineSnapshot>(json)!);
        var active = Assert.Single(restarted.Active());
        Assert.True(active.Acknowledged);
        Assert.Empty(Number(restarted, "ups.load", 91));
        Assert.Equal(AlertTransitionKind.Cleared, Assert.Single(Number(restarted, "ups.load", 50)).Kind);
        Assert.True(restarted.Snapshot().Shelves.ContainsKey("other:ups-b"));
    }

    [Fact]
    public void External_conditions_raise_escalate_and_clear_when_missing_from_the_set()
    {
        var engine = Engine();
        var raised = engine.ApplyConditions([new AlertCondition("failover-margin", "ups-a", AlertSeverity.Warning, "margin 100 s")]);
        Assert.Equal(AlertTransitionKind.Raised, Assert.Single(raised).Kind);
        Assert.Empty(engine.ApplyConditions([new AlertCondition("failover-margin", "ups-a", AlertSeverity.Warning, "margin 90 s")]));
        Assert.Equal(AlertTransitionKind.Escalated, Assert.Single(engine.ApplyConditions([new AlertCondition("failover-margin", "ups-a", AlertSeverity.Critical, "margin 20 s")])).Kind);
        Assert.Equal(AlertTransitionKind.Cleared, Assert.Single(engine.ApplyConditions([])).Kind);
    }

    [Fact]
    public void Default_rules_are_valid_and_cover_every_device_kind()
    {
        var rules = DefaultAlertRules.Create();
        Assert.All(rules, r => Assert.Empty(r.Validate("Alerts:Rules:" + r.Id)));
        Assert.Equal(rules.Count, rules.Select(r => r.Id).Distinct().Count());
        foreach (var kind in new[] { "ups", "generator", "ats", "pdu", "meter" })
        {
            Assert.Contains(rules, r => r.DeviceKind == kind);
        }

        Assert.Contains(rules, r => r.Kind == AlertRuleKind.Stale && string.IsNullOrEmpty(r.DeviceKind));
    }

    [Fact]
    public void Configured_rule_replaces_the_default_of_the_same_id()
    {
        var merged = DefaultAlertRules.Merge(true, [new AlertRule { Id = "ups-overload", Kind = AlertRuleKind.Threshold, Metric = "ups.load", Level = 70 }]);
        Assert.Equal(70, merged.Single(r => r.Id == "ups-overload").Level);
        Assert.Equal(DefaultAlertRules.Create().Count, merged.Count);
    }

    [Fact]
    public void Rule_with_a_clear_level_on_the_wrong_side_is_rejected_naming_the_key()
    {
        var problems = new AlertRule { Id = "x", Kind = AlertRuleKind.Threshold, Metric = "ups.load", Level = 80, Clear = 90 }.Validate("Alerts:Rules:0").ToList();
        Assert.Contains(problems, p => p.StartsWith("Alerts:Rules:0:Clear", StringComparison.Ordinal));
    }

    [Fact]
    public void Wire_names_of_severities_and_transitions_are_frozen()
    {
        Assert.Equal(["info", "warning", "critical"], Enum.GetValues<AlertSeverity>().Select(s => s.ToWireName()));
        Assert.Equal(["raised", "escalated", "deescalated", "cleared", "acknowledged", "shelved", "unshelved", "event"],
            Enum.GetValues<AlertTransitionKind>().Select(k => k.ToWireName()));
    }
}

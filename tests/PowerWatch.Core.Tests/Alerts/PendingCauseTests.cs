using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;
using PowerWatch.TestSupport;

namespace PowerWatch.Core.Tests.Alerts;

/// <summary>
/// The UPS and the ATS are polled on their own schedules, so the UPS can report "on battery" a poll before the ATS's
/// utility loss has lasted its debounce. The cause an operator is told must not depend on that order.
/// </summary>
public sealed class PendingCauseTests
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private long _sequence;

    private AlertEngine Engine()
    {
        FailoverChain[] chains = [new FailoverChain("ats", "generator", ["ups"])];
        var engine = new AlertEngine(DefaultAlertRules.Create(), new AlertEngineOptions(), _time, new ChainCauses(chains));
        engine.RegisterDevice("ups", "ups");
        engine.RegisterDevice("ats", "ats");
        return engine;
    }

    private IReadOnlyList<AlertTransition> Ups(AlertEngine engine, string status) =>
        engine.Observe("ups", "ups", [new Reading("ups", MetricNames.UpsStatus, ReadingValue.FromText(status), "", _time.GetUtcNow(), Quality.Good, ++_sequence)]);

    private static AlertCondition UtilityDown(double seconds, bool pending) =>
        new(FailoverRules.UtilityLost, "ats", AlertSeverity.Warning, $"Utility lost at ats for {seconds} s", seconds, "s") { Pending = pending };

    private List<AlertTransition> Second(AlertEngine engine, string status, params AlertCondition[] conditions)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return [.. Ups(engine, status), .. engine.ApplyConditions(conditions)];
    }

    [Fact]
    public void On_battery_raised_while_the_utility_loss_is_still_in_its_debounce_is_folded_under_it_from_the_raise()
    {
        var engine = Engine();
        Assert.Empty(Second(engine, "OB", UtilityDown(0, pending: true)));
        Assert.Empty(Second(engine, "OB", UtilityDown(1, pending: true)));
        Assert.Empty(Second(engine, "OB", UtilityDown(2, pending: true)));

        // The UPS's 3 s pass first: the ATS (polled a second later) has seen 2 s of its 3 s.
        var raised = Assert.Single(Second(engine, "OB", UtilityDown(2, pending: true)), t => t.Alert.Rule == "ups-on-battery");
        Assert.Equal(AlertTransitionKind.Raised, raised.Kind);
        Assert.Equal("utility-lost:ats", raised.Alert.Cause);

        var lost = Assert.Single(Second(engine, "OB", UtilityDown(3, pending: false)));
        Assert.Equal("utility-lost:ats", lost.Alert.Id);
        Assert.Equal(["utility-lost:ats"], AlertTree.Roots(engine.Active()).Select(a => a.Id));
    }

    [Fact]
    public void A_pending_utility_loss_that_never_lasts_its_debounce_is_withdrawn_as_the_cause()
    {
        var engine = Engine();
        for (var i = 0; i < 3; i++)
        {
            Second(engine, "OB", UtilityDown(i, pending: true));
        }

        var raised = Assert.Single(Second(engine, "OB", UtilityDown(2.5, pending: true)));
        Assert.Equal("utility-lost:ats", raised.Alert.Cause);

        // The ATS sees the utility back before its debounce ended: nothing was lost at the ATS, the UPS is a root.
        Second(engine, "OB");
        var ups = Assert.Single(engine.Active());
        Assert.Equal("ups-on-battery:ups", ups.Id);
        Assert.Null(ups.Cause);
    }

    [Fact]
    public void A_pending_condition_is_never_raised_and_never_counts_as_active()
    {
        var engine = Engine();
        for (var i = 0; i < 20; i++)
        {
            Assert.Empty(Second(engine, "OL", UtilityDown(i, pending: true)));
        }

        Assert.Empty(engine.Active());
    }
}

using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;
using PowerWatch.Simulators;

namespace PowerWatch.Agent.Tests.Alerts;

/// <summary>
/// The proof: the simulator Site on a stepped clock, polled in-process every second, through the failover analyzer
/// and the alert engine with the default rules and options. Site timers (SPEC-DEVICES §7, §8, §10): ATS engine-start
/// delay 3 s, DSE start delay 5 s, engine fires 2 s into the first crank, safety delay 8 s, ATS transfer 5 s after the
/// generator is available; UPS runtime 300 s at 100 % load, 900 s at 50 %. Times are virtual seconds of the site.
/// </summary>
public sealed class FailoverScenarioTests
{
    private static List<(double, AlertTransitionKind, string)> Raises(FailoverHarness h) =>
        [.. h.Seen.Where(s => s.Kind is AlertTransitionKind.Raised or AlertTransitionKind.Cleared or AlertTransitionKind.Event)
            .Select(s => (s.At, s.Kind, s.Id))];

    [Fact]
    public void Utility_loss_with_a_good_generator_warns_then_clears()
    {
        var h = new FailoverHarness().At(10, s => s.Utility.Fail()).At(600, s => s.Utility.Restore());
        h.RunUntil(1000);

        // The simulated generator is available 18 s after the outage: later than the NFPA 110 Type 10 deadline (10 s).
        Assert.Equal(
        [
            (13, AlertTransitionKind.Raised, "generator-start-required:generator"),
            (14, AlertTransitionKind.Raised, "ups-on-battery:ups"),
            (14, AlertTransitionKind.Raised, "utility-lost:ats"),
            (21, AlertTransitionKind.Raised, "generator-late:generator"),
            (33, AlertTransitionKind.Cleared, "generator-late:generator"),
            (39, AlertTransitionKind.Cleared, "ups-on-battery:ups"),
            (606, AlertTransitionKind.Cleared, "utility-lost:ats"),
            (901, AlertTransitionKind.Event, "retransfer-completed:ats"),
            (966, AlertTransitionKind.Cleared, "generator-start-required:generator"),
        ], Raises(h));
        Assert.DoesNotContain(h.Seen, s => s.Severity == AlertSeverity.Critical);
        Assert.Contains(h.States, s => s.State.Phase == FailoverPhases.OnGenerator && s.State.MarginSeconds is not null);
        Assert.Empty(h.Engine.Active());
    }

    [Fact]
    public void Generator_that_fails_to_start_is_late_then_failed_and_margin_critical_long_before_depletion()
    {
        var worst = 0.0;
        var h = new FailoverHarness()
            .At(0, s => { s.SetUpsLoadPercent(100); s.Generator.SetFault(GeneratorFault.FailToStart); })
            .At(10, s => s.Utility.Fail());
        h.OnPoll = (t, state, site) =>
        {
            if (state.RuntimeUsedSeconds is { } used && site.Ups.TrueRuntimeSeconds > 60 && t >= 40)
            {
                worst = Math.Max(worst, Math.Abs(used - site.Ups.TrueRuntimeSeconds) / site.Ups.TrueRuntimeSeconds);
            }
        };
        double? offAt = null;
        h.Site.EventOccurred += (_, e) => offAt ??= h.Site.Ups.OutputOn ? null : h.Seconds;
        h.RunUntil(330);

        Assert.Equal(21, h.First("generator-late:generator")!.At); // outage at 10 s + 10 s deadline (+1 s poll)
        var failed = h.First("generator-failed-to-start:generator")!;
        Assert.Equal(68, failed.At); // 3 cranks: 13 + 5 + 10 + 10 + 10 + 10 + 10 s
        Assert.Equal(AlertSeverity.Critical, failed.Severity);
        var margin = h.First("failover-margin:ups")!;
        Assert.Equal(68, margin.At);
        Assert.Equal(AlertSeverity.Critical, margin.Severity);
        Assert.Equal(68, h.First("battery-depletes-before-generator:ups")!.At);
        Assert.NotNull(offAt);
        Assert.InRange(offAt!.Value, 300, 320);
        Assert.True(offAt - margin.At > 200, "critical margin more than 200 s before the load drops");

        // The runtime the margin uses is within ±5 % of the simulator's true remaining time.
        Assert.InRange(worst, 0, 0.05);
        var at100 = h.States.First(s => s.At == 100).State;
        Assert.Equal(FailoverPhases.GeneratorUnavailable, at100.Phase);
        Assert.Null(at100.GeneratorNeedSeconds);
    }

    [Fact]
    public void Generator_that_fails_to_stabilise_raises_unstable_before_it_trips()
    {
        var h = new FailoverHarness()
            .At(0, s => { s.SetUpsLoadPercent(50); s.Generator.SetFault(GeneratorFault.FailToStabilise); })
            .At(10, s => s.Utility.Fail());
        h.RunUntil(120);

        var unstable = h.First("generator-unstable:generator")!;
        var failed = h.First("generator-failed:generator")!;
        Assert.Equal(AlertSeverity.Critical, unstable.Severity);
        Assert.Contains("Hz outside 50 Hz", unstable.Message, StringComparison.Ordinal);
        Assert.InRange(unstable.At, 34, 40);
        Assert.True(unstable.At < failed.At, "unstable is seen before the controller trips");
        Assert.Equal(failed.At, h.First("failover-margin:ups")!.At);
        Assert.DoesNotContain(h.Of("generator-late:generator"), s => s.Kind == AlertTransitionKind.Raised && s.At > 40);
    }

    [Fact]
    public void Ats_that_fails_to_transfer_is_reported_with_the_margin_running_down()
    {
        var h = new FailoverHarness()
            .At(0, s => { s.SetUpsLoadPercent(50); s.Ats.SetFault(AtsFault.FailToTransfer); })
            .At(10, s => s.Utility.Fail());
        h.RunUntil(900);

        var notTransferred = h.First("ats-not-transferred:ats")!;
        Assert.Equal(43, notTransferred.At); // generator available at 28 s + 15 s transfer timeout
        Assert.Equal(AlertSeverity.Critical, notTransferred.Severity);
        Assert.Contains("ATS fault", notTransferred.Message, StringComparison.Ordinal);
        var warning = h.First("failover-margin:ups")!;
        Assert.Equal(AlertSeverity.Warning, warning.Severity);
        var critical = h.First("failover-margin:ups", AlertTransitionKind.Escalated)!;
        Assert.Equal(AlertSeverity.Critical, critical.Severity);
        Assert.InRange(critical.At - warning.At, 85, 95); // 120 s → 30 s of margin
        Assert.Contains(h.Engine.Active(), a => a.Id == "ats-not-transferred:ats");
    }

    [Fact]
    public void Aged_battery_raises_runtime_disagreement_and_the_margin_uses_the_observed_estimate()
    {
        var h = new FailoverHarness()
            .At(0, s => { s.SetUpsLoadPercent(100); s.Ups.SetRuntimeBias(1.4); s.Generator.SetMode(GeneratorMode.Stop); })
            .At(10, s => s.Utility.Fail());
        var worst = 0.0;
        h.OnPoll = (t, state, site) =>
        {
            if (t is >= 40 and <= 250)
            {
                Assert.Equal("estimate", state.RuntimeUsed);
                worst = Math.Max(worst, Math.Abs(state.RuntimeUsedSeconds!.Value - site.Ups.TrueRuntimeSeconds) / site.Ups.TrueRuntimeSeconds);
            }
        };
        h.RunUntil(260);

        var disagreement = h.First("runtime-disagreement:ups")!;
        Assert.Equal(21, disagreement.At); // 10 s of discharge observed after the outage at 10 s
        Assert.Contains("40 %", disagreement.Message, StringComparison.Ordinal);
        Assert.InRange(worst, 0, 0.05);
        Assert.Equal(11, h.First("failover-margin:ups")!.At); // the generator is in stop mode: it cannot carry the load
        Assert.Equal(61, h.First("generator-not-auto:generator")!.At);
    }

    [Fact]
    public void Long_outage_on_low_fuel_warns_hours_before_the_tank_runs_dry()
    {
        var h = new FailoverHarness { Step = TimeSpan.FromSeconds(2), PollInterval = TimeSpan.FromSeconds(10) }
            .At(0, s => { s.SetUpsLoadPercent(50); s.Generator.SetFuelPercent(12); })
            .At(10, s => s.Utility.Fail());
        h.RunUntil(34 * 3600);

        var hours = h.First("generator-fuel-hours:generator")!;
        var dry = h.First("generator-failed:generator")!;
        Assert.Equal(AlertSeverity.Warning, hours.Severity);
        Assert.InRange((dry.At - hours.At) / 3600, 2, 8); // about 4 h of warning (whole-percent level steps)
        Assert.Equal(AlertTransitionKind.Escalated, h.Of("generator-fuel-hours:generator").Skip(1).First().Kind);
        Assert.Single(h.Of("generator-fuel-hours:generator"), s => s.Kind == AlertTransitionKind.Raised);
        Assert.Equal(10, h.First("generator-low-fuel:generator")!.At);
        Assert.Equal(dry.At, h.First("failover-margin:ups")!.At);
    }

    [Fact]
    public void Comms_lost_to_the_generator_during_the_outage_is_stale_and_the_margin_pessimistic()
    {
        var h = new FailoverHarness().At(0, s => s.SetUpsLoadPercent(100)).At(10, s => s.Utility.Fail());
        h.At(20, _ => h.Unreachable.Add("generator"));
        h.RunUntil(60);

        // The generator was cranking when it went silent: it is assumed unable to carry the load.
        var margin = h.First("failover-margin:ups")!;
        Assert.Equal(21, margin.At);
        Assert.Equal(AlertSeverity.Critical, margin.Severity);
        var at25 = h.States.First(s => s.At == 25).State;
        Assert.Equal("unknown", at25.GeneratorState);
        Assert.Null(at25.GeneratorNeedSeconds);

        // The ATS still sees the generator's voltage and transfers at 33.1 s: power is proven, the margin clears.
        Assert.Equal(39, h.First("failover-margin:ups", AlertTransitionKind.Cleared)!.At);
        Assert.Equal(51, h.First("comms-lost:generator")!.At); // 30 s of silence
    }

    [Fact]
    public void Brownout_flapping_is_damped_into_a_handful_of_warnings()
    {
        var h = new FailoverHarness()
            .At(10, s => s.Utility.Brownout(190)).At(12, s => s.Utility.Restore())
            .At(20, s => s.Utility.Brownout(190)).At(22, s => s.Utility.Restore())
            .At(30, s => s.Utility.Brownout(200)).At(40, s => s.Utility.Restore())
            .At(50, s => s.Utility.Brownout(190)).At(70, s => s.Utility.Restore());
        h.RunUntil(500);

        var raised = h.Seen.Where(s => s.Kind == AlertTransitionKind.Raised).ToList();
        Assert.InRange(raised.Count, 1, 5);
        Assert.DoesNotContain(h.Seen, s => s.Severity == AlertSeverity.Critical);
        Assert.DoesNotContain(h.Seen, s => s.At < 30 && s.Kind == AlertTransitionKind.Raised); // 2 s dips ride through
        Assert.Equal(2, raised.Count(s => s.Id == "utility-lost:ats"));
        Assert.Empty(h.Engine.Active());
    }
}

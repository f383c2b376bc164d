using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;
using PowerWatch.Simulators;

namespace PowerWatch.Agent.Tests.Alerts;

/// <summary>
/// The outage as the operator sees it: the site verdict and countdown, the load-lost alarm, root causes first, and
/// messages that never show a value that is no longer true. The simulated site on its stepped clock, polled every
/// second through the failover analyzer and the alert engine with the chain's causes.
/// </summary>
public sealed class OutageVerdictTests
{
    [Fact]
    public void Generator_that_fails_to_start_goes_on_battery_then_critical_then_load_lost_with_at_most_three_unfolded_criticals()
    {
        var h = new FailoverHarness()
            .At(0, s => { s.SetUpsLoadPercent(75); s.Generator.SetFault(GeneratorFault.FailToStart); })
            .At(10, s => s.Utility.Fail());
        double? offAt = null;
        h.Site.EventOccurred += (_, _) => offAt ??= h.Site.Ups.OutputOn ? null : h.Seconds;
        h.RunUntil(600);

        // The verdict only ever gets worse during this outage, in this order.
        var timeline = Collapse(h.Verdicts.Select(v => (v.At, v.Site.Verdict)));
        Assert.Equal([Verdicts.Normal, Verdicts.OnBattery, Verdicts.AtRisk, Verdicts.Critical, Verdicts.LoadLost], timeline.Select(t => t.Verdict));
        var failed = h.First("generator-failed-to-start:generator")!;
        Assert.Equal(failed.At, timeline.Single(t => t.Verdict == Verdicts.Critical).At);

        // While critical, the countdown is the battery's and falls second by second; the cause names the generator.
        var critical = h.Verdicts.Where(v => v.Site.Verdict == Verdicts.Critical).ToList();
        Assert.All(critical, v => Assert.NotNull(v.Site.SecondsLeft));
        Assert.True(critical[^1].Site.SecondsLeft < critical[0].Site.SecondsLeft - 100, "countdown decreasing");
        Assert.Contains("failed to start", critical[0].Site.Cause, StringComparison.Ordinal);
        Assert.Equal(FailoverRules.GeneratorFailedToStart, critical[0].Site.Runbook);

        // Load lost: raised within one poll of the output going off, critical, a root cause.
        Assert.NotNull(offAt);
        var loadLost = h.First("load-lost:ups")!;
        Assert.Equal(AlertSeverity.Critical, loadLost.Severity);
        Assert.InRange(loadLost.At - offAt!.Value, 0, 1);
        Assert.Equal(Verdicts.LoadLost, h.Verdicts.Single(v => v.At == loadLost.At).Site.Verdict);
        Assert.Null(h.Verdicts.Single(v => v.At == loadLost.At).Site.SecondsLeft);

        // Root cause first: the margin and depletion alerts fold under the generator's failure.
        Assert.Contains(h.Engine.Active(), a => a.Id == "failover-margin:ups" || a.Id == "load-lost:ups");
        Assert.InRange(h.UnfoldedCriticals.Max(c => c.Count), 1, 3);

        // generator-late precedes generator-failed-to-start, never follows it.
        var late = h.First("generator-late:generator")!;
        Assert.True(late.At < failed.At);
        Assert.DoesNotContain(h.Of("generator-late:generator"), s => s.Kind == AlertTransitionKind.Raised && s.At > failed.At);
    }

    [Fact]
    public void Margin_and_depletion_alerts_fold_under_the_generator_failure_that_causes_them()
    {
        var h = new FailoverHarness()
            .At(0, s => { s.SetUpsLoadPercent(75); s.Generator.SetFault(GeneratorFault.FailToStart); })
            .At(10, s => s.Utility.Fail());
        h.RunUntil(120);

        var active = h.Engine.Active().ToDictionary(a => a.Id);
        Assert.Null(active["generator-failed-to-start:generator"].Cause);
        Assert.Equal("generator-failed-to-start:generator", active["failover-margin:ups"].Cause);
        Assert.Equal("generator-failed-to-start:generator", active["battery-depletes-before-generator:ups"].Cause);
        Assert.Equal("generator-failed-to-start:generator", active["generator-failed:generator"].Cause);
        Assert.Equal("utility-lost:ats", active["ups-on-battery:ups"].Cause);
        Assert.Null(active["utility-lost:ats"].Cause);

        var roots = AlertTree.Roots(h.Engine.Active()).Select(a => a.Id).ToList();
        Assert.Contains("generator-failed-to-start:generator", roots);
        Assert.DoesNotContain("failover-margin:ups", roots);
        Assert.Contains("failover-margin:ups", AlertTree.Descendants(h.Engine.Active(), "generator-failed-to-start:generator"));
    }

    [Fact]
    public void Generator_that_started_then_tripped_failed_to_stabilise_and_did_not_fail_to_start()
    {
        var h = new FailoverHarness()
            .At(0, s => { s.SetUpsLoadPercent(50); s.Generator.SetFault(GeneratorFault.FailToStabilise); })
            .At(10, s => s.Utility.Fail());
        h.RunUntil(120);

        var stabilise = h.First("generator-failed-to-stabilise:generator");
        Assert.NotNull(stabilise);
        Assert.Equal(AlertSeverity.Critical, stabilise!.Severity);
        Assert.Contains("Generator failed to stabilise (generator): it ran", stabilise.Message, StringComparison.Ordinal);
        Assert.Null(h.First("generator-failed-to-start:generator"));
        // The controller's own failed flag is the same fact: folded under the analyzer's failure.
        Assert.Equal("generator-failed-to-stabilise:generator", h.Engine.Active().Single(a => a.Id == "generator-failed:generator").Cause);
    }

    [Fact]
    public void Generator_silent_while_on_battery_makes_the_verdict_unknown_never_normal()
    {
        var h = new FailoverHarness().At(0, s => s.SetUpsLoadPercent(50)).At(10, s => s.Utility.Fail());
        h.At(12, _ => h.Unreachable.Add("generator"));
        h.RunUntil(25);

        var site = h.Verdicts[^1].Site;
        Assert.Equal(Verdicts.Unknown, site.Verdict);
        Assert.Contains("no data from generator", site.Cause, StringComparison.Ordinal);
        Assert.NotNull(site.SecondsLeft);
    }

    [Fact]
    public void Ups_silent_makes_the_verdict_unknown()
    {
        var h = new FailoverHarness();
        h.At(5, _ => h.Unreachable.Add("ups"));
        h.RunUntil(10);

        Assert.Equal(Verdicts.Normal, h.Verdicts.First().Site.Verdict);
        Assert.Equal(Verdicts.Unknown, h.Verdicts[^1].Site.Verdict);
        Assert.Equal(3, Verdicts.Code(h.Verdicts[^1].Site.Verdict));
    }

    [Fact]
    public void Overload_that_ended_says_so_with_the_value_now_and_clears_saying_what_changed()
    {
        var h = new FailoverHarness().At(0, s => s.SetUpsLoadPercent(100)).At(30, s => s.SetUpsLoadPercent(10));
        h.RunUntil(80);

        Assert.NotNull(h.First("ups-overload:ups"));
        var ended = h.Of("ups-overload:ups").ToList();
        var cleared = h.First("ups-overload:ups", AlertTransitionKind.Cleared)!;
        Assert.Matches(@"cleared: ups\.load (9\.\d+|10(\.\d+)?) %$", cleared.Message);

        // Between the load step and the clear, the alert's message says the condition ended and gives 10 %, not 100 %.
        var h2 = new FailoverHarness().At(0, s => s.SetUpsLoadPercent(100)).At(30, s => s.SetUpsLoadPercent(10));
        h2.RunUntil(40);
        var waiting = h2.Engine.Active().Single(a => a.Id == "ups-overload:ups");
        Assert.NotNull(waiting.ConditionEndedAt);
        Assert.Matches(@"condition ended \(ups\.load (9\.\d+|10(\.\d+)?) %\); clears after 30 s", waiting.Message);
        Assert.DoesNotContain("above", waiting.Message, StringComparison.Ordinal);
        Assert.NotEmpty(ended);
    }

    [Fact]
    public void Generator_late_clears_saying_when_the_generator_came()
    {
        var h = new FailoverHarness().At(0, s => s.SetUpsLoadPercent(50)).At(10, s => s.Utility.Fail());
        h.RunUntil(90);

        var cleared = h.First("generator-late:generator", AlertTransitionKind.Cleared);
        Assert.NotNull(cleared);
        Assert.Matches(@"cleared: generator (available|on-load) \d+ s after utility loss", cleared!.Message);
    }

    private static List<(double At, string Verdict)> Collapse(IEnumerable<(double At, string Verdict)> points)
    {
        var list = new List<(double At, string Verdict)>();
        foreach (var p in points)
        {
            if (list.Count == 0 || list[^1].Verdict != p.Verdict)
            {
                list.Add(p);
            }
        }

        return list;
    }
}

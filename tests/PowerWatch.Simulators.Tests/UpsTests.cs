using PowerWatch.Simulators;

namespace PowerWatch.Simulators.Tests;

public sealed class UpsTests
{
    private static Site LoadedSite(double loadPercent, UpsOptions? ups = null)
    {
        var site = Site.Create(TestSites.Quiet(ups, new GeneratorOptions { InitialMode = GeneratorMode.Stop }));
        site.SetUpsLoadPercent(loadPercent);
        site.Step(TestSites.Step);
        return site;
    }

    [Fact]
    public void Runtime_curve_passes_through_both_fitted_points()
    {
        // SPEC-DEVICES §10 defaults: 300 s at 100 % load, 900 s at 50 %.
        var curve = RuntimeCurve.FromTwoPoints(1.0, TimeSpan.FromSeconds(300), 0.5, TimeSpan.FromSeconds(900));

        Assert.Equal(300, curve.SecondsAt(1.0), 6);
        Assert.Equal(900, curve.SecondsAt(0.5), 6);
        Assert.Equal(Math.Log(3) / Math.Log(2), curve.Exponent, 9);
    }

    [Fact]
    public void Runtime_curve_reproduces_the_nut_runtimecal_example_exponent()
    {
        // SPEC-DEVICES §5 (NUT-QX runtimecal = 240,100,720,50): exponent ln(720/240)/ln(100/50) = 1.585.
        var curve = RuntimeCurve.FromTwoPoints(1.0, TimeSpan.FromSeconds(240), 0.5, TimeSpan.FromSeconds(720));

        Assert.Equal(1.585, curve.Exponent, 3);
    }

    [Theory]
    [InlineData(100, 300)]
    [InlineData(50, 900)]
    public void Ups_at_full_charge_reports_the_fitted_runtime(double loadPercent, double expectedSeconds)
    {
        var site = LoadedSite(loadPercent);

        Assert.Equal(loadPercent, site.Ups.LoadPercent, 6);
        Assert.Equal(100, site.Ups.ChargePercent);
        Assert.InRange(site.Ups.TrueRuntimeSeconds, expectedSeconds * 0.99, expectedSeconds * 1.01);
        Assert.InRange(site.Ups.ReportedRuntimeSeconds, expectedSeconds * 0.99, expectedSeconds * 1.01);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(75)]
    [InlineData(30)]
    public void Constant_load_drains_a_full_battery_in_the_predicted_time(double loadPercent)
    {
        var site = LoadedSite(loadPercent);
        var predicted = site.Ups.Curve.SecondsAt(loadPercent / 100);
        var start = site.Elapsed;
        site.Utility.Fail();

        var off = TestSites.StepUntil(site, s => !s.Ups.OutputOn, TimeSpan.FromHours(2));

        Assert.NotNull(off);
        var onBattery = (off.Value - start).TotalSeconds;
        Assert.InRange(onBattery, predicted - 0.2, predicted + 0.2);
    }

    [Fact]
    public void Halfway_through_a_constant_discharge_charge_and_runtime_are_halved()
    {
        var site = LoadedSite(100);
        site.Utility.Fail();

        site.RunFor(TimeSpan.FromSeconds(150), TestSites.Step);

        Assert.Equal(50, site.Ups.ChargePercent, 1);
        Assert.Equal(150, site.Ups.TrueRuntimeSeconds, 0);
        Assert.Equal(UpsMode.OnBattery, site.Ups.Mode);
    }

    [Fact]
    public void Bias_changes_the_reported_runtime_only()
    {
        var healthy = LoadedSite(100);
        var aged = LoadedSite(100, new UpsOptions { RuntimeBias = 1.4 });
        healthy.Utility.Fail();
        aged.Utility.Fail();

        healthy.RunFor(TimeSpan.FromSeconds(100), TestSites.Step);
        aged.RunFor(TimeSpan.FromSeconds(100), TestSites.Step);

        Assert.Equal(healthy.Ups.ChargePercent, aged.Ups.ChargePercent, 9);
        Assert.Equal(healthy.Ups.TrueRuntimeSeconds, aged.Ups.TrueRuntimeSeconds, 9);
        Assert.Equal(healthy.Ups.ReportedRuntimeSeconds * 1.4, aged.Ups.ReportedRuntimeSeconds, 6);
        var healthyOff = TestSites.StepUntil(healthy, s => !s.Ups.OutputOn, TimeSpan.FromHours(1));
        var agedOff = TestSites.StepUntil(aged, s => !s.Ups.OutputOn, TimeSpan.FromHours(1));
        Assert.Equal(healthyOff, agedOff);
    }

    [Fact]
    public void Low_battery_is_flagged_when_the_reported_runtime_reaches_the_threshold()
    {
        // 100 % load: 300 s full; LB at 180 s left, i.e. 120 s into the outage.
        var site = LoadedSite(100);
        var start = site.Elapsed;
        site.Utility.Fail();

        var lb = TestSites.StepUntil(site, s => (s.Ups.Status & UpsStatus.LowBattery) != 0, TimeSpan.FromHours(1));

        Assert.InRange((lb!.Value - start).TotalSeconds, 119.9, 120.2);
        Assert.InRange(site.Ups.ReportedRuntimeSeconds, 179.0, 180.0);
    }

    [Fact]
    public void Aged_battery_raises_low_battery_late()
    {
        // Reported = 1.4 × true: LB when 1.4 × 300 × c = 180, i.e. c = 0.4286, after 171.4 s on battery.
        var site = LoadedSite(100, new UpsOptions { RuntimeBias = 1.4 });
        var start = site.Elapsed;
        site.Utility.Fail();

        var lb = TestSites.StepUntil(site, s => (s.Ups.Status & UpsStatus.LowBattery) != 0, TimeSpan.FromHours(1));

        Assert.InRange((lb!.Value - start).TotalSeconds, 171.3, 171.6);
        Assert.InRange(site.Ups.TrueRuntimeSeconds, 128.3, 128.8);
    }

    [Fact]
    public void Battery_exhaustion_turns_the_output_off_and_darkens_the_pdus()
    {
        var site = LoadedSite(100);
        site.Utility.Fail();

        TestSites.StepUntil(site, s => !s.Ups.OutputOn, TimeSpan.FromHours(1));
        site.Step(TestSites.Step);

        Assert.Equal(UpsMode.Off, site.Ups.Mode);
        Assert.Contains("OFF", UpsStatusMapping.ToNutTokens(site.Ups.Status));
        Assert.All(site.Pdus, p =>
        {
            Assert.Equal(0, p.Voltage);
            Assert.Equal(0, p.PowerW);
            Assert.Equal(0, p.Current);
        });
        Assert.Equal(0, site.Ups.LoadW);
    }

    [Fact]
    public void Output_returns_with_the_utility_after_a_low_battery_turn_off_and_recharges_over_hours()
    {
        var site = LoadedSite(100);
        site.Utility.Fail();
        TestSites.StepUntil(site, s => !s.Ups.OutputOn, TimeSpan.FromHours(1));

        site.Utility.Restore();
        site.Step(TestSites.Step);
        Assert.True(site.Ups.OutputOn);
        Assert.Equal(UpsMode.Online, site.Ups.Mode);
        Assert.True((site.Ups.Status & UpsStatus.Charging) != 0);

        // Default recharge: empty to full in 4 h, linearly.
        site.RunFor(TimeSpan.FromHours(1), TimeSpan.FromSeconds(1));
        Assert.InRange(site.Ups.ChargePercent, 24.5, 25.5);
        site.RunFor(TimeSpan.FromHours(3.1), TimeSpan.FromSeconds(1));
        Assert.Equal(100, site.Ups.ChargePercent);
        Assert.True((site.Ups.Status & UpsStatus.Charging) == 0);
    }

    [Fact]
    public void Battery_voltage_follows_charge_within_the_nut_qx_block_bounds()
    {
        // SPEC-DEVICES §5: 10.4 V empty, 13.0 V full per 12 V block; float about 13.6 V on line.
        var site = LoadedSite(100);
        Assert.Equal(13.6, site.Ups.BatteryVoltagePerBlock, 6);
        Assert.Equal(13.6 * 16, site.Ups.BatteryVoltage, 6);
        site.Utility.Fail();
        site.Step(TestSites.Step);
        Assert.InRange(site.Ups.BatteryVoltagePerBlock, 12.99, 13.0);
        site.RunFor(TimeSpan.FromSeconds(150), TestSites.Step);
        Assert.InRange(site.Ups.BatteryVoltagePerBlock, 11.65, 11.75);
    }

    [Fact]
    public void Brownout_below_the_low_transfer_point_goes_to_battery_and_a_mild_sag_boosts()
    {
        var site = LoadedSite(50);

        site.Utility.Brownout(200);
        site.Step(TestSites.Step);
        Assert.Equal(UpsMode.Online, site.Ups.Mode);
        Assert.Contains("BOOST", UpsStatusMapping.ToNutTokens(site.Ups.Status));

        site.Utility.Brownout(190);
        site.Step(TestSites.Step);
        Assert.Equal(UpsMode.OnBattery, site.Ups.Mode);
        Assert.Equal(TransferCause.LowInputVoltage, site.Ups.LastTransferCause);
        Assert.Equal(190, site.Ups.InputFaultVoltage);
    }

    [Fact]
    public void Output_off_command_holds_until_output_on()
    {
        var site = LoadedSite(50);

        site.Ups.TurnOutputOff();
        site.RunFor(TimeSpan.FromSeconds(10), TestSites.Step);
        Assert.False(site.Ups.OutputOn);
        Assert.All(site.Pdus, p => Assert.Equal(0, p.PowerW));

        site.Ups.TurnOutputOn();
        site.Step(TestSites.Step);
        site.Step(TestSites.Step);
        Assert.True(site.Ups.OutputOn);
        Assert.Equal(50, site.Ups.LoadPercent, 6);
    }

    [Fact]
    public void Delayed_shutdown_is_flagged_fsd_until_the_output_drops()
    {
        var site = LoadedSite(50);

        site.Ups.Shutdown(TimeSpan.FromSeconds(20), returnWhenPowerRestored: false);
        site.Step(TestSites.Step);
        Assert.Contains("FSD", UpsStatusMapping.ToNutTokens(site.Ups.Status));
        var off = TestSites.StepUntil(site, s => !s.Ups.OutputOn, TimeSpan.FromMinutes(5));

        Assert.Equal(TimeSpan.FromSeconds(20.1), off);
        Assert.DoesNotContain("FSD", UpsStatusMapping.ToNutTokens(site.Ups.Status));
    }

    [Fact]
    public void Bypass_passes_the_input_through_and_drops_the_load_if_the_input_fails()
    {
        var site = LoadedSite(50);

        site.Ups.SetBypass(true);
        site.Utility.Brownout(215);
        site.Step(TestSites.Step);
        Assert.Equal(UpsMode.Bypass, site.Ups.Mode);
        Assert.Equal(215, site.Ups.OutputVoltage);
        Assert.Equal(["OL", "BYPASS"], UpsStatusMapping.ToNutTokens(site.Ups.Status));

        site.Utility.Fail();
        site.Step(TestSites.Step);
        Assert.False(site.Ups.OutputOn);
    }

    [Fact]
    public void Self_test_runs_on_battery_for_its_duration_and_passes()
    {
        var site = LoadedSite(50);

        Assert.Equal(SelfTestResult.InProgress, site.Ups.StartSelfTest());
        site.Step(TestSites.Step);
        Assert.Equal(UpsMode.OnBattery, site.Ups.Mode);
        Assert.True((site.Ups.Status & UpsStatus.TestInProgress) != 0);
        site.RunFor(TimeSpan.FromSeconds(10), TestSites.Step);

        Assert.Equal(SelfTestResult.Passed, site.Ups.LastSelfTest);
        Assert.Equal(UpsMode.Online, site.Ups.Mode);
        Assert.True(site.Ups.ChargePercent < 100);
    }

    [Fact]
    public void Status_changes_are_published_after_the_step_for_alert_characters()
    {
        var site = LoadedSite(100);
        var changes = new List<UpsStatusChangedEventArgs>();
        site.Ups.StatusChanged += (_, e) => changes.Add(e);

        site.Utility.Fail();
        site.Step(TestSites.Step);

        var change = Assert.Single(changes);
        Assert.True((change.Previous & UpsStatus.Online) != 0);
        Assert.True((change.Current & UpsStatus.OnBattery) != 0);
    }
}

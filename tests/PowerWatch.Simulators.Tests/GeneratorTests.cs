using PowerWatch.Simulators;

namespace PowerWatch.Simulators.Tests;

public sealed class GeneratorTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static Dictionary<GeneratorState, TimeSpan> StateTimeline(Site site, TimeSpan duration)
    {
        var first = new Dictionary<GeneratorState, TimeSpan>();
        var end = site.Elapsed + duration;
        while (site.Elapsed < end)
        {
            site.Step(TestSites.Step);
            first.TryAdd(site.Generator.State, site.Elapsed);
        }

        return first;
    }

    [Fact]
    public void Start_sequence_follows_the_dse_timers_to_the_second()
    {
        // SPEC-DEVICES §7 (DSE5110): start delay 5 s, crank (fires 2 s in), safety delay 8 s, warm-up 5 s here.
        var site = Site.Create(TestSites.Quiet(generator: new GeneratorOptions { WarmUp = S(5) }));
        site.Utility.Fail();

        var t = StateTimeline(site, S(60));

        Assert.Equal(S(3), t[GeneratorState.Starting]);
        Assert.Equal(S(8), t[GeneratorState.Cranking]);
        Assert.Equal(S(10), t[GeneratorState.Warming]);
        Assert.Equal(S(23), t[GeneratorState.Available]);
        Assert.Equal(S(28.1), t[GeneratorState.OnLoad]);
        Assert.Equal(1, site.Generator.Starts);
        Assert.Equal(EngineOperatingState.Running, site.Generator.EngineState);
        Assert.Equal(1500, site.Generator.EngineSpeed, 1);
        Assert.Equal(50, site.Generator.Frequency, 1);
        Assert.Equal(230, site.Generator.Voltage, 1);
        Assert.InRange(site.Generator.PowerW, 3000, 6000);
    }

    [Fact]
    public void Engine_state_register_follows_the_sequence()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Utility.Fail();
        var seen = new List<EngineOperatingState>();

        for (var i = 0; i < 400; i++)
        {
            site.Step(TestSites.Step);
            if (seen.Count == 0 || seen[^1] != site.Generator.EngineState)
            {
                seen.Add(site.Generator.EngineState);
            }
        }

        Assert.Equal([EngineOperatingState.Stopped, EngineOperatingState.PreStart, EngineOperatingState.WarmingUp, EngineOperatingState.Running], seen);
    }

    [Fact]
    public void Fail_to_start_cranks_three_times_and_alarms_at_the_exact_second()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Generator.SetFault(GeneratorFault.FailToStart);
        site.Utility.Fail();
        var attempts = new Dictionary<int, TimeSpan>();
        var rests = new List<TimeSpan>();
        TimeSpan? failed = null;
        var wasCranking = false;

        while (site.Elapsed < S(120))
        {
            site.Step(TestSites.Step);
            var g = site.Generator;
            if (g.CrankAttempt > 0 && g.EngineSpeed > 0 && !attempts.ContainsKey(g.CrankAttempt))
            {
                attempts[g.CrankAttempt] = site.Elapsed;
            }

            var cranking = g.EngineSpeed > 0;
            if (wasCranking && !cranking && g.State == GeneratorState.Cranking)
            {
                rests.Add(site.Elapsed);
            }

            wasCranking = cranking;
            if (g.State == GeneratorState.Failed && failed is null)
            {
                failed = site.Elapsed;
            }
        }

        // Contact at 3 s, start delay 5 s, then crank 10 s / rest 10 s × 3 (SPEC-DEVICES §7, §10).
        Assert.Equal(S(8), attempts[1]);
        Assert.Equal(S(28), attempts[2]);
        Assert.Equal(S(48), attempts[3]);
        Assert.Equal(S(58), failed);
        Assert.Equal(AlarmCondition.Shutdown, site.Generator.Alarms[GeneratorAlarm.FailToStart]);
        Assert.True(site.Generator.HasShutdown);
        Assert.Equal(0, site.Generator.Starts);
        Assert.Equal(EngineOperatingState.Stopped, site.Generator.EngineState);
    }

    [Fact]
    public void Reset_after_a_failed_start_lets_the_generator_try_again()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Generator.SetFault(GeneratorFault.FailToStart);
        site.Utility.Fail();
        TestSites.StepUntil(site, s => s.Generator.State == GeneratorState.Failed, S(120));

        site.Generator.SetFault(GeneratorFault.None);
        Assert.True(site.Generator.PressKey(35707));
        var available = TestSites.StepUntil(site, s => s.Generator.Available, S(300));

        Assert.NotNull(available);
        Assert.Empty(site.Generator.Alarms);
    }

    [Fact]
    public void Generator_left_in_stop_mode_ignores_the_start_contact()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Generator.SetMode(GeneratorMode.Stop);
        site.Utility.Fail();

        site.RunFor(S(120), TestSites.Step);

        Assert.True(site.Generator.StartContactClosed);
        Assert.Equal(GeneratorState.Stopped, site.Generator.State);
        Assert.Equal(0, site.Generator.EngineSpeed);
    }

    [Fact]
    public void Telemetry_start_runs_the_generator_in_auto_and_cancel_cools_it_down()
    {
        var site = Site.Create(TestSites.Quiet());

        Assert.True(site.Generator.PressKey(35732));
        var available = TestSites.StepUntil(site, s => s.Generator.Available, S(60));
        Assert.Equal(S(0.1 + 5 + 2 + 8), available);
        Assert.Equal(GeneratorState.Available, site.Generator.State);

        Assert.True(site.Generator.PressKey(35733));
        var cancelled = site.Elapsed;
        var stopped = TestSites.StepUntil(site, s => s.Generator.State == GeneratorState.Stopped, S(200));

        Assert.Equal(cancelled + S(0.1 + 60), stopped);
    }

    [Fact]
    public void Manual_mode_starts_on_the_start_key_and_stop_mode_stops_at_once()
    {
        var site = Site.Create(TestSites.Quiet());
        Assert.True(site.Generator.PressKey(35702));
        Assert.Equal(GeneratorMode.Manual, site.Generator.Mode);
        site.RunFor(S(30), TestSites.Step);
        Assert.Equal(GeneratorState.Stopped, site.Generator.State);

        Assert.True(site.Generator.PressKey(35705));
        Assert.NotNull(TestSites.StepUntil(site, s => s.Generator.Available, S(60)));

        Assert.True(site.Generator.PressKey(35700));
        site.Step(TestSites.Step);
        Assert.Equal(GeneratorState.Stopped, site.Generator.State);
        Assert.Equal(GeneratorMode.Stop, site.Generator.Mode);
    }

    [Fact]
    public void Unsupported_keys_are_rejected()
    {
        var site = Site.Create(TestSites.Quiet());

        Assert.False(site.Generator.PressKey(35711));
        Assert.False(site.Generator.PressKey(1234));
        Assert.True(Generator.SupportsKey(35700));
        Assert.True(Generator.SupportsKey(35735));
    }

    [Fact]
    public void Transfer_keys_drive_the_site_ats()
    {
        var site = Site.Create(TestSites.Quiet());

        Assert.True(site.Generator.PressKey(35708));
        site.Step(TestSites.Step);

        Assert.True(site.Ats.TestInProgress);
        Assert.True(site.Ats.EngineStartContactClosed);
    }

    [Fact]
    public void Fail_to_stabilise_hunts_outside_5_percent_and_shuts_down_on_a_frequency_alarm()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Generator.SetFault(GeneratorFault.FailToStabilise);
        site.Utility.Fail();
        double maxDeviation = 0;

        var failed = TestSites.StepUntil(site, s =>
        {
            if (s.Generator.State is GeneratorState.Available or GeneratorState.OnLoad)
            {
                maxDeviation = Math.Max(maxDeviation, Math.Abs(s.Generator.Frequency - 50) / 50);
            }

            return s.Generator.State == GeneratorState.Failed;
        }, S(300));

        Assert.NotNull(failed);
        Assert.True(maxDeviation > 0.05);
        Assert.Contains(site.Generator.Alarms.Keys, a => a is GeneratorAlarm.GeneratorOverFrequency or GeneratorAlarm.GeneratorUnderFrequency);
        Assert.False(site.Generator.Available);
    }

    [Fact]
    public void Healthy_generator_settles_within_the_frequency_band()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Utility.Fail();
        TestSites.StepUntil(site, s => s.Generator.Available, S(60));

        for (var i = 0; i < 600; i++)
        {
            site.Step(TestSites.Step);
            Assert.InRange(site.Generator.Frequency, 47.5, 52.5);
        }

        Assert.Equal(50, site.Generator.Frequency, 3);
        Assert.Empty(site.Generator.Alarms);
    }

    [Fact]
    public void Overload_trips_the_breaker_after_the_trip_delay_on_load()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Generator.SetFault(GeneratorFault.Overload);
        site.Utility.Fail();
        var onLoad = TestSites.StepUntil(site, s => s.Generator.OnLoad, S(60));

        var tripped = TestSites.StepUntil(site, s => s.Generator.HasElectricalTrip, S(120));

        Assert.Equal(onLoad + S(5), tripped);
        Assert.Equal(AlarmCondition.ElectricalTrip, site.Generator.Alarms[GeneratorAlarm.KilowattOverload]);
        Assert.Equal(0, site.Generator.OutputVoltage);
        Assert.Equal(GeneratorState.Failed, site.Generator.State);
    }

    [Fact]
    public void Low_fuel_warns_at_the_threshold_and_an_empty_tank_stops_the_engine()
    {
        var site = Site.Create(TestSites.Quiet(generator: new GeneratorOptions { TankLitres = 10, InitialFuelPercent = 12 }));
        site.Utility.Fail();

        var warn = TestSites.StepUntil(site, s => s.Generator.Alarms.ContainsKey(GeneratorAlarm.LowFuelLevel), TimeSpan.FromHours(2), S(1));
        Assert.Equal(AlarmCondition.Warning, site.Generator.Alarms[GeneratorAlarm.LowFuelLevel]);
        Assert.InRange(site.Generator.FuelPercent, 9.9, 10.0);
        Assert.Equal(GeneratorState.OnLoad, site.Generator.State);
        var empty = TestSites.StepUntil(site, s => s.Generator.State == GeneratorState.Failed, TimeSpan.FromHours(2), S(1));

        Assert.True(empty > warn);
        Assert.Equal(0, site.Generator.FuelLitres);
        Assert.Equal(AlarmCondition.Shutdown, site.Generator.Alarms[GeneratorAlarm.LowFuelLevel]);
        Assert.Equal(0, site.Generator.OutputVoltage);
        site.RunFor(S(10), TestSites.Step);
        Assert.Equal(0, site.Generator.EngineSpeed);
    }

    [Theory]
    // SPEC-DEVICES §7 table (reactfueling.com): 0.30 L/kWh at 50 %, 0.26 at 75 %, 0.24 at 100 %, 0.35 at 25 %;
    // linear between points: 62.5 % -> 0.28 L/kWh. Rated 20 kW, one hour.
    [InlineData(10.0, 3.0)]
    [InlineData(15.0, 3.9)]
    [InlineData(20.0, 4.8)]
    [InlineData(5.0, 1.75)]
    [InlineData(12.5, 3.5)]
    public void Fuel_burn_over_an_hour_follows_the_consumption_table(double kilowatts, double expectedLitres)
    {
        var gate = new Lock();
        var generator = new Generator(new GeneratorOptions(), gate, new EventLog());
        generator.SetMode(GeneratorMode.Manual);
        generator.PressKey(35705);
        for (var i = 0; i < 200 && !generator.Available; i++)
        {
            generator.Step(TestSites.Step, startContact: false, loadW: 0, onLoad: false);
        }

        Assert.True(generator.Available);
        var before = generator.FuelLitres;
        var runBefore = generator.RunTime;
        for (var i = 0; i < 3600; i++)
        {
            generator.Step(S(1), startContact: false, loadW: kilowatts * 1000, onLoad: true);
        }

        Assert.Equal(expectedLitres, before - generator.FuelLitres, 6);
        Assert.Equal(kilowatts, generator.EnergyKwh, 6);
        Assert.Equal(TimeSpan.FromHours(1), generator.RunTime - runBefore);
    }

    [Fact]
    public void Idle_engine_burns_fuel_for_the_idle_fraction_of_rated_power()
    {
        var gate = new Lock();
        var generator = new Generator(new GeneratorOptions(), gate, new EventLog());
        generator.PressKey(35732);
        for (var i = 0; i < 200 && !generator.Available; i++)
        {
            generator.Step(TestSites.Step, startContact: false, loadW: 0, onLoad: false);
        }

        var before = generator.FuelLitres;
        for (var i = 0; i < 3600; i++)
        {
            generator.Step(S(1), startContact: false, loadW: 0, onLoad: false);
        }

        // 10 % of 20 kW billed at the 25 % table point: 2 kW × 0.35 L/kWh = 0.7 L/h.
        Assert.Equal(0.7, before - generator.FuelLitres, 6);
    }
}

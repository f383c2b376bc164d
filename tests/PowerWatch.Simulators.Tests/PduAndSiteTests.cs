using PowerWatch.Simulators;

namespace PowerWatch.Simulators.Tests;

public sealed class PduAndSiteTests
{
    [Fact]
    public void Demo_site_has_the_documented_chain()
    {
        var site = Site.Create();

        Assert.Equal(500, site.Generator.Options.TankLitres);
        Assert.Equal(10_000, site.Ups.Options.RatedPowerW);
        Assert.Equal(["pdu1", "pdu2"], site.Pdus.Select(p => p.Name));
        Assert.All(site.Pdus, p => Assert.Equal(8, p.Outlets.Count));
        Assert.NotNull(site.Meter);
        Assert.Equal(230, site.Utility.Voltage);
        Assert.Equal(50, site.Utility.Frequency);
    }

    [Fact]
    public void Outlet_loads_are_between_0_3_and_2_amps_at_230_volts()
    {
        var site = Site.Create();
        site.Step(Site.DefaultStep);

        Assert.All(site.Pdus.SelectMany(p => p.Outlets), o => Assert.InRange(o.Current, 0.3 * 0.98, 2.0 * 1.02));
    }

    [Fact]
    public void Pdu_powers_sum_to_the_ups_load_at_every_step()
    {
        var site = Site.Create();
        site.Utility.Fail();

        for (var i = 0; i < 2000; i++)
        {
            site.Step(Site.DefaultStep);
            var (sum, outlets, ups) = site.Read(s => (s.Pdus.Sum(p => p.PowerW), s.Pdus.SelectMany(p => p.Outlets).Sum(o => o.PowerW), s.Ups.LoadW));
            Assert.Equal(ups, sum, 1e-6);
            Assert.Equal(sum, outlets, 1e-6);
        }
    }

    [Fact]
    public void Outlet_noise_is_small_and_moves_the_load()
    {
        var site = Site.Create();
        var samples = new List<double>();

        for (var i = 0; i < 100; i++)
        {
            site.Step(TimeSpan.FromSeconds(1));
            samples.Add(site.Pdus[0].Outlets[0].PowerW);
        }

        var mean = samples.Average();
        Assert.True(samples.Distinct().Count() > 50);
        Assert.All(samples, s => Assert.InRange(s, mean * 0.95, mean * 1.05));
    }

    [Fact]
    public void Same_seed_gives_the_same_site_and_another_seed_does_not()
    {
        static double[] Loads(int seed)
        {
            var site = Site.Create(new SiteDescription { Seed = seed });
            site.RunFor(TimeSpan.FromSeconds(30), Site.DefaultStep);
            return [.. site.Pdus.SelectMany(p => p.Outlets).Select(o => o.PowerW)];
        }

        Assert.Equal(Loads(7), Loads(7));
        Assert.NotEqual(Loads(7), Loads(8));
    }

    [Fact]
    public void Switching_an_outlet_off_removes_its_load_from_the_ups()
    {
        var site = Site.Create(TestSites.Quiet());
        var before = site.Ups.LoadW;
        var outlet = site.Pdus[1].Outlets[2].PowerW;

        Assert.True(site.Pdus[1].SetOutlet(3, false));
        site.Step(Site.DefaultStep);

        Assert.Equal(0, site.Pdus[1].Outlets[2].PowerW);
        Assert.Equal(0, site.Pdus[1].Outlets[2].Current);
        Assert.Equal(before - outlet, site.Ups.LoadW, 6);
        Assert.False(site.Pdus[1].SetOutlet(9, false));
    }

    [Fact]
    public void Outlet_switching_can_be_disabled()
    {
        var site = Site.Create(new SiteDescription { Pdus = [new PduOptions { Name = "pdu1", SwitchingEnabled = false }] });

        Assert.False(site.Pdus[0].SetOutlet(1, false));
        Assert.True(site.Pdus[0].Outlets[0].On);
    }

    [Fact]
    public void Load_step_sets_the_ups_load_and_keeps_the_pdu_sum()
    {
        var site = Site.Create(TestSites.Quiet());

        site.SetUpsLoadPercent(80);
        site.Step(Site.DefaultStep);

        Assert.Equal(80, site.Ups.LoadPercent, 6);
        Assert.Equal(site.Ups.LoadW, site.Pdus.Sum(p => p.PowerW), 6);
    }

    [Fact]
    public void Pdu_energy_integrates_its_power()
    {
        var site = Site.Create(TestSites.Quiet());
        var power = site.Pdus[0].PowerW;

        site.RunFor(TimeSpan.FromHours(1), TimeSpan.FromSeconds(1));

        Assert.Equal(power, site.Pdus[0].EnergyWh, 6);
        Assert.Equal(power, site.Pdus[0].Outlets.Sum(o => o.EnergyWh), 6);
    }

    [Fact]
    public void Meter_on_the_ats_output_sees_the_ups_input()
    {
        var site = Site.Create(TestSites.Quiet());
        site.SetUpsLoadPercent(50);
        site.RunFor(TimeSpan.FromHours(1), TimeSpan.FromSeconds(1));
        var meter = site.Meter!;

        // 5 kW out of a 95 % efficient UPS with a full battery: 5263 W in.
        Assert.Equal(5000 / 0.95, meter.PowerW, 3);
        Assert.Equal(230, meter.Voltage);
        Assert.Equal(50, meter.Frequency);
        Assert.Equal(0.99, meter.PowerFactor);
        Assert.Equal(meter.PowerW / 0.99 / 230, meter.Current, 6);
        Assert.InRange(meter.ImportEnergyKwh, 5.26, 5.27);

        site.Utility.Fail();
        site.Step(Site.DefaultStep);
        Assert.Equal(0, meter.Voltage);
        Assert.Equal(0, meter.PowerW);
    }

    [Fact]
    public void Site_file_overrides_defaults_and_reports_bad_keys_by_name()
    {
        var site = SiteDescription.Parse("""
            {
              // comments are allowed
              "name": "lab",
              "seed": 5,
              "ups": { "ratedPowerW": 6000, "runtimeAtFullLoad": "00:04:00", "runtimeAtHalfLoad": "00:12:00" },
              "generator": { "tankLitres": 200, "startDelay": "00:00:02" },
              "pdus": [ { "name": "a", "outlets": 4, "outletLoadsAmps": [1, 1, 1, 1], "noise": 0 } ],
              "meter": null,
            }
            """);

        Assert.Equal("lab", site.Name);
        Assert.Equal(6000, site.Ups.RatedPowerW);
        Assert.Equal(TimeSpan.FromSeconds(2), site.Generator.StartDelay);
        Assert.Equal(TimeSpan.FromSeconds(10), site.Generator.CrankTime);
        Assert.Null(site.Meter);
        var built = Site.Create(site);
        Assert.Equal(4 * 230 * 0.95, built.Ups.LoadW, 6);

        var bad = Assert.Throws<SiteConfigurationException>(() => SiteDescription.Parse("""{ "ups": { "runtimeAtHalfLoad": "00:01:00" } }"""));
        Assert.Contains("ups.runtimeAtHalfLoad", bad.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<SiteConfigurationException>(() => SiteDescription.Parse("""{ "ups": { "ratedPowr": 1 } }"""));
        Assert.Contains("ratedPowr", unknown.Message, StringComparison.Ordinal);
        var dup = Assert.Throws<SiteConfigurationException>(() => SiteDescription.Parse("""{ "pdus": [ { "name": "ups" } ] }"""));
        Assert.Contains("'ups'", dup.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_description_round_trips_through_json()
    {
        var json = new SiteDescription().ToJson();

        var again = SiteDescription.Parse(json);

        Assert.Equal(json, again.ToJson());
    }

    [Fact]
    public void Events_are_published_in_order_with_their_simulated_time()
    {
        var site = Site.Create(TestSites.Quiet());
        var events = new List<SimulationEvent>();
        site.EventOccurred += (_, e) => events.Add(e);
        site.Utility.Fail();

        site.RunFor(TimeSpan.FromSeconds(40), Site.DefaultStep);

        Assert.Contains(events, e => e is { Device: "ats", Kind: "contact" } && e.Elapsed == TimeSpan.FromSeconds(3));
        Assert.Contains(events, e => e is { Device: "generator", Kind: "state", Message: "available" } && e.Elapsed == TimeSpan.FromSeconds(18));
        Assert.Equal(events.OrderBy(e => e.Elapsed).ToList(), events);
    }

    [Fact]
    public void Stepped_site_moves_its_clock_and_fires_its_timers()
    {
        var site = Site.Create();
        var delay = Task.Delay(TimeSpan.FromSeconds(10), site.Clock);

        site.RunFor(TimeSpan.FromSeconds(9.9), Site.DefaultStep);
        Assert.False(delay.IsCompleted);
        site.Step(Site.DefaultStep);

        Assert.True(delay.IsCompleted);
        Assert.Equal(SimulationClock.DefaultStart + TimeSpan.FromSeconds(10), site.Clock.GetUtcNow());
        Assert.Equal(site.Now, site.Clock.GetUtcNow());
    }

    [Fact]
    public void Simulating_three_days_in_five_second_steps_stays_consistent()
    {
        var site = Site.Create();
        site.Utility.Fail();

        site.RunFor(TimeSpan.FromDays(3), TimeSpan.FromSeconds(5));

        Assert.Equal(TimeSpan.FromDays(3), site.Elapsed);
        Assert.Equal(GeneratorState.OnLoad, site.Generator.State);
        Assert.True(site.Generator.FuelPercent < 100);
        Assert.InRange(site.Generator.RunTime.TotalHours, 71.9, 72.0);
    }
}

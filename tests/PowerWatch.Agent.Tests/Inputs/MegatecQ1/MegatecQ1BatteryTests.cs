using PowerWatch.Agent.Inputs.MegatecQ1;

namespace PowerWatch.Agent.Tests.Inputs.MegatecQ1;

public sealed class MegatecQ1BatteryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Runtimecal_example_gives_nut_exponent_and_nominal_runtime()
    {
        // SPEC §5 (NUT-QX man page): runtimecal = 240,100,720,50 → exponent ln(3)/ln(2) = 1.585, nominal 240 s.
        var cal = new MegatecQ1Options { RuntimeCal = "240,100,720,50" }.ParseRuntimeCal()!.Value;
        Assert.Equal(1.585, cal.Exponent, 3);
        Assert.Equal(240, cal.NominalRuntime, 6);
    }

    [Fact]
    public void Full_battery_at_half_load_reports_the_calibrated_runtime()
    {
        var battery = new MegatecQ1Battery(new MegatecQ1Options { RuntimeCal = "240,100,720,50" });

        // Vhigh = 1.15 × Vnom in runtimecal mode: 27.6 V on a 24 V pack is full.
        var (charge, runtime) = battery.Update(T0, 27.6, 24, 50, onBattery: false);

        Assert.Equal(100, charge!.Value, 6);
        Assert.Equal(720, runtime!.Value, 6);
    }

    [Fact]
    public void On_battery_the_estimate_falls_by_load_weighted_time()
    {
        var battery = new MegatecQ1Battery(new MegatecQ1Options { RuntimeCal = "240,100,720,50" });
        battery.Update(T0, 27.6, 24, 100, onBattery: false);

        // 60 s at 100 % load spends 60 of the 240 nominal seconds.
        var (charge, runtime) = battery.Update(T0.AddSeconds(60), 27.6, 24, 100, onBattery: true);

        Assert.Equal(75, charge!.Value, 6);
        Assert.Equal(180, runtime!.Value, 6);
    }

    [Fact]
    public void Idle_load_floors_the_discharge_rate()
    {
        var battery = new MegatecQ1Battery(new MegatecQ1Options { RuntimeCal = "240,100,720,50", IdleLoad = 10 });
        battery.Update(T0, 27.6, 24, 0, onBattery: false);

        var (charge, _) = battery.Update(T0.AddSeconds(100), 27.6, 24, 0, onBattery: true);

        // eff = max(0^1.585, 0.10): 100 s costs 10 s of 240.
        Assert.Equal(100 * 230.0 / 240, charge!.Value, 6);
    }

    [Fact]
    public void A_low_voltage_pulls_the_estimate_down()
    {
        var battery = new MegatecQ1Battery(new MegatecQ1Options { RuntimeCal = "240,100,720,50" });
        battery.Update(T0, 27.6, 24, 50, onBattery: false);

        // 25.2 V is (25.2 − 24)/(27.6 − 24) = 1/3 of the voltage range: an aged battery.
        var (charge, _) = battery.Update(T0.AddSeconds(1), 25.2, 24, 50, onBattery: true);

        Assert.Equal(100.0 / 3, charge!.Value, 6);
    }

    [Fact]
    public void Per_cell_battery_voltage_is_scaled_by_detected_packs()
    {
        var battery = new MegatecQ1Battery(new MegatecQ1Options());

        // 2.27 V/cell on a 24 V nominal battery: NUT's candidate 12 puts 27.24 V within 0.8–1.2 × 24.
        Assert.Equal(27.24, battery.PackVoltage(2.27, 24)!.Value, 6);
        Assert.Equal(12, battery.Packs);
    }

    [Theory]
    [InlineData("240,100,720")]
    [InlineData("240,100,720,x")]
    [InlineData("240,50,720,50")]
    public void Malformed_runtimecal_is_refused_naming_the_key(string value)
    {
        var ex = Assert.Throws<FormatException>(() => new MegatecQ1Options { RuntimeCal = value }.ParseRuntimeCal());
        Assert.Contains("RuntimeCal", ex.Message, StringComparison.Ordinal);
    }
}

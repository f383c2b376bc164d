using PowerWatch.Core.Failover;

namespace PowerWatch.Core.Tests.Failover;

public sealed class RuntimeEstimatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Observed_discharge_slope_gives_charge_over_rate()
    {
        var estimator = new RuntimeEstimator(new BatteryModel(), TimeSpan.FromSeconds(60), 1.3);
        for (var t = 0; t <= 30; t++)
        {
            estimator.Observe(T0.AddSeconds(t), 100 - (0.2 * t), 50, onBattery: true);
        }

        // 0.2 %/s at 94 % charge: 470 s.
        Assert.Equal("observed", estimator.Source);
        Assert.Equal(470, estimator.EstimateSeconds!.Value, 3);
    }

    [Fact]
    public void Finished_discharges_teach_a_peukert_style_model_used_at_a_new_load()
    {
        var model = new BatteryModel();
        var estimator = new RuntimeEstimator(model, TimeSpan.FromSeconds(60), 1.3);
        void Discharge(double load, double rate)
        {
            for (var t = 0; t <= 60; t++)
            {
                estimator.Observe(T0.AddSeconds(t), 100 - (rate * t), load, onBattery: true);
            }

            estimator.Observe(T0.AddSeconds(61), 80, load, onBattery: false);
        }

        // rate = a·load^1.5: 0.1 %/s at 25 %, 0.2828 %/s at 50 %.
        Discharge(25, 0.1);
        Discharge(50, 0.1 * Math.Pow(2, 1.5));
        Assert.Equal(1.5, model.Exponent!.Value, 2);
        estimator.Observe(T0, 80, 100, onBattery: true);
        Assert.Equal("learned", estimator.Source);
        Assert.Equal(80 / (0.1 * Math.Pow(4, 1.5)), estimator.EstimateSeconds!.Value, 1);
    }
}

using PowerWatch.Agent.Alerts;
using PowerWatch.Core;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Alerts;

public sealed class AlertStateFileTests
{
    [Fact]
    public async Task State_file_round_trip_restores_active_alerts_without_refiring_and_keeps_learned_batteries()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "alerts.json");
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var engine = new AlertEngine(DefaultAlertRules.Create(), new AlertEngineOptions(), time);
        Reading Status(string s) => new("ups-a", MetricNames.UpsStatus, ReadingValue.FromText(s), "", time.GetUtcNow(), Quality.Good, 1);
        engine.Observe("ups-a", "ups", [Status("OB LB DISCHRG")]);
        var model = new BatteryModel();
        model.Learn(new DischargePoint(50, 0.11));
        await new AlertStateFile { Engine = engine.Snapshot(), Batteries = new() { ["ups-a"] = model } }.SaveAsync(path, CancellationToken.None);

        Assert.False(File.Exists(Path.Combine(dir.Path, ".alerts.json.tmp")));
        var loaded = AlertStateFile.Load(path);
        var restarted = new AlertEngine(DefaultAlertRules.Create(), new AlertEngineOptions(), time);
        restarted.Restore(loaded.Engine);
        Assert.Equal("ups-low-battery:ups-a", Assert.Single(restarted.Active()).Id);
        Assert.Empty(restarted.Observe("ups-a", "ups", [Status("OB LB DISCHRG")]));
        Assert.Equal(0.11, Assert.Single(loaded.Batteries["ups-a"].Points).RatePercentPerSecond);
    }

    [Fact]
    public void Missing_state_file_is_an_empty_state()
    {
        using var dir = new TempDir();
        Assert.Empty(AlertStateFile.Load(Path.Combine(dir.Path, "none.json")).Engine.Active);
    }
}

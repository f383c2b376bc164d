namespace PowerWatch.Core.Failover;

/// <summary>The analyzer's per-device and per-chain memory, and the generator's stop reason.</summary>
public sealed partial class FailoverAnalyzer
{
    /// <summary>" on low-fuel-level shutdown": the controller's alarms that stop the engine, as the operator's reason.</summary>
    private static string StoppedBy(DeviceData? gen)
    {
        const string prefix = "generator.alarm.";
        var names = gen?.Readings.ToList()
            .Where(r => r.Metric.StartsWith(prefix, StringComparison.Ordinal) && r.Value.TryGetText(out var c) && c != "warning" && RaisedAlarmConditions.Contains(c))
            .Select(r => $"{r.Metric[prefix.Length..]} {r.Value.Text}")
            .Order(StringComparer.Ordinal)
            .ToList() ?? [];
        return names.Count == 0 ? "" : " on " + string.Join(", ", names);
    }

    private sealed class DeviceData
    {
        public LatestReadings Readings { get; } = new();

        public List<(DateTimeOffset At, double Value)> Fuel { get; } = [];

        /// <summary>When the fuel reading last stepped down (<see cref="FuelProjection"/>).</summary>
        public List<(DateTimeOffset At, double Level)> FuelSteps { get; } = [];
    }

    private sealed class ChainState
    {
        public DateTimeOffset? UtilityDownSince { get; set; }

        public DateTimeOffset? OutageStart { get; set; }

        public TimeSpan? LastOutage { get; set; }

        public TimeSpan? LastUpFor { get; set; }

        public string? LastPosition { get; set; }

        public string GeneratorState { get; set; } = "";

        public DateTimeOffset GeneratorStateSince { get; set; }

        public DateTimeOffset? GeneratorUpSince { get; set; }

        public bool GeneratorUpThisOutage { get; set; }

        public double? FuelAlarmedAt { get; set; }

        public double? FuelHours { get; set; }

        public double FuelBurn { get; set; }
    }
}

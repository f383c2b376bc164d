namespace PowerWatch.Core;

/// <summary>
/// One named, scaled value from one device at one instant.
/// </summary>
/// <param name="Device">Configured device name (e.g. <c>ups-a</c>).</param>
/// <param name="Metric">Metric name from <see cref="MetricCatalog"/> (e.g. <c>battery.charge</c>, <c>outlet.3.current</c>).</param>
/// <param name="Value">The value; <see cref="ReadingValue.None"/> only when <paramref name="Quality"/> is not good.</param>
/// <param name="Unit">Unit as in the catalogue (empty when dimensionless).</param>
/// <param name="Timestamp">When the value was read (from the injected <see cref="TimeProvider"/>).</param>
/// <param name="Quality">Good, stale or bad.</param>
/// <param name="Sequence">Per-device poll sequence number; every reading of one poll shares it.</param>
public readonly record struct Reading(
    string Device,
    string Metric,
    ReadingValue Value,
    string Unit,
    DateTimeOffset Timestamp,
    Quality Quality,
    long Sequence);

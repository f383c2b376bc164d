using PowerWatch.Core;

namespace PowerWatch.Agent.Pipeline;

/// <summary>
/// Everything one poll of one device produced: the readings (all sharing the poll's sequence number and
/// timestamp), the device's overall quality, and the error when the poll failed. One MQTT telemetry message.
/// </summary>
internal sealed record PollResult(
    string Device,
    string Kind,
    string Model,
    DateTimeOffset Timestamp,
    long Sequence,
    Quality Quality,
    IReadOnlyList<Reading> Readings,
    string? Error = null);

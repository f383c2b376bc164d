using System.Text.Json;
using System.Text.Json.Serialization;

namespace PowerWatch.Agent.Status;

internal sealed record DeviceDto(
    string Id,
    string Kind,
    string Model,
    string Endpoint,
    bool Available,
    bool CircuitOpen,
    DateTimeOffset? LastPoll,
    DateTimeOffset? LastSuccess,
    int ConsecutiveFailures,
    string? LastError,
    long Polls,
    long Failures,
    long Sequence);

internal sealed record ReadingDto(string Metric, object? Value, string Unit, string Quality, DateTimeOffset Timestamp, long Sequence);

internal sealed record DeviceReadingsDto(string Device, string Kind, bool Available, IReadOnlyList<ReadingDto> Readings);

internal sealed record ChainDto(IReadOnlyList<ChainAtsDto> Ats, IReadOnlyList<ChainUpsDto> Ups);

internal sealed record ChainAtsDto(string Id, string? Generator, string? UtilityMeter, IReadOnlyList<string> Feeds);

internal sealed record ChainUpsDto(string Id, IReadOnlyList<string> Pdus);

internal sealed record HealthDto(string Status, IReadOnlyList<string> Unhealthy);

/// <summary>
/// Body of a 4xx answer of the status API: what was wrong and, for an unknown id, the ids that are known
/// (<c>{"error":"no device 'nosuch'","known":["ups","generator"]}</c>); <c>known</c> is left out when it does not apply.
/// </summary>
internal sealed record ErrorDto(string Error)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Known { get; init; }
}

internal sealed record OverviewDto(string Site, string Agent, DateTimeOffset Now, IReadOnlyList<DeviceDto> Devices, ChainDto Chain)
{
    /// <summary>The MQTT output's state (left out when MQTT is disabled).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MqttStateDto? Mqtt { get; init; }
}

/// <summary>
/// The MQTT output in <c>/api/overview</c>: <c>state</c> is <c>connected</c>, <c>disconnected</c> (an outage: the
/// reconnect back-off runs) or <c>refused: bad credentials</c> (a configuration error: PowerWatch:Mqtt:Username and
/// Password, or the broker's password file and ACL); <c>broker</c> is host:port; <c>pending</c> the outbox entries waiting.
/// </summary>
internal sealed record MqttStateDto(string State, string Broker, long Pending);

/// <summary>One trended series: sample times (Unix milliseconds, start of their 10-second slot) and values (null = gap).</summary>
internal sealed record TrendSeriesDto(string Device, string Metric, string Unit, IReadOnlyList<long> T, IReadOnlyList<double?> V);

internal sealed record TrendsDto(DateTimeOffset At, double ResolutionSeconds, double WindowSeconds, IReadOnlyList<TrendSeriesDto> Series);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(DeviceDto))]
[JsonSerializable(typeof(IReadOnlyList<DeviceDto>))]
[JsonSerializable(typeof(ReadingDto))]
[JsonSerializable(typeof(DeviceReadingsDto))]
[JsonSerializable(typeof(IReadOnlyList<DeviceReadingsDto>))]
[JsonSerializable(typeof(HealthDto))]
[JsonSerializable(typeof(OverviewDto))]
[JsonSerializable(typeof(ErrorDto))]
[JsonSerializable(typeof(TrendsDto))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;

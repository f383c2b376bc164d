using System.Text.Json;
using System.Text.Json.Serialization;

namespace PowerWatch.Core.Profiles;

// JSON shape of schema powerwatch-profile/1. Everything is optional here so that the loader can report every
// missing or wrong field itself, with its JSON path; unknown fields land in Extra and are reported too.

internal sealed class ProfileDto
{
    public string? Schema { get; set; }
    public string? Protocol { get; set; }
    public string? Id { get; set; }
    public string? Kind { get; set; }
    public string? Manufacturer { get; set; }
    public string? Model { get; set; }
    public string? Description { get; set; }
    public List<string>? Provenance { get; set; }
    public DefaultsDto? Defaults { get; set; }
    public WorkaroundsDto? Workarounds { get; set; }
    public Dictionary<string, List<SentinelDto>>? SentinelSets { get; set; }
    public List<RegisterDto>? Registers { get; set; }
    public List<DerivedDto>? Derived { get; set; }
    public Dictionary<string, CommandDto>? Commands { get; set; }
    public List<SnmpObjectDto>? Oids { get; set; }
    public List<SnmpTableDto>? Tables { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class DefaultsDto
{
    public int? UnitId { get; set; }
    public string? Table { get; set; }
    public string? WordOrder { get; set; }
    public string? Class { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class WorkaroundsDto
{
    public int? MaxRegistersPerRequest { get; set; }
    public int? MaxGap { get; set; }
    public bool? OneRequestPerField { get; set; }
    public string? PauseBetweenRequests { get; set; }
    public string? PauseAfterConnect { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class SentinelDto
{
    public JsonElement? Value { get; set; }
    public string? Meaning { get; set; }
    public string? Result { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class RegisterDto
{
    public string? Metric { get; set; }
    public string? Name { get; set; }
    public string? Table { get; set; }
    public int? Address { get; set; }
    public string? Type { get; set; }
    public int? Words { get; set; }
    public int? Length { get; set; }
    public string? WordOrder { get; set; }
    public JsonElement? Scale { get; set; }
    public double? Offset { get; set; }
    public string? Unit { get; set; }
    public string? Class { get; set; }
    public int? Bit { get; set; }
    public Dictionary<string, string>? Enum { get; set; }
    public Dictionary<string, BitDto>? Bits { get; set; }
    public string? Sentinels { get; set; }
    public List<string>? Alarms { get; set; }
    public string? Summary { get; set; }
    public string? Format { get; set; }
    public RepeatDto? Repeat { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class BitDto
{
    public string? Status { get; set; }
    public string? Metric { get; set; }
    public bool? Invert { get; set; }
    public string? Token { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class RepeatDto
{
    public int? Count { get; set; }
    public int? Stride { get; set; }
    public int? Start { get; set; }
    public string? LimitBy { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class DerivedDto
{
    public string? Metric { get; set; }
    public List<string>? Product { get; set; }
    public JsonElement? Scale { get; set; }
    public string? Unit { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class CommandDto
{
    public string? Description { get; set; }
    public List<WriteDto>? Writes { get; set; }
    public RepeatDto? Repeat { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class WriteDto
{
    public string? Table { get; set; }
    public int? Address { get; set; }
    public List<long>? Values { get; set; }
    public int? Function { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ProfileDto))]
internal sealed partial class ProfileJsonContext : JsonSerializerContext;

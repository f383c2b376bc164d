using System.Text.Json;
using System.Text.Json.Serialization;

namespace PowerWatch.Core.Profiles;

// JSON shape of the SNMP part of powerwatch-profile/1 ("protocol": "snmp"): $.oids and $.tables. As for the rest of
// the schema, everything is optional here and checked by the loader (ProfileLoader.Snmp.cs) with its JSON path.

internal sealed class SnmpObjectDto
{
    public string? Name { get; set; }
    public string? Metric { get; set; }
    public Dictionary<string, string>? Metrics { get; set; }
    public string? Oid { get; set; }
    public string? Type { get; set; }
    public JsonElement? Scale { get; set; }
    public double? Offset { get; set; }
    public string? Unit { get; set; }
    public string? Class { get; set; }
    public Dictionary<string, string>? Enum { get; set; }
    public Dictionary<string, string>? Status { get; set; }
    public string? Sentinels { get; set; }
    public List<SnmpFallbackDto>? Fallback { get; set; }
    public string? DigitsFrom { get; set; }
    public string? Index { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class SnmpFallbackDto
{
    public string? Oid { get; set; }
    public JsonElement? Scale { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class SnmpTableDto
{
    public string? Name { get; set; }
    public string? Index { get; set; }
    public string? NumberFrom { get; set; }
    public string? Class { get; set; }
    public List<SnmpObjectDto>? Columns { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Alerts;

/// <summary>What survives a restart: active alerts, shelves and the learned battery models.</summary>
internal sealed class AlertStateFile
{
    public AlertEngineSnapshot Engine { get; set; } = new();

    public Dictionary<string, BatteryModel> Batteries { get; set; } = [];

    /// <summary>Reads the file at start-up; a missing file is an empty state.</summary>
    public static AlertStateFile Load(string path)
    {
        if (!File.Exists(path))
        {
            return new AlertStateFile();
        }

        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize(stream, AlertJsonContext.Default.AlertStateFile) ?? new AlertStateFile();
    }

    /// <summary>Writes atomically: a temporary file in the same directory, flushed, then renamed over the old one.</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "." + Path.GetFileName(path) + ".tmp");
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, this, AlertJsonContext.Default.AlertStateFile, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, Converters = [typeof(AlertSeverityJsonConverter)])]
[JsonSerializable(typeof(AlertStateFile))]
[JsonSerializable(typeof(AlertsDto))]
[JsonSerializable(typeof(FailoverDto))]
internal sealed partial class AlertJsonContext : JsonSerializerContext;

/// <summary><c>/api/alerts</c> body.</summary>
internal sealed record AlertsDto(IReadOnlyList<AlertInfo> Active, IReadOnlyList<AlertInfo> Recent, long Suppressed)
{
    /// <summary>With <c>?roots=true</c>: per root alert, the ids of the active alerts folded under it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Consequences { get; init; }
}

/// <summary><c>/api/failover</c> body; its numbers are rounded per unit (<see cref="WireRounding"/>) when it is made.</summary>
internal sealed record FailoverDto
{
    public FailoverDto(DateTimeOffset at, IReadOnlyList<FailoverUpsState> ups, SiteVerdict site)
    {
        ArgumentNullException.ThrowIfNull(ups);
        At = at;
        Ups = [.. ups.Select(WireRounding.Round)];
        Site = WireRounding.Round(site);
    }

    public DateTimeOffset At { get; }

    public IReadOnlyList<FailoverUpsState> Ups { get; }

    public SiteVerdict Site { get; }
}

/// <summary>
/// Severity as on the MQTT wire and in the docs (<c>info</c>, <c>warning</c>, <c>critical</c>) in /api/alerts and the
/// state file; reads any case, so state files written with the enum names (<c>Warning</c>) still load.
/// </summary>
internal sealed class AlertSeverityJsonConverter : JsonConverter<AlertSeverity>
{
    public override AlertSeverity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && Enum.TryParse<AlertSeverity>(reader.GetString(), ignoreCase: true, out var s) && Enum.IsDefined(s)
            ? s
            : throw new JsonException($"'{(reader.TokenType == JsonTokenType.String ? reader.GetString() : reader.TokenType.ToString())}' is not a severity (info, warning, critical)");

    public override void Write(Utf8JsonWriter writer, AlertSeverity value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToWireName());
    }
}

using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core;

namespace PowerWatch.Agent.Outputs.Mqtt;

/// <summary>
/// Serializes the MQTT payloads (docs/schemas/*.schema.json). Field names are wire-visible and frozen by tests.
/// Telemetry is written with <see cref="Utf8JsonWriter"/> (its metric values are numbers, booleans or strings);
/// alert, event and failover payloads use the source-generated <see cref="PayloadJsonContext"/>.
/// </summary>
internal static class Payloads
{
    public static readonly byte[] Online = "online"u8.ToArray();
    public static readonly byte[] Offline = "offline"u8.ToArray();

    /// <summary>RFC 3339 UTC with milliseconds, e.g. <c>2026-11-21T06:52:58.123Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset ts) =>
        ts.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The telemetry message of one poll: good readings in <c>metrics</c>, the UPS status flags in <c>status</c>,
    /// names of stale and bad readings in <c>stale</c>/<c>bad</c>, and the poll error if any. <paramref name="run"/>
    /// (the agent process's run id, docs/mqtt.md "End-to-end delivery") tells the runs of <c>seq</c> apart; null omits it.
    /// </summary>
    public static byte[] Telemetry(PollResult result, string? run = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var buffer = new ArrayBufferWriter<byte>(256 + (result.Readings.Count * 32));
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString(TelemetryFields.Timestamp, FormatTimestamp(result.Timestamp));
            w.WriteNumber(TelemetryFields.Sequence, result.Sequence);
            if (run is not null)
            {
                w.WriteString(TelemetryFields.Run, run);
            }

            w.WriteString(TelemetryFields.Device, result.Device);
            w.WriteString(TelemetryFields.Kind, result.Kind);
            if (!string.IsNullOrEmpty(result.Model))
            {
                w.WriteString(TelemetryFields.Model, result.Model);
            }

            w.WriteStartObject(TelemetryFields.Metrics);
            List<string>? stale = null, bad = null;
            string? status = null;
            foreach (var r in result.Readings)
            {
                if (r.Quality != Quality.Good)
                {
                    (r.Quality == Quality.Stale ? stale ??= [] : bad ??= []).Add(r.Metric);
                    continue;
                }

                if (string.Equals(r.Metric, MetricNames.UpsStatus, StringComparison.Ordinal) && r.Value.TryGetText(out var flags))
                {
                    status = flags;
                    continue;
                }

                switch (r.Value.Kind)
                {
                    case ReadingValueKind.Number when double.IsFinite(r.Value.Number):
                        w.WriteNumber(r.Metric, MetricResolution.Round(r.Unit, r.Value.Number));
                        break;
                    case ReadingValueKind.Boolean:
                        w.WriteBoolean(r.Metric, r.Value.Boolean);
                        break;
                    case ReadingValueKind.Text:
                        w.WriteString(r.Metric, r.Value.Text);
                        break;
                    default:
                        (bad ??= []).Add(r.Metric);
                        break;
                }
            }

            w.WriteEndObject();
            if (status is not null)
            {
                w.WriteStartArray(TelemetryFields.Status);
                foreach (var token in status.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    w.WriteStringValue(token);
                }

                w.WriteEndArray();
            }

            w.WriteString(TelemetryFields.Quality, result.Quality.ToWireName());
            WriteList(w, TelemetryFields.Stale, stale);
            WriteList(w, TelemetryFields.Bad, bad);
            if (result.Error is not null)
            {
                w.WriteString(TelemetryFields.Error, result.Error);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Alert(AlertMessage alert) =>
        JsonSerializer.SerializeToUtf8Bytes(alert, PayloadJsonContext.Default.AlertMessage);

    public static byte[] Event(EventMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, PayloadJsonContext.Default.EventMessage);

    public static byte[] Failover(FailoverMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, PayloadJsonContext.Default.FailoverMessage);

    private static void WriteList(Utf8JsonWriter w, string name, List<string>? items)
    {
        if (items is null)
        {
            return;
        }

        w.WriteStartArray(name);
        foreach (var i in items)
        {
            w.WriteStringValue(i);
        }

        w.WriteEndArray();
    }
}

/// <summary>
/// The telemetry payload's field names (docs/schemas/telemetry.schema.json): written by <see cref="Payloads.Telemetry"/>,
/// read back by the ingest (<c>TelemetryConverter</c>) and the stored confirmations (<c>StoredAck</c>). Wire-visible:
/// frozen by tests.
/// </summary>
internal static class TelemetryFields
{
    /// <summary>RFC 3339 UTC time of the poll.</summary>
    public const string Timestamp = "ts";

    /// <summary>Per-device poll sequence number.</summary>
    public const string Sequence = "seq";

    /// <summary>The agent process's run id (tells the runs of <see cref="Sequence"/> apart).</summary>
    public const string Run = "run";

    public const string Device = "device";

    public const string Kind = "kind";

    public const string Model = "model";

    /// <summary>Object of good readings, metric name → number, boolean or string.</summary>
    public const string Metrics = "metrics";

    /// <summary>Array of UPS status tokens.</summary>
    public const string Status = "status";

    public const string Quality = "quality";

    /// <summary>Array of the names of stale readings.</summary>
    public const string Stale = "stale";

    /// <summary>Array of the names of bad readings.</summary>
    public const string Bad = "bad";

    /// <summary>The poll error, if any.</summary>
    public const string Error = "error";
}

/// <summary>Source-generated JSON for the alert, event and failover payloads (snake_case keys, nulls omitted).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(Rfc3339Converter)])]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(EventMessage))]
[JsonSerializable(typeof(FailoverMessage))]
internal sealed partial class PayloadJsonContext : JsonSerializerContext;

/// <summary>Timestamps on the wire are RFC 3339 UTC with milliseconds.</summary>
internal sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Payloads.FormatTimestamp(value));
}

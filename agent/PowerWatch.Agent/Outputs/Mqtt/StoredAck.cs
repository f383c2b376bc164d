using System.Buffers;
using System.Text.Json;

namespace PowerWatch.Agent.Outputs.Mqtt;

/// <summary>An inclusive range of per-device telemetry sequence numbers.</summary>
internal readonly record struct SeqRange(long From, long To)
{
    public long Count => To - From + 1;
}

/// <summary>Which poll a telemetry message is: device, the agent run that took it, and its <c>seq</c> in that run.</summary>
internal readonly record struct TelemetryKey(string Device, string Run, long Seq);

/// <summary>
/// A stored confirmation (docs/mqtt.md "End-to-end delivery", schema docs/schemas/stored.schema.json): ingest
/// publishes one on <c>{prefix}/{site}/{device}/stored</c> (QoS 1, not retained) after InfluxDB accepted the lines of
/// the listed polls of one device and agent run. Each confirmation is incremental (what this batch stored), not a
/// cumulative watermark, so any number of ingest instances can confirm the polls each of them stored.
/// <code>{"device":"ups-a","run":"4f1c0e5a9b2d7c31","seqs":[[1,40],[42,42]],"by":"powerwatch-ingest-host1"}</code>
/// </summary>
internal sealed record StoredAck(string Device, string Run, IReadOnlyList<SeqRange> Seqs, string? By = null)
{
    /// <summary>Most ranges one confirmation carries; a longer list is split over several messages.</summary>
    public const int MaxRanges = 512;

    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (Seqs.Count * 16));
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("device", Device);
            w.WriteString("run", Run);
            w.WriteStartArray("seqs");
            foreach (var r in Seqs)
            {
                w.WriteStartArray();
                w.WriteNumberValue(r.From);
                w.WriteNumberValue(r.To);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            if (By is not null)
            {
                w.WriteString("by", By);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a confirmation; false for anything that is not one (wrong shape, empty ranges, from &gt; to, seq &lt; 0).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, out StoredAck? ack)
    {
        ack = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("device", out var device) || device.ValueKind != JsonValueKind.String || device.GetString() is not { Length: > 0 } d
                || !root.TryGetProperty("run", out var run) || run.ValueKind != JsonValueKind.String || run.GetString() is not { } r
                || !root.TryGetProperty("seqs", out var seqs) || seqs.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            var ranges = new List<SeqRange>(seqs.GetArrayLength());
            foreach (var item in seqs.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 2
                    || !item[0].TryGetInt64(out var from) || !item[1].TryGetInt64(out var to) || from < 0 || to < from)
                {
                    return false;
                }

                ranges.Add(new SeqRange(from, to));
            }

            var by = root.TryGetProperty("by", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
            ack = new StoredAck(d, r, ranges, by);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Sorted, merged ranges of the given sequence numbers (duplicates allowed).</summary>
    public static List<SeqRange> ToRanges(IEnumerable<long> seqs)
    {
        var sorted = seqs.Distinct().Order().ToList();
        var ranges = new List<SeqRange>();
        foreach (var s in sorted)
        {
            if (ranges.Count > 0 && ranges[^1].To == s - 1)
            {
                ranges[^1] = ranges[^1] with { To = s };
            }
            else
            {
                ranges.Add(new SeqRange(s, s));
            }
        }

        return ranges;
    }

    /// <summary>
    /// Reads <c>device</c>, <c>run</c> and <c>seq</c> from a telemetry payload (top-level properties only). False when
    /// one of them is missing: telemetry of an agent that does not write <c>run</c> cannot be confirmed.
    /// </summary>
    public static bool TryReadTelemetryKey(ReadOnlySpan<byte> payload, out TelemetryKey key)
    {
        key = default;
        string? device = null, run = null;
        long? seq = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueTextEquals(TelemetryFields.Device) ? 1 : reader.ValueTextEquals(TelemetryFields.Run) ? 2 : reader.ValueTextEquals(TelemetryFields.Sequence) ? 3 : 0;
                if (!reader.Read())
                {
                    return false;
                }

                switch (name)
                {
                    case 1 when reader.TokenType == JsonTokenType.String:
                        device = reader.GetString();
                        break;
                    case 2 when reader.TokenType == JsonTokenType.String:
                        run = reader.GetString();
                        break;
                    case 3 when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var s):
                        seq = s;
                        break;
                    default:
                        reader.Skip();
                        break;
                }

                if (device is not null && run is not null && seq is not null)
                {
                    key = new TelemetryKey(device, run, seq.Value);
                    return device.Length > 0 && run.Length > 0;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }
}

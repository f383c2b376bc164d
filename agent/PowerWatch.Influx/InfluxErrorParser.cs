using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PowerWatch.Influx;

/// <summary>Reads the server's reason out of an error response and maps it onto the lines of the batch.</summary>
internal static class InfluxErrorParser
{
    private const string UnableToParse = "unable to parse '";
    private const string DroppedMarker = " dropped=";

    /// <summary>
    /// The message of an error body: InfluxDB 1.x <c>{"error":"..."}</c>, 2.x <c>{"code":"...","message":"..."}</c>,
    /// else the <c>X-Influxdb-Error</c> header, else the trimmed body text (VictoriaMetrics answers in plain text).
    /// </summary>
    public static string? ExtractMessage(string? body, string? headerError)
    {
        if (!string.IsNullOrWhiteSpace(body))
        {
            var trimmed = body.Trim();
            if (trimmed.StartsWith('{'))
            {
                try
                {
                    using var doc = JsonDocument.Parse(trimmed);
                    if (doc.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        if (doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
                        {
                            return e.GetString();
                        }

                        if (doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                        {
                            return m.GetString();
                        }
                    }
                }
                catch (JsonException)
                {
                    // Not JSON after all: fall through to the header or the raw text.
                }
            }

            return headerError ?? (trimmed.Length > 4096 ? trimmed[..4096] : trimmed);
        }

        return headerError;
    }

    public static bool IsPartialWrite(string? message) =>
        message is not null && message.Contains("partial write", StringComparison.OrdinalIgnoreCase);

    public static int? DroppedCount(string? message)
    {
        if (message is null)
        {
            return null;
        }

        var i = message.LastIndexOf(DroppedMarker, StringComparison.Ordinal);
        if (i < 0)
        {
            return null;
        }

        var start = i + DroppedMarker.Length;
        var end = start;
        while (end < message.Length && char.IsAsciiDigit(message[end]))
        {
            end++;
        }

        return int.TryParse(message.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>Finds the batch lines named by InfluxDB 1.x "unable to parse 'LINE': REASON" entries (one per message line).</summary>
    public static IReadOnlyList<RejectedLine> RejectedLines(string? message, ReadOnlySpan<byte> body)
    {
        if (message is null || !message.Contains(UnableToParse, StringComparison.Ordinal))
        {
            return [];
        }

        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        while (!body.IsEmpty)
        {
            var nl = body.IndexOf((byte)'\n');
            var line = nl < 0 ? body : body[..nl];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            lines.TryAdd(Encoding.UTF8.GetString(line), index);
            index++;
            body = nl < 0 ? [] : body[(nl + 1)..];
        }

        var found = new List<RejectedLine>();
        var pos = 0;
        while ((pos = message.IndexOf(UnableToParse, pos, StringComparison.Ordinal)) >= 0)
        {
            var lineStart = pos + UnableToParse.Length;
            var entryEnd = message.IndexOf('\n', lineStart);
            if (entryEnd < 0)
            {
                entryEnd = message.Length;
            }

            // The line itself may contain "': ", so try each candidate end until one names a line of the batch.
            for (var close = message.IndexOf("': ", lineStart, entryEnd - lineStart, StringComparison.Ordinal);
                 close >= 0;
                 close = close + 1 < entryEnd ? message.IndexOf("': ", close + 1, entryEnd - close - 1, StringComparison.Ordinal) : -1)
            {
                if (lines.TryGetValue(message[lineStart..close], out var lineIndex))
                {
                    var reason = message[(close + 3)..entryEnd];
                    var dropped = reason.LastIndexOf(DroppedMarker, StringComparison.Ordinal);
                    if (dropped >= 0 && entryEnd == message.Length)
                    {
                        reason = reason[..dropped];
                    }

                    found.Add(new RejectedLine(lineIndex, message[lineStart..close], reason));
                    break;
                }
            }

            pos = entryEnd;
        }

        return found;
    }
}

using System.Text.Json;

namespace PowerWatch.PeerTests.Infrastructure;

/// <summary>One JSON line printed by a peer client script (tests/peers/modbus/README.md).</summary>
internal sealed record PeerReply(string Op, int[]? Values, bool Ok, int? Exception, int? Conformity, IReadOnlyDictionary<byte, string>? Objects, string? Error)
{
    public static IReadOnlyList<PeerReply> ParseLines(string output)
    {
        var replies = new List<PeerReply>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith("{\"op\"", StringComparison.Ordinal))
            {
                continue; // log noise from the peer
            }

            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            replies.Add(new PeerReply(
                root.GetProperty("op").GetString()!,
                root.TryGetProperty("values", out var v) ? v.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null,
                root.TryGetProperty("ok", out var ok) && ok.GetBoolean(),
                root.TryGetProperty("exception", out var ex) ? ex.GetInt32() : null,
                root.TryGetProperty("conformity", out var c) ? c.GetInt32() : null,
                root.TryGetProperty("objects", out var o) ? o.EnumerateObject().ToDictionary(p => byte.Parse(p.Name), p => p.Value.GetString()!) : null,
                root.TryGetProperty("error", out var err) ? err.GetString() : null));
        }

        return replies;
    }

    public override string ToString() =>
        Op + " → " + (Values is not null ? "[" + string.Join(',', Values) + "]" : Ok ? "ok" : Exception is { } e ? "exception " + e : Objects is not null ? "objects" : "error " + Error);
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PowerWatch.Core.Profiles;

/// <summary>
/// Where each key and list element of a JSON document starts (1-based line and column, columns counted in bytes as
/// <see cref="JsonException.BytePositionInLine"/> does), so a problem found by path (<c>$.registers[2].unit</c>,
/// <c>$.commands['start'].writes[0]</c>) can be reported at its place in the file, as the configuration loader
/// reports invalid JSON (<c>line 7, column 44</c>).
/// </summary>
internal sealed partial class JsonPositions
{
    private readonly Dictionary<string, (int Line, int Column)> _positions = new(StringComparer.OrdinalIgnoreCase);
    private int _scanned;
    private int _line = 1;
    private int _lineStart;

    private JsonPositions()
    {
    }

    /// <summary>Maps a document (comments and trailing commas allowed, as profiles are read); an unreadable one maps only its root.</summary>
    public static JsonPositions Of(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var bytes = Encoding.UTF8.GetBytes(json);
        var map = new JsonPositions();
        map._positions[""] = (1, 1);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var path = new List<string>();
        var frames = new Stack<(bool IsArray, int Index, bool HasProperty)>();
        try
        {
            while (reader.Read())
            {
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    var frame = frames.Pop();
                    if (frame.HasProperty)
                    {
                        path.RemoveAt(path.Count - 1);
                    }

                    path.Add(reader.GetString()!);
                    frames.Push((false, 0, true));
                    map.Record(path, bytes, start);
                    continue;
                }

                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    var frame = frames.Pop();
                    if (frame.HasProperty)
                    {
                        path.RemoveAt(path.Count - 1);
                    }

                    continue;
                }

                // A value: in a list it is the next element.
                if (frames.Count > 0 && frames.Peek().IsArray)
                {
                    var frame = frames.Pop();
                    if (frame.HasProperty)
                    {
                        path.RemoveAt(path.Count - 1);
                    }

                    path.Add(frame.Index.ToString(CultureInfo.InvariantCulture));
                    map.Record(path, bytes, start);
                    frames.Push((true, frame.Index + 1, true));
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    frames.Push((reader.TokenType == JsonTokenType.StartArray, 0, false));
                }
            }
        }
        catch (JsonException)
        {
            // Positions up to the error are kept; the error itself is reported by the deserializer.
        }

        return map;
    }

    /// <summary>The position of the key or element a problem path names, else of its nearest enclosing one.</summary>
    public (int Line, int Column) Find(string problemPath)
    {
        ArgumentNullException.ThrowIfNull(problemPath);
        var segments = Segment().Matches(problemPath).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value).ToList();
        for (var n = segments.Count; n >= 0; n--)
        {
            if (_positions.TryGetValue(Key(segments.Take(n)), out var at))
            {
                return at;
            }
        }

        return (1, 1);
    }

    private static string Key(IEnumerable<string> segments) => string.Join('\u0001', segments);

    private void Record(List<string> path, byte[] bytes, int offset)
    {
        // Offsets only grow while reading: count the newlines since the last call.
        for (; _scanned < offset; _scanned++)
        {
            if (bytes[_scanned] == (byte)'\n')
            {
                _line++;
                _lineStart = _scanned + 1;
            }
        }

        _positions.TryAdd(Key(path), (_line, offset - _lineStart + 1));
    }

    [GeneratedRegex(@"\.([^.\[]+)|\['([^']*)'\]|\[(\d+)\]")]
    private static partial Regex Segment();
}

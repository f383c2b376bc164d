using System.Text;

namespace PowerWatch.Agent.Inputs.Nut;

/// <summary>An <c>ERR</c> reply from upsd (e.g. UNKNOWN-UPS, ACCESS-DENIED, DATA-STALE, DRIVER-NOT-CONNECTED).</summary>
internal sealed class NutErrorException : Exception
{
    public NutErrorException(string code, string? extra)
        : base($"upsd answered ERR {code}{(extra is null ? "" : " " + extra)}")
    {
        Code = code;
    }

    public string Code { get; }

    /// <summary>Whether the data is temporarily unavailable (driver stale or gone) rather than the request wrong.</summary>
    public bool IsStale => Code is "DATA-STALE" or "DRIVER-NOT-CONNECTED";
}

/// <summary>A reply line that does not follow the NUT network protocol.</summary>
internal sealed class NutProtocolException : Exception
{
    public NutProtocolException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Pure parsing and formatting of the NUT network protocol (upsd, TCP 3493): words separated by spaces,
/// double-quoted words with backslash escapes for <c>"</c> and <c>\</c>, one command or reply per LF-terminated line.
/// </summary>
internal static class NutProtocol
{
    /// <summary>Longest reply line accepted; upsd's own limit is far below this.</summary>
    public const int MaxLineLength = 8192;

    /// <summary>Splits a line into words, honouring quotes and escapes.</summary>
    public static IReadOnlyList<string> Split(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inQuotes = false;
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\')
            {
                if (i + 1 >= line.Length)
                {
                    throw new NutProtocolException($"dangling escape at the end of '{line}'");
                }

                current.Append(line[++i]);
                inWord = true;
            }
            else if (c == '"')
            {
                inQuotes = !inQuotes;
                inWord = true;
            }
            else if (c == ' ' && !inQuotes)
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (inQuotes)
        {
            throw new NutProtocolException($"unterminated quote in '{line}'");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>Quotes a word for a command (usernames, passwords and UPS names may hold spaces or quotes).</summary>
    public static string Quote(string word)
    {
        if (word.Contains('\n', StringComparison.Ordinal) || word.Contains('\r', StringComparison.Ordinal))
        {
            throw new ArgumentException("NUT words cannot contain line breaks", nameof(word));
        }

        return "\"" + word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Throws <see cref="NutErrorException"/> when the line is an ERR reply.</summary>
    public static void ThrowIfError(IReadOnlyList<string> words)
    {
        if (words.Count > 0 && words[0] == "ERR")
        {
            throw new NutErrorException(words.Count > 1 ? words[1] : "UNKNOWN", words.Count > 2 ? string.Join(' ', words.Skip(2)) : null);
        }
    }

    /// <summary>Parses one <c>VAR ups name "value"</c> line of a LIST VAR reply.</summary>
    public static (string Name, string Value) ParseVar(IReadOnlyList<string> words, string ups)
    {
        if (words.Count != 4 || words[0] != "VAR" || words[1] != ups)
        {
            throw new NutProtocolException($"expected 'VAR {ups} <name> \"<value>\"', got '{string.Join(' ', words)}'");
        }

        return (words[2], words[3]);
    }
}

using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace PowerWatch.Agent.Configuration;

/// <summary>
/// Reads a configuration file as <c>run</c>, <c>check-config</c> and the demo do, so each reports a file it cannot use
/// the same way, in one line: missing, unreadable, not JSON (with line, column and the parser's reason), or a key
/// given twice.
/// </summary>
internal static class ConfigFile
{
    private static readonly JsonDocumentOptions Parsing = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// Loads <paramref name="path"/> with (when <paramref name="environment"/>) the environment variables over it and
    /// <paramref name="overrides"/> (command-line options) over both; returns the problem that stops it, or null.
    /// </summary>
    public static ConfigProblem? Load(string path, bool environment, IEnumerable<KeyValuePair<string, string?>> overrides, out IConfiguration configuration)
    {
        configuration = new ConfigurationBuilder().Build();
        var full = Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new ConfigProblem("(file)", $"{full} not found");
        }
        catch (UnauthorizedAccessException)
        {
            return new ConfigProblem("(file)", $"{full}: permission denied (the installed file is readable by root and the powerwatch group: run with sudo)");
        }
        catch (IOException ex)
        {
            return new ConfigProblem("(file)", $"{full}: {ex.Message}");
        }

        if (SyntaxProblem(bytes) is { } syntax)
        {
            return syntax;
        }

        var builder = new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false);
        if (environment)
        {
            builder.AddEnvironmentVariables();
        }

        // Command-line options (run --status-url, the demo's settings) win over the file and the environment.
        builder.AddInMemoryCollection(overrides);

        try
        {
            configuration = builder.Build();
            return null;
        }
        catch (FileNotFoundException)
        {
            return new ConfigProblem("(file)", $"{full} not found");
        }
        catch (InvalidDataException ex)
        {
            return new ConfigProblem("(file)", ex.InnerException?.Message ?? ex.Message);
        }
    }

    /// <summary>
    /// The first reason the bytes are not a configuration file: JSON syntax (key <c>line L, column C</c>), a top level that is
    /// not an object, or a key given twice in one object (configuration keys ignore case); null when they are.
    /// </summary>
    internal static ConfigProblem? SyntaxProblem(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.Span.TrimStart(" \t\r\n"u8).IsEmpty)
        {
            return new ConfigProblem("(file)", "the file is empty; expected { \"PowerWatch\": { ... } }");
        }

        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
        {
            // JsonDocument accepts invalid UTF-8 inside strings and throws InvalidOperationException when a name is read.
            return new ConfigProblem("(file)", "the file is not UTF-8 text");
        }

        try
        {
            using var document = JsonDocument.Parse(bytes, Parsing);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new ConfigProblem("(file)", $"the top level must be an object ({{ \"PowerWatch\": {{ ... }} }}), found {Article(document.RootElement.ValueKind)}");
            }

            return Duplicate(document.RootElement, "");
        }
        catch (JsonException ex)
        {
            var reason = ex.Message;
            foreach (var tail in new[] { " Path:", " LineNumber:" })
            {
                var cut = reason.IndexOf(tail, StringComparison.Ordinal);
                if (cut >= 0)
                {
                    reason = reason[..cut];
                }
            }

            return new ConfigProblem($"line {ex.LineNumber + 1}, column {ex.BytePositionInLine + 1}", "invalid JSON: " + reason.TrimEnd().TrimEnd('.'));
        }
    }

    private static ConfigProblem? Duplicate(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (Duplicate(item, $"{path}:{i++}") is { } inner)
                {
                    return inner;
                }
            }

            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in element.EnumerateObject())
        {
            var key = path.Length == 0 ? property.Name : $"{path}:{property.Name}";
            if (!seen.Add(property.Name))
            {
                return new ConfigProblem(key, $"'{property.Name}' is given twice in the same object (keys ignore case); keep one");
            }

            if (Duplicate(property.Value, key) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a value",
    };
}

using System.Text.Json;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>
/// A tiny structural JSON Schema checker (no schema package is available): type (string or list), enum, required,
/// properties, additionalProperties (false or a schema) and items. Enough to hold payloads to docs/schemas.
/// </summary>
internal static class SchemaChecker
{
    public static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PowerWatch.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return Path.Combine(dir!.FullName, relative);
    }

    public static JsonElement LoadSchema(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoFile(Path.Combine("docs", "schemas", name))));
        return doc.RootElement.Clone();
    }

    public static List<string> Check(JsonElement schema, JsonElement value, string path = "$")
    {
        var problems = new List<string>();
        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
            if (!types.Any(t => Matches(t, value)))
            {
                problems.Add($"{path}: {value.ValueKind} is not {string.Join("|", types)}");
                return problems;
            }
        }

        if (schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => a.ToString() == value.ToString()))
        {
            problems.Add($"{path}: '{value}' is not one of {allowed}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var r in required.EnumerateArray())
                {
                    if (!value.TryGetProperty(r.GetString()!, out _))
                    {
                        problems.Add($"{path}: required '{r.GetString()}' is missing");
                    }
                }
            }

            schema.TryGetProperty("properties", out var properties);
            foreach (var p in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(p.Name, out var ps))
                {
                    problems.AddRange(Check(ps, p.Value, $"{path}.{p.Name}"));
                }
                else if (schema.TryGetProperty("additionalProperties", out var ap))
                {
                    if (ap.ValueKind == JsonValueKind.False)
                    {
                        problems.Add($"{path}: '{p.Name}' is not in the schema");
                    }
                    else if (ap.ValueKind == JsonValueKind.Object)
                    {
                        problems.AddRange(Check(ap, p.Value, $"{path}.{p.Name}"));
                    }
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                problems.AddRange(Check(items, item, $"{path}[{i++}]"));
            }
        }

        return problems;
    }

    private static bool Matches(string type, JsonElement v) => type switch
    {
        "object" => v.ValueKind == JsonValueKind.Object,
        "array" => v.ValueKind == JsonValueKind.Array,
        "string" => v.ValueKind == JsonValueKind.String,
        "number" => v.ValueKind == JsonValueKind.Number,
        "integer" => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _),
        "boolean" => v.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => v.ValueKind == JsonValueKind.Null,
        _ => false,
    };
}

using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PowerWatch.Agent.Configuration;

namespace PowerWatch.Agent.Tests.Docs;

/// <summary>One configuration key of the reference.</summary>
/// <param name="Key">Key path as the configuration binder sees it: list items as <c>N</c>, dictionary entries as <c>{name}</c>.</param>
/// <param name="Type">Human type text (enums with their allowed values).</param>
/// <param name="Default">Default of a freshly constructed options object, rendered.</param>
/// <param name="Description">From the property's XML doc summary; null when it has none.</param>
/// <param name="DocId">XML documentation id of the property (<c>P:Namespace.Type.Property</c>).</param>
/// <param name="IsSection">The key is an object (its own keys follow in a section of their own).</param>
/// <param name="PropertyType">The CLR type of the property.</param>
public sealed record ConfigKey(string Key, string Type, string Default, string? Description, string DocId, bool IsSection, Type PropertyType);

/// <summary>One object in the configuration tree: its key path, its type's summary and its keys.</summary>
public sealed record ConfigSection(string Key, string? Summary, IReadOnlyList<ConfigKey> Keys);

/// <summary>
/// Walks the options object graph by reflection, from the roots the binder binds (<c>powerwatch run</c>:
/// <see cref="AgentOptions.Section"/> into <see cref="AgentOptions"/>; <c>powerwatch ingest</c>:
/// <see cref="IngestOptions.Section"/> into <see cref="IngestOptions"/> plus <c>PowerWatch:Mqtt</c>), and renders
/// docs/configuration.md. Descriptions are the XML doc summaries of the options properties (the .xml files the
/// compiler writes next to powerwatch.dll and PowerWatch.Core.dll).
/// </summary>
public static partial class ConfigReference
{
    /// <summary>Properties whose default depends on the machine: rendered as text instead of this machine's value.</summary>
    private static readonly Dictionary<(Type, string), string> EnvironmentDefaults = new()
    {
        [(typeof(AgentOptions), nameof(AgentOptions.Agent))] = "*the host name, lower-cased*",
    };

    /// <summary>One root: the configuration section, the options type and the verb that binds it.</summary>
    public sealed record Root(string Section, Type Type, string Verb, string Intro);

    public static IReadOnlyList<Root> Roots { get; } =
    [
        new(AgentOptions.Section, typeof(AgentOptions), "powerwatch run",
            "`powerwatch run --config file.json` (and `powerwatch check-config file.json`) bind the whole `" + AgentOptions.Section +
            "` section to `AgentOptions`; the JSON file is overridden by environment variables."),
        new(IngestOptions.Section, typeof(IngestOptions), "powerwatch ingest",
            "`powerwatch ingest --config file.json` binds `" + IngestOptions.Section + "` to `IngestOptions` and takes its broker connection from `" +
            MqttOptions.Section + "` (the same keys as the agent's MQTT output above; `Enabled` is ignored by ingest)."),
    ];

    /// <summary>Every section of every root, depth first in declaration order.</summary>
    public static IReadOnlyList<(Root Root, IReadOnlyList<ConfigSection> Sections)> Walk()
    {
        var docs = XmlDocs.Load(Roots.Select(r => r.Type.Assembly).Append(typeof(Core.Alerts.AlertRule).Assembly));
        var result = new List<(Root, IReadOnlyList<ConfigSection>)>();
        foreach (var root in Roots)
        {
            var sections = new List<ConfigSection>();
            WalkObject(root.Section, root.Type, Activator.CreateInstance(root.Type)!, docs, sections, []);
            result.Add((root, sections));
        }

        return result;
    }

    /// <summary>Every key of the reference (sections included), as key patterns with <c>N</c> and <c>{name}</c>.</summary>
    public static IReadOnlyList<ConfigKey> AllKeys() => [.. Walk().SelectMany(r => r.Sections).SelectMany(s => s.Keys)];

    /// <summary>Properties without an XML doc summary (their doc ids).</summary>
    public static IReadOnlyList<string> Undocumented() =>
        [.. AllKeys().Where(k => string.IsNullOrWhiteSpace(k.Description)).Select(k => $"{k.DocId} ({k.Key})").Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Whether a concrete key (e.g. <c>PowerWatch:Devices:0:Workarounds:MaxGap</c>, or a leaf below a list or map of
    /// plain values) matches a key of the reference. Segments compare case-insensitively, as the binder does.
    /// </summary>
    public static bool Matches(string pattern, string key)
    {
        var p = pattern.Split(':');
        var k = key.Split(':');
        if (p.Length != k.Length)
        {
            return false;
        }

        for (var i = 0; i < p.Length; i++)
        {
            var ok = p[i] switch
            {
                "N" => k[i].All(char.IsAsciiDigit) && k[i].Length > 0,
                "{name}" => k[i].Length > 0,
                _ => string.Equals(p[i], k[i], StringComparison.OrdinalIgnoreCase),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Key patterns a concrete configuration may use for one reference key: the key itself plus, for lists and maps of
    /// plain values, their elements (<c>Feeds:N</c>, <c>Headers:{name}</c>, <c>AllowedCommands:{name}:N</c>).
    /// </summary>
    public static IEnumerable<string> Expansions(ConfigKey key)
    {
        yield return key.Key;
        var suffix = "";
        foreach (var part in key.Type.Split(" of ", StringSplitOptions.None))
        {
            if (part.StartsWith("list", StringComparison.Ordinal))
            {
                suffix += ":N";
            }
            else if (part.StartsWith("map", StringComparison.Ordinal))
            {
                suffix += ":{name}";
            }
            else
            {
                break;
            }

            yield return key.Key + suffix;
        }
    }

    /// <summary>
    /// A configuration that sets every plain key of one root once (lists at index 0, maps under the name <c>x</c>)
    /// to a value of the key's type: what a complete configuration file could contain.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> SampleConfiguration(Root root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var sample = new List<KeyValuePair<string, string?>>();
        var (_, sections) = Walk().Single(r => r.Root == root);
        foreach (var key in sections.SelectMany(s => s.Keys).Where(k => !k.IsSection))
        {
            var path = key.Key.Replace(":N:", ":0:", StringComparison.Ordinal).Replace(":{name}:", ":x:", StringComparison.Ordinal);
            var type = key.PropertyType;
            while (ElementOf(type) is { } element)
            {
                path += element.IsMap ? ":x" : ":0";
                type = element.Type;
            }

            sample.Add(new(path, SampleValue(Nullable(type))));
        }

        return sample;
    }

    private static string SampleValue(Type t) => t switch
    {
        _ when t == typeof(bool) => "true",
        _ when t == typeof(double) || t == typeof(float) || t == typeof(decimal) => "1.5",
        _ when t.IsPrimitive => "1",
        _ when t == typeof(TimeSpan) => "00:00:01",
        _ when t == typeof(Uri) => "https://example.net/",
        _ when t.IsEnum => Enum.GetNames(t)[^1],
        _ => "x",
    };

    public static string Render()
    {
        var sb = new StringBuilder();
        sb.Append("# Configuration reference\n\n");
        sb.Append("<!-- Generated from the options classes and their XML doc comments; do not edit by hand. ");
        sb.Append("Regenerate: POWERWATCH_UPDATE_DOCS=1 dotnet test tests/PowerWatch.Agent.Tests --filter Configuration_reference -->\n\n");
        sb.Append("Every configuration key PowerWatch binds, with its type, default and meaning. Keys are written as the ");
        sb.Append(".NET configuration binder sees them: `PowerWatch:Devices:N:Endpoint` is `{ \"PowerWatch\": { \"Devices\": [ { \"Endpoint\": ... } ] } }` ");
        sb.Append("in the JSON file, `PowerWatch__Devices__0__Endpoint` as an environment variable. `N` is a list index from 0; ");
        sb.Append("`{name}` is a map key you choose. Key names are case-insensitive. Durations are `[d.]hh:mm:ss[.fffffff]` ");
        sb.Append("(e.g. `00:00:00.500`). Defaults are those of a freshly constructed options object: a key you leave out keeps it. ");
        sb.Append("A sample: [install/examples/powerwatch.json](../install/examples/powerwatch.json). ");
        sb.Append("`powerwatch check-config file.json` reports every problem with its key path.\n");
        foreach (var (root, sections) in Walk())
        {
            sb.Append("\n## `").Append(root.Verb).Append("` (`").Append(root.Section).Append("`)\n\n");
            sb.Append(root.Intro).Append('\n');
            foreach (var section in sections)
            {
                sb.Append("\n### `").Append(section.Key).Append("`\n\n");
                if (!string.IsNullOrWhiteSpace(section.Summary))
                {
                    sb.Append(section.Summary).Append("\n\n");
                }

                sb.Append("| Key | Type | Default | Description |\n");
                sb.Append("|---|---|---|---|\n");
                foreach (var key in section.Keys)
                {
                    sb.Append("| `").Append(key.Key).Append("` | ")
                        .Append(key.IsSection ? $"[{Escape(key.Type)}](#{Anchor(SectionOf(key))})" : Escape(key.Type)).Append(" | ")
                        .Append(Escape(key.Default)).Append(" | ")
                        .Append(Escape(key.Description ?? "**undocumented**")).Append(" |\n");
                }
            }
        }

        return sb.ToString();
    }

    private static string SectionOf(ConfigKey key) =>
        key.Type.StartsWith("list", StringComparison.Ordinal) ? key.Key + ":N"
        : key.Type.StartsWith("map", StringComparison.Ordinal) ? key.Key + ":{name}"
        : key.Key;

    /// <summary>GitHub's heading anchor for a heading that is just <c>`key`</c>.</summary>
    private static string Anchor(string key) => AnchorStrip().Replace(key.ToLowerInvariant(), "");

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static void WalkObject(string path, Type type, object instance, XmlDocs docs, List<ConfigSection> sections, HashSet<Type> stack)
    {
        if (!stack.Add(type))
        {
            throw new InvalidOperationException($"Options type {type} contains itself at {path}.");
        }

        var keys = new List<ConfigKey>();
        var children = new List<(string Path, Type Type, object Instance)>();
        foreach (var prop in BindableProperties(type))
        {
            var key = path + ":" + prop.Name;
            var docId = "P:" + DocName(type) + "." + prop.Name;
            var description = docs.Summary(docId);
            var value = prop.GetValue(instance);
            var t = prop.PropertyType;
            if (IsObject(t))
            {
                var nested = Nullable(t);
                keys.Add(new ConfigKey(key, "object", value is null ? "*(unset)*" : "see section", description, docId, true, t));
                children.Add((key, nested, value ?? Activator.CreateInstance(nested)!));
            }
            else if (ElementOf(t) is { } element && IsObject(element.Type))
            {
                var kind = element.IsMap ? "map of objects" : "list of objects";
                keys.Add(new ConfigKey(key, kind, FormatDefault(type, prop, value), description, docId, true, t));
                children.Add((key + (element.IsMap ? ":{name}" : ":N"), element.Type, Activator.CreateInstance(element.Type)!));
            }
            else
            {
                keys.Add(new ConfigKey(key, TypeText(t), FormatDefault(type, prop, value), description, docId, false, t));
            }
        }

        sections.Add(new ConfigSection(path, docs.Summary("T:" + DocName(type)), keys));
        foreach (var (childPath, childType, childInstance) in children)
        {
            WalkObject(childPath, childType, childInstance, docs, sections, stack);
        }

        stack.Remove(type);
    }

    /// <summary>What the binder binds: public instance properties with a public setter, in declaration order.</summary>
    private static IEnumerable<PropertyInfo> BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.SetMethod is { IsPublic: true })
            .OrderBy(p => p.MetadataToken);

    private static string DocName(Type type) => type.FullName!.Replace('+', '.');

    private static Type Nullable(Type t) => System.Nullable.GetUnderlyingType(t) ?? t;

    private static bool IsScalar(Type t)
    {
        t = Nullable(t);
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(decimal)
            || t == typeof(Uri) || t == typeof(DateTimeOffset) || t == typeof(DateTime) || t == typeof(Guid);
    }

    private static bool IsObject(Type t) => !IsScalar(t) && ElementOf(t) is null && Nullable(t).IsClass;

    /// <summary>The element type of a list/array (by index) or a string-keyed map; null for anything else.</summary>
    private static (Type Type, bool IsMap)? ElementOf(Type t)
    {
        if (t.IsArray)
        {
            return (t.GetElementType()!, false);
        }

        if (!t.IsGenericType)
        {
            return null;
        }

        var def = t.GetGenericTypeDefinition();
        var args = t.GetGenericArguments();
        if (def == typeof(Dictionary<,>) || def == typeof(IDictionary<,>) || def == typeof(IReadOnlyDictionary<,>))
        {
            return args[0] == typeof(string) ? (args[1], true) : throw new NotSupportedException($"Map keyed by {args[0]}.");
        }

        if (def == typeof(List<>) || def == typeof(IList<>) || def == typeof(IReadOnlyList<>) || def == typeof(IEnumerable<>) || def == typeof(ICollection<>))
        {
            return (args[0], false);
        }

        return null;
    }

    private static string TypeText(Type t)
    {
        if (ElementOf(t) is { } element)
        {
            return (element.IsMap ? "map of " : "list of ") + TypeText(element.Type);
        }

        var optional = System.Nullable.GetUnderlyingType(t) is not null;
        t = Nullable(t);
        var text = t switch
        {
            _ when t == typeof(string) => "string",
            _ when t == typeof(bool) => "boolean",
            _ when t == typeof(byte) => "integer 0–255",
            _ when t == typeof(int) || t == typeof(long) || t == typeof(short) => "integer",
            _ when t == typeof(double) || t == typeof(float) || t == typeof(decimal) => "number",
            _ when t == typeof(TimeSpan) => "duration",
            _ when t == typeof(Uri) => "URL",
            _ when t.IsEnum => "one of " + string.Join(", ", Enum.GetNames(t).Select(n => "`" + n + "`")),
            _ => t.Name,
        };
        return optional ? text + " (optional)" : text;
    }

    private static string FormatDefault(Type owner, PropertyInfo prop, object? value)
    {
        if (EnvironmentDefaults.TryGetValue((owner, prop.Name), out var text))
        {
            return text;
        }

        return value switch
        {
            null => "*(unset)*",
            string s => s.Length == 0 ? "`\"\"`" : "`" + s + "`",
            IDictionary d => d.Count == 0 ? "`{}`" : "`{" + string.Join(", ", d.Keys.Cast<object>().Select(k => "\"" + k + "\": " + Json(d[k]))) + "}`",
            IEnumerable e => "`[" + string.Join(", ", e.Cast<object?>().Select(Json)) + "]`",
            _ => "`" + Json(value).Trim('"') + "`",
        };
    }

    private static string Json(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        bool b => b ? "true" : "false",
        TimeSpan ts => "\"" + Duration(ts) + "\"",
        Enum e => "\"" + e + "\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Json)) + "]",
        _ => "\"" + value + "\"",
    };

    /// <summary>Invariant <c>[d.]hh:mm:ss[.f]</c>, without trailing zeros in the fraction.</summary>
    public static string Duration(TimeSpan value)
    {
        var text = value.ToString("c", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) && text.LastIndexOf('.') > text.LastIndexOf(':') ? text.TrimEnd('0') : text;
    }

    [GeneratedRegex("[^a-z0-9_-]")]
    private static partial Regex AnchorStrip();

    /// <summary>The XML documentation files next to the options assemblies, by member id.</summary>
    private sealed partial class XmlDocs
    {
        private readonly Dictionary<string, XElement> _members = new(StringComparer.Ordinal);

        public static XmlDocs Load(IEnumerable<Assembly> assemblies)
        {
            var docs = new XmlDocs();
            foreach (var assembly in assemblies.Distinct())
            {
                var file = Path.ChangeExtension(assembly.Location, ".xml");
                if (!File.Exists(file))
                {
                    throw new FileNotFoundException(
                        $"{file} is missing: the project of {assembly.GetName().Name} must set GenerateDocumentationFile=true.", file);
                }

                foreach (var member in XDocument.Load(file).Descendants("member"))
                {
                    docs._members[(string)member.Attribute("name")!] = member;
                }
            }

            return docs;
        }

        /// <summary>The summary as one line of Markdown (<c>c</c> → code, <c>see cref</c> → the member's short name).</summary>
        public string? Summary(string id)
        {
            if (!_members.TryGetValue(id, out var member) || member.Element("summary") is not { } summary)
            {
                return null;
            }

            var sb = new StringBuilder();
            foreach (var node in summary.Nodes())
            {
                Append(sb, node);
            }

            var text = Whitespace().Replace(sb.ToString(), " ").Trim();
            return text.Length == 0 ? null : text;
        }

        private static void Append(StringBuilder sb, XNode node)
        {
            switch (node)
            {
                case XText text:
                    sb.Append(text.Value);
                    break;
                case XElement { Name.LocalName: "c" or "code" } c:
                    sb.Append('`').Append(Whitespace().Replace(c.Value, " ")).Append('`');
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    var target = ((string?)see.Attribute("cref") ?? (string?)see.Attribute("langword") ?? (string?)see.Attribute("href") ?? see.Value).Split('(')[0];
                    var shortName = target[(target.LastIndexOfAny([':', '.']) + 1)..];
                    sb.Append('`').Append(see.Value.Length > 0 ? see.Value : shortName).Append('`');
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } p:
                    sb.Append('`').Append((string?)p.Attribute("name")).Append('`');
                    break;
                case XElement e:
                    foreach (var child in e.Nodes())
                    {
                        Append(sb, child);
                    }

                    break;
            }
        }

        [GeneratedRegex(@"\s+")]
        private static partial Regex Whitespace();
    }
}

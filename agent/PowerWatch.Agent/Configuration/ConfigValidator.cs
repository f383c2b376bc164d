using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace PowerWatch.Agent.Configuration;

/// <summary>One configuration problem: the key path (as in <c>PowerWatch:Devices:2:Endpoint</c>) and why.</summary>
internal sealed record ConfigProblem(string Key, string Reason)
{
    public override string ToString() => $"{Key}: {Reason}";
}

/// <summary>
/// Validates the agent configuration and reports EVERY problem with its key path, instead of stopping at
/// the first: unknown keys (typos), values that do not convert, and semantic errors (duplicate ids,
/// endpoints that do not parse, topology naming devices that do not exist).
/// </summary>
internal static partial class ConfigValidator
{
    private static readonly HashSet<string> Kinds = ["ups", "generator", "ats", "pdu", "meter"];
    private static readonly HashSet<string> Parities = ["none", "even", "odd", "mark", "space"];

    /// <summary>Binds and validates; returns the options (possibly partial) and the problems found.</summary>
    public static (AgentOptions Options, IReadOnlyList<ConfigProblem> Problems) BindAndValidate(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        var section = configuration.GetSection(AgentOptions.Section);
        CheckShape(section, typeof(AgentOptions), problems, SharedSections);

        // Unknown keys do not stop binding; values that do not convert do (and are already reported).
        var options = new AgentOptions();
        try
        {
            section.Bind(options);
            problems.AddRange(Validate(options));
        }
        catch (InvalidOperationException ex) when (problems.Count == 0)
        {
            problems.Add(new ConfigProblem(AgentOptions.Section, ex.Message));
        }
        catch (InvalidOperationException)
        {
            // Reported above with its key path.
        }

        return (options, problems);
    }

    /// <summary>Semantic validation of bound options, against the inputs shipped with the agent.</summary>
    public static IReadOnlyList<ConfigProblem> Validate(AgentOptions o) => Validate(o, Inputs.InputRegistry.BuiltIn);

    /// <summary>Semantic validation of bound options; each device's input adds the checks only it knows.</summary>
    public static IReadOnlyList<ConfigProblem> Validate(AgentOptions o, Inputs.InputRegistry inputs)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(inputs);
        var p = new List<ConfigProblem>();
        const string S = AgentOptions.Section;
        if (o.Schema != 1)
        {
            p.Add(new($"{S}:Schema", $"schema {o.Schema} is not supported by this agent (expected 1)"));
        }

        if (!IdPattern().IsMatch(o.Site))
        {
            p.Add(new($"{S}:Site", "required; letters, digits, '-' and '_' only (it becomes an MQTT topic level)"));
        }

        if (!IdPattern().IsMatch(o.Agent))
        {
            p.Add(new($"{S}:Agent", "required; letters, digits, '-' and '_' only"));
        }

        if (string.IsNullOrWhiteSpace(o.DataDirectory))
        {
            p.Add(new($"{S}:DataDirectory", "required"));
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Devices.Count; i++)
        {
            var d = o.Devices[i];
            var k = $"{S}:Devices:{i}";
            if (!IdPattern().IsMatch(d.Id))
            {
                p.Add(new($"{k}:Id", "required; letters, digits, '-' and '_' only"));
            }
            else if (!ids.Add(d.Id))
            {
                p.Add(new($"{k}:Id", $"duplicate device id '{d.Id}'"));
            }

            if (!Kinds.Contains(d.Kind))
            {
                p.Add(new($"{k}:Kind", $"'{d.Kind}' is not one of {string.Join(", ", Kinds)}"));
            }

            var input = inputs.Find(d.Input);
            if (input is null)
            {
                p.Add(new($"{k}:Input", $"'{d.Input}' is not one of {string.Join(", ", inputs.Names)}"));
            }

            if (DeviceEndpoint.TryParse(d.Endpoint, out _, out var endpointError) is false)
            {
                p.Add(new($"{k}:Endpoint", endpointError!));
            }

            if (input is not null)
            {
                p.AddRange(input.Validate(d, k));
            }

            if (d.UnitId > 247)
            {
                p.Add(new($"{k}:UnitId", $"{d.UnitId} is reserved; Modbus unit ids are 0-247"));
            }

            Positive(p, $"{k}:PollInterval", d.PollInterval);
            Positive(p, $"{k}:SlowPollInterval", d.SlowPollInterval);
            Positive(p, $"{k}:Timeout", d.Timeout);
            if (d.Timeout >= d.PollInterval && d.PollInterval > TimeSpan.Zero)
            {
                p.Add(new($"{k}:Timeout", $"{d.Timeout} must be shorter than PollInterval {d.PollInterval}"));
            }

            if (d.Retries is < 0 or > 10)
            {
                p.Add(new($"{k}:Retries", $"{d.Retries} is outside 0-10"));
            }

            if (d.Serial.BaudRate is < 50 or > 4_000_000)
            {
                p.Add(new($"{k}:Serial:BaudRate", $"{d.Serial.BaudRate} is outside 50-4000000"));
            }

            if (d.Serial.DataBits is < 5 or > 8)
            {
                p.Add(new($"{k}:Serial:DataBits", $"{d.Serial.DataBits} is outside 5-8"));
            }

            if (!Parities.Contains(d.Serial.Parity))
            {
                p.Add(new($"{k}:Serial:Parity", $"'{d.Serial.Parity}' is not one of {string.Join(", ", Parities)}"));
            }

            if (d.Serial.StopBits is not (1 or 2))
            {
                p.Add(new($"{k}:Serial:StopBits", $"{d.Serial.StopBits} must be 1 or 2"));
            }

            if (d.Workarounds.MaxRegistersPerRequest is { } max && max is < 1 or > 125)
            {
                p.Add(new($"{k}:Workarounds:MaxRegistersPerRequest", $"{max} is outside 1-125"));
            }

            if (d.Workarounds.MaxGap is < 0 or > 124)
            {
                p.Add(new($"{k}:Workarounds:MaxGap", $"{d.Workarounds.MaxGap} is outside 0-124"));
            }
        }

        var kinds = o.Devices.Where(d => d.Id.Length > 0).GroupBy(d => d.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Kind, StringComparer.Ordinal);
        for (var i = 0; i < o.Topology.Ats.Count; i++)
        {
            var a = o.Topology.Ats[i];
            var k = $"{S}:Topology:Ats:{i}";
            RefersTo(p, kinds, $"{k}:Id", a.Id, "ats");
            if (a.Generator is not null)
            {
                RefersTo(p, kinds, $"{k}:Generator", a.Generator, "generator");
            }

            if (a.UtilityMeter is not null)
            {
                RefersTo(p, kinds, $"{k}:UtilityMeter", a.UtilityMeter, "meter");
            }

            for (var j = 0; j < a.Feeds.Count; j++)
            {
                RefersTo(p, kinds, $"{k}:Feeds:{j}", a.Feeds[j], "ups");
            }
        }

        for (var i = 0; i < o.Topology.Ups.Count; i++)
        {
            var u = o.Topology.Ups[i];
            var k = $"{S}:Topology:Ups:{i}";
            RefersTo(p, kinds, $"{k}:Id", u.Id, "ups");
            for (var j = 0; j < u.Pdus.Count; j++)
            {
                RefersTo(p, kinds, $"{k}:Pdus:{j}", u.Pdus[j], "pdu");
            }
        }

        if (o.Status.Enabled && !Uri.TryCreate(o.Status.Url, UriKind.Absolute, out _))
        {
            p.Add(new($"{S}:Status:Url", $"'{o.Status.Url}' is not an absolute URL"));
        }

        p.AddRange(Outputs.Mqtt.MqttServices.Validate(o.Mqtt, $"{S}:Mqtt").Select(x => new ConfigProblem(x.Key, x.Reason)));

        return p;
    }

    private static void RefersTo(List<ConfigProblem> p, Dictionary<string, string> kinds, string key, string id, string kind)
    {
        if (!kinds.TryGetValue(id, out var actual))
        {
            p.Add(new(key, $"no device with id '{id}'"));
        }
        else if (actual != kind)
        {
            p.Add(new(key, $"device '{id}' is a {actual}, expected a {kind}"));
        }
    }

    private static void Positive(List<ConfigProblem> p, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            p.Add(new(key, $"{value} must be positive"));
        }
    }

    /// <summary>
    /// Walks the raw configuration against the options types: unknown keys (typos) and values that do not
    /// convert to the property's type are reported with their full key path.
    /// </summary>
    private static void CheckShape(IConfigurationSection section, Type type, List<ConfigProblem> problems, IReadOnlyDictionary<string, Type>? shared = null)
    {
        var props = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(pi => pi.CanWrite)
            .ToDictionary(pi => pi.Name, pi => pi.PropertyType, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, t) in shared ?? new Dictionary<string, Type>())
        {
            props.TryAdd(key, t);
        }

        foreach (var child in section.GetChildren())
        {
            if (!props.TryGetValue(child.Key, out var propertyType))
            {
                problems.Add(new ConfigProblem(child.Path, $"unknown key (known keys: {string.Join(", ", props.Keys.Order(StringComparer.Ordinal))})"));
                continue;
            }

            CheckValue(child, propertyType, problems);
        }
    }

    /// <summary>
    /// Sections under <c>PowerWatch</c> that other verbs read from the same file (the ingest service shares the
    /// agent's configuration file): checked for shape, not bound by the agent.
    /// </summary>
    private static readonly Dictionary<string, Type> SharedSections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Ingest"] = typeof(IngestOptions),
    };

    /// <summary>The value type of a string-keyed dictionary, or the element type of a list/array/set; null otherwise.</summary>
    private static (Type? Element, bool IsMap) ContainerOf(Type t)
    {
        if (t.IsArray)
        {
            return (t.GetElementType(), false);
        }

        if (!t.IsGenericType)
        {
            return (null, false);
        }

        var definition = t.GetGenericTypeDefinition();
        var args = t.GetGenericArguments();
        if (args.Length == 2 && args[0] == typeof(string)
            && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)))
        {
            return (args[1], true);
        }

        if (args.Length == 1
            && (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(ICollection<>)
                || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>)
                || definition == typeof(HashSet<>) || definition == typeof(ISet<>)))
        {
            return (args[0], false);
        }

        return (null, false);
    }

    private static void CheckValue(IConfigurationSection child, Type t, List<ConfigProblem> problems)
    {
        var underlying = Nullable.GetUnderlyingType(t) ?? t;
        var (element, isMap) = ContainerOf(underlying);
        if (element is not null)
        {
            if (child.Value is { Length: > 0 })
            {
                problems.Add(new ConfigProblem(child.Path, isMap ? "expected an object of named entries, found a value" : "expected a list, found a value"));
                return;
            }

            foreach (var item in child.GetChildren())
            {
                CheckValue(item, element, problems);
            }

            return;
        }

        if (underlying.IsEnum)
        {
            if (child.Value is { } text && !Enum.TryParse(underlying, text, ignoreCase: true, out _))
            {
                problems.Add(new ConfigProblem(child.Path, $"'{text}' is not one of {string.Join(", ", Enum.GetNames(underlying))}"));
            }

            return;
        }

        if (underlying == typeof(string))
        {
            return;
        }

        if (underlying == typeof(Uri))
        {
            if (child.Value is { } uri && !Uri.TryCreate(uri, UriKind.RelativeOrAbsolute, out _))
            {
                problems.Add(new ConfigProblem(child.Path, $"'{uri}' is not a valid URL"));
            }
            else if (child.Value is null && child.GetChildren().Any())
            {
                problems.Add(new ConfigProblem(child.Path, "expected a URL, found an object"));
            }

            return;
        }

        if (underlying.IsClass)
        {
            if (child.Value is { Length: > 0 })
            {
                problems.Add(new ConfigProblem(child.Path, "expected an object, found a value"));
                return;
            }

            CheckShape(child, underlying, problems);
            return;
        }

        var value = child.Value;
        if (value is null)
        {
            if (child.GetChildren().Any())
            {
                problems.Add(new ConfigProblem(child.Path, $"expected a {Describe(underlying)}, found an object"));
            }

            return;
        }

        var ok = underlying switch
        {
            _ when underlying == typeof(TimeSpan) => TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _),
            _ when underlying == typeof(int) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            _ when underlying == typeof(byte) => byte.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            _ when underlying == typeof(double) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            _ when underlying == typeof(bool) => bool.TryParse(value, out _),
            _ => true,
        };
        if (!ok)
        {
            problems.Add(new ConfigProblem(child.Path, $"'{value}' is not a valid {Describe(underlying)}"));
        }
    }

    private static string Describe(Type t) =>
        t == typeof(TimeSpan) ? "duration (hh:mm:ss, e.g. 00:00:01)"
        : t == typeof(byte) ? "number 0-255"
        : t == typeof(int) ? "integer"
        : t == typeof(bool) ? "boolean (true/false)"
        : t.Name;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex IdPattern();
}

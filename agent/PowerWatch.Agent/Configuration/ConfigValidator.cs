using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace PowerWatch.Agent.Configuration;

/// <summary>
/// One configuration problem: the exact key path (as in <c>PowerWatch:Devices:2:Endpoint</c>, what the configuration
/// providers and environment overrides use) and why. Printed with <see cref="Where"/>, which names devices by id.
/// </summary>
internal sealed record ConfigProblem(string Key, string Reason)
{
    /// <summary>
    /// The key as a person reads it: <c>Devices[ups-a].UnitId</c> (by device id, without the <c>PowerWatch</c>
    /// section), <c>Topology.Ups[0].Pdus[1]</c>; a device without a usable or unique id is named by its index.
    /// </summary>
    public string Where(AgentOptions? options)
    {
        if (Key.StartsWith('(') || Key.StartsWith("line ", StringComparison.Ordinal))
        {
            return Key;
        }

        var parts = Key.Split(':');
        var start = parts.Length > 1 && parts[0].Equals(AgentOptions.Section, StringComparison.OrdinalIgnoreCase) ? 1 : 0;
        var text = new StringBuilder();
        for (var i = start; i < parts.Length; i++)
        {
            var part = parts[i];
            if (i > start && part.Length > 0 && part.All(char.IsAsciiDigit))
            {
                var name = part;
                if (options is not null && i == start + 1 && parts[start].Equals("Devices", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < options.Devices.Count)
                {
                    var id = options.Devices[index].Id;
                    if (id.Length > 0 && options.Devices.Count(d => string.Equals(d.Id, id, StringComparison.Ordinal)) == 1)
                    {
                        name = id;
                    }
                }

                text.Append('[').Append(name).Append(']');
                continue;
            }

            if (text.Length > 0)
            {
                text.Append('.');
            }

            text.Append(part);
        }

        return text.ToString();
    }

    /// <summary>The problem as printed: <c>Devices[ups-a].UnitId: reason</c>.</summary>
    public string ToString(AgentOptions? options) => $"{Where(options)}: {Reason}";

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

    /// <summary>
    /// Binds and validates; returns the options (possibly partial) and the problems found, one per root cause: a value
    /// that does not convert is reported once and left at its default, and the rules that read it (or a key that a
    /// typo probably meant) are not applied to that default.
    /// </summary>
    public static (AgentOptions Options, IReadOnlyList<ConfigProblem> Problems) BindAndValidate(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<ConfigProblem>();
        var suspect = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var section = configuration.GetSection(AgentOptions.Section);
        CheckShape(section, typeof(AgentOptions), problems, suspect, ConfigShapes.SharedSections);

        // Bind only what converts: the binder would otherwise stop at the first bad value.
        var convertible = section.AsEnumerable()
            .Where(kv => kv.Value is not null && !suspect.Any(s => kv.Key.Equals(s, StringComparison.OrdinalIgnoreCase) || kv.Key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase)));
        var options = new AgentOptions();
        try
        {
            new ConfigurationBuilder().AddInMemoryCollection(convertible).Build().GetSection(AgentOptions.Section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            problems.Add(new ConfigProblem(AgentOptions.Section, ex.Message));
            return (options, problems);
        }

        problems.AddRange(Validate(options, Inputs.InputRegistry.BuiltIn, suspect));
        return (options, problems);
    }

    /// <summary>Semantic validation of bound options, against the inputs shipped with the agent.</summary>
    public static IReadOnlyList<ConfigProblem> Validate(AgentOptions o) => Validate(o, Inputs.InputRegistry.BuiltIn);

    /// <summary>Semantic validation of bound options; each device's input adds the checks only it knows.</summary>
    public static IReadOnlyList<ConfigProblem> Validate(AgentOptions o, Inputs.InputRegistry inputs) => Validate(o, inputs, new HashSet<string>());

    /// <summary>
    /// Semantic validation; <paramref name="suspect"/> holds the keys whose configured value did not bind (or that a
    /// reported typo probably meant): their defaults are not judged, nor are the rules that compare them.
    /// </summary>
    private static List<ConfigProblem> Validate(AgentOptions o, Inputs.InputRegistry inputs, HashSet<string> suspect)
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
            if (d.Timeout >= d.PollInterval && d.PollInterval > TimeSpan.Zero && !suspect.Contains($"{k}:Timeout") && !suspect.Contains($"{k}:PollInterval"))
            {
                p.Add(new($"{k}:Timeout", $"{d.Timeout:c} must be shorter than PollInterval {d.PollInterval:c}"));
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

        // A device whose kind is wrong (already reported) is not reported again by every reference to it; when a
        // device's id did not bind, a reference may name it: "no device" would then be a second report.
        var kinds = o.Devices.Where(d => d.Id.Length > 0).GroupBy(d => d.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Kinds.Contains(g.First().Kind) ? g.First().Kind : null, StringComparer.Ordinal);
        var idsComplete = !Enumerable.Range(0, o.Devices.Count).Any(i => suspect.Contains($"{S}:Devices:{i}:Id") || o.Devices[i].Id.Length == 0);
        for (var i = 0; i < o.Topology.Ats.Count; i++)
        {
            var a = o.Topology.Ats[i];
            var k = $"{S}:Topology:Ats:{i}";
            RefersTo(p, kinds, idsComplete, $"{k}:Id", a.Id, "ats");
            if (a.Generator is not null)
            {
                RefersTo(p, kinds, idsComplete, $"{k}:Generator", a.Generator, "generator");
            }

            if (a.UtilityMeter is not null)
            {
                RefersTo(p, kinds, idsComplete, $"{k}:UtilityMeter", a.UtilityMeter, "meter");
            }

            for (var j = 0; j < a.Feeds.Count; j++)
            {
                RefersTo(p, kinds, idsComplete, $"{k}:Feeds:{j}", a.Feeds[j], "ups");
            }
        }

        for (var i = 0; i < o.Topology.Ups.Count; i++)
        {
            var u = o.Topology.Ups[i];
            var k = $"{S}:Topology:Ups:{i}";
            RefersTo(p, kinds, idsComplete, $"{k}:Id", u.Id, "ups");
            for (var j = 0; j < u.Pdus.Count; j++)
            {
                RefersTo(p, kinds, idsComplete, $"{k}:Pdus:{j}", u.Pdus[j], "pdu");
            }
        }

        if (o.Status.Enabled && StatusUrlProblem(o.Status.Url) is { } urlProblem)
        {
            p.Add(new($"{S}:Status:Url", urlProblem));
        }
        else
        {
            p.AddRange(Status.StatusSecurity.Validate(o.Status, $"{S}:Status"));
        }

        p.AddRange(Outputs.Mqtt.MqttServices.Validate(o.Mqtt, $"{S}:Mqtt").Select(x => new ConfigProblem(x.Key, x.Reason)));

        // A key whose value did not bind holds a default: judging it would report the same root cause twice.
        p.RemoveAll(x => suspect.Contains(x.Key));
        return p;
    }

    private static void RefersTo(List<ConfigProblem> p, Dictionary<string, string?> kinds, bool idsComplete, string key, string id, string kind)
    {
        if (!kinds.TryGetValue(id, out var actual))
        {
            if (idsComplete)
            {
                var known = kinds.Where(x => x.Value == kind).Select(x => x.Key).Order(StringComparer.Ordinal).ToList();
                p.Add(new(key, $"no device with id '{id}' (ids are case-sensitive; {(known.Count == 0 ? $"no {kind} is configured" : $"{kind} devices: {string.Join(", ", known)}")})"));
            }
        }
        else if (actual is not null && actual != kind)
        {
            p.Add(new(key, $"device '{id}' is a {actual}, expected a {kind}"));
        }
    }

    /// <summary>Why a status address is unusable, or null: the port's range, the scheme, or an example of the form.</summary>
    internal static string? StatusUrlProblem(string url)
    {
        if (PortProblem(url, lowest: 0) is { } port)
        {
            return $"'{url}': {port}";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"'{url}' is not an http:// URL (e.g. http://127.0.0.1:8480; port 0 picks a free port)";
        }

        return null;
    }

    /// <summary>"port N must be 1-65535" when <paramref name="address"/> (scheme://host:port…) names a port outside the range.</summary>
    internal static string? PortProblem(string address, int lowest = 1)
    {
        var m = PortPattern().Match(address);
        return m.Success && (!int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < lowest || port > 65535)
            ? $"port {m.Groups[1].Value} must be {lowest.ToString(CultureInfo.InvariantCulture)}-65535"
            : null;
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
    private static void CheckShape(IConfigurationSection section, Type type, List<ConfigProblem> problems, HashSet<string> suspect, IReadOnlyDictionary<string, Type>? shared = null)
    {
        // The options types' properties as listed for trimming (ConfigShapes), so every build knows the same keys.
        var props = new Dictionary<string, Type>(ConfigShapes.PropertiesOf(type), StringComparer.OrdinalIgnoreCase);
        foreach (var (key, t) in shared ?? new Dictionary<string, Type>())
        {
            props.TryAdd(key, t);
        }

        foreach (var child in section.GetChildren())
        {
            if (!props.TryGetValue(child.Key, out var propertyType))
            {
                var meant = props.Keys.Where(known => Distance(known.ToUpperInvariant(), child.Key.ToUpperInvariant()) <= 2)
                    .OrderBy(known => Distance(known.ToUpperInvariant(), child.Key.ToUpperInvariant())).ThenBy(known => known, StringComparer.Ordinal).FirstOrDefault();
                if (meant is null)
                {
                    problems.Add(new ConfigProblem(child.Path, $"unknown key '{child.Key}' (known keys: {string.Join(", ", props.Keys.Order(StringComparer.Ordinal))})"));
                    continue;
                }

                problems.Add(new ConfigProblem(child.Path, $"unknown key '{child.Key}'; did you mean '{meant}'?"));
                if (section.GetSection(meant).Value is null && !section.GetSection(meant).GetChildren().Any())
                {
                    // The key the typo meant holds its default, not what the file says: rules comparing it would mislead.
                    suspect.Add($"{section.Path}:{meant}");
                }

                continue;
            }

            CheckValue(child, propertyType, problems, suspect, Example(type, child.Key));
        }
    }

    /// <summary>
    /// Examples for keys whose default is no example (0 meaning "the protocol's default", unset, or a threshold whose
    /// sensible value depends on the metric), by <c>OptionsType.Property</c>.
    /// </summary>
    private static readonly Dictionary<string, string> ExampleOverrides = new(StringComparer.OrdinalIgnoreCase)
    {
        ["MqttOptions.Port"] = "1883",
        ["WorkaroundOptions.MaxRegistersPerRequest"] = "60",
        ["AlertRule.Level"] = "90 (in the unit of the rule's metric, e.g. % for ups.load)",
        ["AlertRule.Clear"] = "85 (in the unit of the rule's metric, on the safe side of Level)",
        ["AlertRule.CriticalLevel"] = "95 (in the unit of the rule's metric)",
        ["MegatecQ1Options.BatteryPacks"] = "1",
    };

    /// <summary>
    /// A sensible example value for one numeric key: the override above, else the key's own default (a freshly
    /// constructed options object, as docs/configuration.md lists it) when that is not 0; null to use the type's.
    /// </summary>
    internal static string? Example(Type owner, string key) =>
        ExampleOverrides.TryGetValue($"{owner.Name}.{key}", out var example) ? example : ConfigShapes.NumericDefault(owner, key);

    private static void CheckValue(IConfigurationSection child, Type t, List<ConfigProblem> problems, HashSet<string> suspect, string? example = null)
    {
        var before = problems.Count;
        CheckConversion(child, t, problems, suspect, example);
        if (problems.Skip(before).Any(x => string.Equals(x.Key, child.Path, StringComparison.Ordinal)))
        {
            // This value itself did not convert (not merely something inside it).
            suspect.Add(child.Path);
        }
    }

    private static void CheckConversion(IConfigurationSection child, Type t, List<ConfigProblem> problems, HashSet<string> suspect, string? example)
    {
        var underlying = Nullable.GetUnderlyingType(t) ?? t;
        var (element, isMap) = ConfigShapes.ContainerOf(underlying);
        if (element is not null)
        {
            if (child.Value is { Length: > 0 })
            {
                problems.Add(new ConfigProblem(child.Path, isMap ? "expected an object of named entries, found a value" : "expected a list, found a value"));
                return;
            }

            foreach (var item in child.GetChildren())
            {
                CheckValue(item, element, problems, suspect);
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
            if (child.Value is null && child.GetChildren().Any())
            {
                // e.g. "Password": { "Value": "…" } binds nothing: the setting would silently be unset. The value is not echoed.
                problems.Add(new ConfigProblem(child.Path, "expected a text value, found an object or a list"));
            }

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

            CheckShape(child, underlying, problems, suspect);
            return;
        }

        var value = child.Value;
        if (value is null)
        {
            if (child.GetChildren().Any())
            {
                problems.Add(new ConfigProblem(child.Path, $"expected a {Describe(underlying, example)}, found an object"));
            }

            return;
        }

        if ((underlying == typeof(int) || underlying == typeof(byte)) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole)
            && (underlying == typeof(byte) ? whole is < 0 or > 255 : whole is < int.MinValue or > int.MaxValue))
        {
            problems.Add(new ConfigProblem(child.Path, $"{value} is out of range: expected a {Describe(underlying, example)}"));
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
            problems.Add(new ConfigProblem(child.Path, $"'{value}' is not a {Describe(underlying, example)}"));
        }
    }

    /// <summary>What a value of type <paramref name="t"/> looks like, with the key's own <paramref name="example"/> when it has one.</summary>
    private static string Describe(Type t, string? example = null) =>
        t == typeof(TimeSpan) ? "duration: hh:mm:ss, e.g. 00:00:05 (5 s) or 00:00:00.250 (250 ms)"
        : t == typeof(byte) ? $"whole number 0-255, e.g. {example ?? "1"}"
        : t == typeof(int) ? $"whole number, e.g. {example ?? "3"}"
        : t == typeof(double) ? $"number, e.g. {example ?? "0.5"}"
        : t == typeof(bool) ? "boolean: true or false"
        : t.Name;

    /// <summary>Levenshtein distance, for "did you mean": a typo is one or two edits from the key it meant.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*://(?:\[[^\]]*\]|[^/:?#\[]*):([0-9]+)(?:[/?#]|$)")]
    private static partial Regex PortPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex IdPattern();
}

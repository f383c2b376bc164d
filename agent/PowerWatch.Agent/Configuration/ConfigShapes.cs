using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace PowerWatch.Agent.Configuration;

/// <summary>
/// The options types the configuration validator walks, each with its settable public properties (the keys it
/// accepts). Every type is named here with <see cref="DynamicallyAccessedMembersAttribute"/> so a trimmed or Native
/// AOT build keeps those properties for reflection: the validator knows the same keys in every build. A type reached
/// from <see cref="AgentOptions"/> or a shared section but missing here is a programming error (thrown, and caught by
/// the test comparing <see cref="KnownKeys"/> with the options types).
/// </summary>
internal static class ConfigShapes
{
    // Filled by Build (declared first: field initialisers run in order).
    private static readonly Dictionary<Type, IReadOnlyDictionary<string, string>> NumericDefaults = [];

    private static readonly Dictionary<Type, IReadOnlyDictionary<string, Type>> Shapes = Build();

    /// <summary>
    /// Sections under <c>PowerWatch</c> that other verbs read from the same file (the ingest service shares the
    /// agent's configuration file): checked for shape, not bound by the agent.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, Type> SharedSections = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
    {
        ["Ingest"] = typeof(IngestOptions),
    };

    private static Dictionary<Type, IReadOnlyDictionary<string, Type>> Build()
    {
        var shapes = new Dictionary<Type, IReadOnlyDictionary<string, Type>>();
        Add<AgentOptions>(shapes);
        Add<DeviceOptions>(shapes);
        Add<SerialLineOptions>(shapes);
        Add<WorkaroundOptions>(shapes);
        Add<Inputs.MegatecQ1.MegatecQ1Options>(shapes);
        Add<Inputs.Snmp.SnmpInputOptions>(shapes);
        Add<Inputs.Snmp.SnmpTrapOptions>(shapes);
        Add<TopologyOptions>(shapes);
        Add<AtsLink>(shapes);
        Add<UpsLink>(shapes);
        Add<StatusOptions>(shapes);
        Add<StatusTokenOptions>(shapes);
        Add<AlertOptions>(shapes);
        Add<Core.Alerts.AlertRule>(shapes);
        Add<Core.Alerts.AlertEngineOptions>(shapes);
        Add<Core.Failover.FailoverOptions>(shapes);
        Add<Alerts.Actions.AlertActionOptions>(shapes);
        Add<Alerts.Actions.AlertActionTrigger>(shapes);
        Add<MqttOptions>(shapes);
        Add<MqttTlsSettings>(shapes);
        Add<MqttOutboxSettings>(shapes);
        Add<IngestOptions>(shapes);
        Add<IngestInfluxOptions>(shapes);
        return shapes;
    }

    private static void Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(
        Dictionary<Type, IReadOnlyDictionary<string, Type>> shapes)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(pi => pi.CanWrite).ToList();
        shapes.Add(typeof(T), properties.ToDictionary(pi => pi.Name, pi => pi.PropertyType, StringComparer.OrdinalIgnoreCase));

        // The non-zero numeric defaults of a freshly constructed T (what docs/configuration.md lists): the examples of
        // the "is not a whole number, e.g. 9600" errors.
        var defaults = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (typeof(T).GetConstructor(Type.EmptyTypes) is not null && Activator.CreateInstance<T>() is { } fresh)
        {
            foreach (var pi in properties)
            {
                switch (pi.GetValue(fresh))
                {
                    case int i when i != 0:
                        defaults[pi.Name] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    case double d when d != 0 && double.IsFinite(d):
                        defaults[pi.Name] = d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                        break;
                }
            }
        }

        NumericDefaults.Add(typeof(T), defaults);
    }

    /// <summary>The non-zero default of a numeric key of an options type, as text; null when it has none.</summary>
    public static string? NumericDefault(Type type, string key) =>
        NumericDefaults.TryGetValue(type, out var d) && d.TryGetValue(key, out var value) ? value : null;

    /// <summary>The options types walked (for tests and documentation).</summary>
    public static IEnumerable<Type> Types => Shapes.Keys;

    /// <summary>The settable public properties of an options type, by name (case-insensitive, as configuration keys are).</summary>
    /// <exception cref="InvalidOperationException">The type is not one of the options types named here.</exception>
    public static IReadOnlyDictionary<string, Type> PropertiesOf(Type type) =>
        Shapes.TryGetValue(type, out var properties)
            ? properties
            : throw new InvalidOperationException($"options type {type.FullName} is not listed in {nameof(ConfigShapes)}: its keys would be unknown in a trimmed build");

    /// <summary>The value type of a string-keyed dictionary, or the element type of a list/array/set; null otherwise.</summary>
    public static (Type? Element, bool IsMap) ContainerOf(Type t)
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

    /// <summary>Whether the validator walks into values of this type as an object of keys (not a string, URL or container).</summary>
    public static bool IsObject(Type t)
    {
        var underlying = Nullable.GetUnderlyingType(t) ?? t;
        return underlying.IsClass && underlying != typeof(string) && underlying != typeof(Uri) && ContainerOf(underlying).Element is null;
    }

    /// <summary>
    /// Every key the validator accepts under <c>PowerWatch</c>, as paths with their value types, sorted by path:
    /// <c>Devices:*:Serial:BaudRate</c> (a list index or map entry is <c>*</c>); objects and containers appear as their
    /// own path too.
    /// </summary>
    public static IReadOnlyList<(string Path, Type Type)> KnownKeys()
    {
        var keys = new List<(string Path, Type Type)>();
        var root = PropertiesOf(typeof(AgentOptions));
        foreach (var (name, type) in root.Concat(SharedSections.Where(s => !root.ContainsKey(s.Key))))
        {
            Walk(name, type, keys);
        }

        keys.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return keys;
    }

    private static void Walk(string path, Type type, List<(string Path, Type Type)> keys)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        keys.Add((path, underlying));
        if (ContainerOf(underlying) is { Element: { } element })
        {
            Walk(path + ":*", element, keys);
        }
        else if (IsObject(underlying))
        {
            foreach (var (name, propertyType) in PropertiesOf(underlying))
            {
                Walk(path + ":" + name, propertyType, keys);
            }
        }
    }
}

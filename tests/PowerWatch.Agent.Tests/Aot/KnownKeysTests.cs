using System.Reflection;
using PowerWatch.Agent.Configuration;

namespace PowerWatch.Agent.Tests.Aot;

/// <summary>
/// The configuration validator knows its keys from the options types listed for trimming (<see cref="ConfigShapes"/>),
/// so a trimmed or Native AOT build knows the same keys as the JIT build. These tests walk the options types with
/// plain reflection (what the JIT validator did before) and demand the same tree: a new options class that is not
/// listed, or a property the walk would not see, fails here instead of becoming an "unknown key" in the AOT agent.
/// </summary>
public sealed class KnownKeysTests
{
    /// <summary>The sections the agent's file holds under <c>PowerWatch</c>: the agent's own options and the ingest section.</summary>
    private static IEnumerable<(string Name, Type Type)> Roots() =>
        Settable(typeof(AgentOptions)).Append(("Ingest", typeof(IngestOptions)));

    private static IEnumerable<(string Name, Type Type)> Settable(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => (p.Name, p.PropertyType));

    /// <summary>
    /// Every configuration path the options types define, by unrestricted reflection: any IDictionary/IReadOnlyDictionary
    /// keyed by string is a map, any other IEnumerable a list, any other class an object of its settable properties.
    /// </summary>
    private static List<(string Path, Type Type)> ReflectedTree(HashSet<Type> objects)
    {
        var keys = new List<(string Path, Type Type)>();
        foreach (var (name, type) in Roots())
        {
            Walk(name, type, keys, objects);
        }

        keys.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return keys;
    }

    private static void Walk(string path, Type type, List<(string Path, Type Type)> keys, HashSet<Type> objects)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        keys.Add((path, t));
        if (t.IsValueType || t == typeof(string) || t == typeof(Uri))
        {
            return;
        }

        var interfaces = t.GetInterfaces().Append(t).Where(i => i.IsGenericType).ToList();
        var map = interfaces.FirstOrDefault(i => (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
            && i.GetGenericArguments()[0] == typeof(string));
        var list = interfaces.FirstOrDefault(i => i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        if (map is not null)
        {
            Walk(path + ":*", map.GetGenericArguments()[1], keys, objects);
        }
        else if (list is not null)
        {
            Walk(path + ":*", list.GetGenericArguments()[0], keys, objects);
        }
        else
        {
            objects.Add(t);
            foreach (var (name, propertyType) in Settable(t))
            {
                Walk(path + ":" + name, propertyType, keys, objects);
            }
        }
    }

    private static string Show(IEnumerable<(string Path, Type Type)> keys) => string.Join("\n", keys.Select(k => $"{k.Path} ({k.Type.Name})"));

    [Fact]
    public void Validator_knows_every_settable_property_of_the_options_types_and_nothing_else()
    {
        var expected = ReflectedTree([]);
        var known = ConfigShapes.KnownKeys();

        var missing = expected.Except(known).ToList();
        var extra = known.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"keys the options types define but the validator does not know (list their types in ConfigShapes):\n{Show(missing)}\n" +
            $"keys the validator knows that the options types do not define:\n{Show(extra)}");
        Assert.Equal(expected, known);

        // The walk reaches the deep corners, not only the top level.
        foreach (var path in new[] { "Devices:*:Serial:BaudRate", "Devices:*:MegatecQ1:RuntimeCal", "Alerts:Rules:*:Metric", "Alerts:Actions:*:Headers:*",
                     "Alerts:AllowedCommands:*:*", "Alerts:Failover:StartDeadline", "Mqtt:Tls:CaFile", "Mqtt:Outbox:MaxBytes", "Ingest:Influx:Url", "Topology:Ats:*:Feeds:*" })
        {
            Assert.Contains(path, known.Select(k => k.Path));
        }
    }

    [Fact]
    public void Every_options_type_listed_for_trimming_is_reached_from_the_configuration_root()
    {
        var objects = new HashSet<Type> { typeof(AgentOptions) };
        ReflectedTree(objects);

        Assert.Equal(objects.Select(t => t.FullName).Order(StringComparer.Ordinal), ConfigShapes.Types.Select(t => t.FullName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_options_type_not_listed_for_trimming_is_refused_rather_than_treated_as_having_no_keys()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ConfigShapes.PropertiesOf(typeof(DeviceEndpoint)));
        Assert.Contains(nameof(DeviceEndpoint), ex.Message, StringComparison.Ordinal);
    }
}

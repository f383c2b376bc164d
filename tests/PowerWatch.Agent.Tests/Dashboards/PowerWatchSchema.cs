using PowerWatch.Core;

namespace PowerWatch.Agent.Tests.Dashboards;

/// <summary>The value type of an InfluxDB field as the ingest writes it.</summary>
public enum InfluxFieldType
{
    Numeric,
    Boolean,
    Text,
}

/// <summary>
/// The InfluxDB schema the ingest writes (DESIGN "Ingest"): measurement = device kind, plus <c>alerts</c> and
/// <c>failover</c>; fields of device measurements and of <c>failover</c> are catalogue metric names (the failover
/// ones in the catalogue's Failover group).
/// </summary>
public static class PowerWatchSchema
{
    public static IReadOnlyList<string> DeviceKinds { get; } = ["ups", "generator", "ats", "pdu", "meter"];

    /// <summary>Fields of the <c>alerts</c> measurement (tags site, device, rule, severity).</summary>
    public static IReadOnlyDictionary<string, InfluxFieldType> AlertFields { get; } = new Dictionary<string, InfluxFieldType>(StringComparer.Ordinal)
    {
        ["state"] = InfluxFieldType.Text,
        ["level"] = InfluxFieldType.Text,
        ["message"] = InfluxFieldType.Text,
        ["value"] = InfluxFieldType.Numeric,
    };

    /// <summary>Tags every measurement carries; dashboards may filter and group by them.</summary>
    public static IReadOnlyList<string> Tags { get; } = ["site", "device", "model", "rule", "severity", "ats", "generator"];

    /// <summary>The type of a field in a measurement, or null when the schema has no such field there.</summary>
    public static InfluxFieldType? FieldType(string measurement, string field)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        if (measurement == "alerts")
        {
            return AlertFields.TryGetValue(field, out var t) ? t : null;
        }

        // Failover fields are catalogue entries of the Failover group; device measurements take every other group.
        if (!MetricCatalog.TryFind(field, out var definition)
            || (measurement == "failover") != (definition.Group == MetricGroup.Failover)
            || (measurement != "failover" && !DeviceKinds.Contains(measurement)))
        {
            return null;
        }

        return definition.Kind switch
        {
            MetricKind.Number => InfluxFieldType.Numeric,
            MetricKind.Boolean => InfluxFieldType.Boolean,
            _ => InfluxFieldType.Text,
        };
    }

    /// <summary>A plausible value of the field's type, in line protocol (strings quoted).</summary>
    public static string SampleValue(string field, InfluxFieldType type)
    {
        if (type == InfluxFieldType.Numeric)
        {
            return "42.5";
        }

        if (type == InfluxFieldType.Boolean)
        {
            return "true";
        }

        var text = field switch
        {
            "ups.status" => "OL CHRG",
            "state" => "active",
            "failover.phase" => "normal",
            _ when MetricCatalog.TryFind(field, out var d) && !d.Values.IsEmpty => d.Values[0],
            _ => "sample",
        };
        return "\"" + text + "\"";
    }

    /// <summary>
    /// Concrete field names that a regex selector should match when written: instances of catalogue patterns
    /// (<c>{n}</c> → 1 and 2) and exact catalogue names.
    /// </summary>
    public static IEnumerable<string> ConcreteCatalogNames()
    {
        foreach (var d in MetricCatalog.All)
        {
            if (!d.IsPattern)
            {
                yield return d.Name;
                continue;
            }

            foreach (var n in new[] { "1", "2" })
            {
                yield return d.Name.Replace("{n}", n, StringComparison.Ordinal).Replace("{name}", "sample" + n, StringComparison.Ordinal);
            }
        }
    }
}

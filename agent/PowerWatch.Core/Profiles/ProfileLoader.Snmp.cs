using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;

namespace PowerWatch.Core.Profiles;

public static partial class ProfileLoader
{
    /// <summary>
    /// The SNMP part of a profile (<c>"protocol": "snmp"</c>): scalar objects (<c>$.oids</c>) and tables
    /// (<c>$.tables</c>), each value with its metric, type, scale, enum, status tokens, sentinels and fallbacks.
    /// </summary>
    private sealed partial class Builder
    {
        private SnmpProfileMap BuildSnmp(ProfileDto dto, PollClass defaultClass)
        {
            if (dto.Registers is not null)
            {
                Problem("$.registers", "an SNMP profile has no registers (map values under $.oids and $.tables)");
            }

            if (dto.Commands is not null)
            {
                Problem("$.commands", "commands are not supported in an SNMP profile");
            }

            if (dto.Workarounds is not null)
            {
                Problem("$.workarounds", "Modbus workarounds do not apply to an SNMP profile (timeouts, retries and max repetitions are in the device's Snmp options)");
            }

            if (dto.Defaults is { } d && (d.UnitId is not null || d.Table is not null || d.WordOrder is not null))
            {
                Problem("$.defaults", "only defaults.class applies to an SNMP profile (unitId, table and wordOrder are Modbus fields)");
            }

            if ((dto.Oids is null || dto.Oids.Count == 0) && (dto.Tables is null || dto.Tables.Count == 0))
            {
                Problem("$.oids", "missing field (an SNMP profile needs at least one object under $.oids or one table under $.tables)");
            }

            var objects = ImmutableArray.CreateBuilder<SnmpObjectDefinition>();
            for (var i = 0; i < (dto.Oids?.Count ?? 0); i++)
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"$.oids[{i}]");
                if (dto.Oids![i] is not { } o)
                {
                    Problem(path, "object entry is null");
                }
                else if (BuildSnmpObject(o, path, defaultClass, table: null) is { } built)
                {
                    objects.Add(built);
                }
            }

            var tables = ImmutableArray.CreateBuilder<SnmpTableDefinition>();
            for (var i = 0; i < (dto.Tables?.Count ?? 0); i++)
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"$.tables[{i}]");
                if (dto.Tables![i] is not { } t)
                {
                    Problem(path, "table entry is null");
                }
                else if (BuildSnmpTable(t, path, defaultClass) is { } built)
                {
                    tables.Add(built);
                }
            }

            return new SnmpProfileMap { Objects = objects.ToImmutable(), Tables = tables.ToImmutable() };
        }

        /// <summary>A Modbus profile must not carry SNMP fields.</summary>
        private void CheckNoSnmp(ProfileDto dto)
        {
            if (dto.Oids is not null)
            {
                Problem("$.oids", "oids apply only to a profile with \"protocol\": \"snmp\"");
            }

            if (dto.Tables is not null)
            {
                Problem("$.tables", "tables apply only to a profile with \"protocol\": \"snmp\"");
            }
        }

        private SnmpTableDefinition? BuildSnmpTable(SnmpTableDto t, string path, PollClass defaultClass)
        {
            var before = Problems.Count;
            UnknownFields(path, t.Extra);
            var index = SnmpIndexPattern.OneArc;
            if (t.Index is not null)
            {
                index = SnmpIndexPattern.TryParse(t.Index, out var reason) ?? index;
                if (reason is not null)
                {
                    Problem(path + ".index", reason);
                }
            }

            if (t.NumberFrom is not null)
            {
                CheckOid(t.NumberFrom, path + ".numberFrom");
            }

            var pollClass = ParseEnum(t.Class, path + ".class", ClassNames, required: false) ?? defaultClass;
            var columns = ImmutableArray.CreateBuilder<SnmpObjectDefinition>();
            if (t.Columns is null || t.Columns.Count == 0)
            {
                Problem(path + ".columns", "missing field (a table needs at least one column)");
            }
            else
            {
                for (var i = 0; i < t.Columns.Count; i++)
                {
                    var columnPath = string.Create(CultureInfo.InvariantCulture, $"{path}.columns[{i}]");
                    if (t.Columns[i] is not { } c)
                    {
                        Problem(columnPath, "column entry is null");
                    }
                    else if (BuildSnmpObject(c, columnPath, pollClass, index) is { } built)
                    {
                        columns.Add(built);
                    }
                }
            }

            return Problems.Count > before
                ? null
                : new SnmpTableDefinition { Name = t.Name, Index = index, NumberFrom = t.NumberFrom, Columns = columns.ToImmutable(), Class = pollClass, Path = path };
        }

        /// <summary>One object or column (<paramref name="table"/>: the table's index pattern, null for a scalar object).</summary>
        private SnmpObjectDefinition? BuildSnmpObject(SnmpObjectDto o, string path, PollClass defaultClass, SnmpIndexPattern? table)
        {
            var before = Problems.Count;
            UnknownFields(path, o.Extra);
            var oid = Required(o.Oid, path + ".oid");
            if (oid is not null)
            {
                CheckOid(oid, path + ".oid");
            }

            var type = ParseEnum(o.Type, path + ".type", SnmpTypeNames, required: false) ?? SnmpValueType.Number;
            var scale = ParseScale(o.Scale, path + ".scale") ?? 1;
            var offset = o.Offset ?? 0;
            if (!double.IsFinite(offset))
            {
                Problem(path + ".offset", "offset must be finite");
            }

            if (type == SnmpValueType.Text && (o.Scale is not null || o.Offset is not null))
            {
                Problem(path + ".scale", "scale and offset do not apply to type 'string'");
            }

            var pollClass = ParseEnum(o.Class, path + ".class", ClassNames, required: false) ?? defaultClass;
            var (definition, metrics) = SnmpMetric(o, path, table is not null);
            var unit = definition?.Unit ?? string.Empty;
            if (o.Unit is not null && definition is not null && !string.Equals(o.Unit, definition.Unit, StringComparison.Ordinal))
            {
                Problem(path + ".unit", $"unit '{o.Unit}' does not match the catalogue unit '{definition.Unit}' of metric '{definition.Name}'");
            }

            if (definition is not null)
            {
                CheckSnmpKind(definition, type, o.Enum is not null, path + ".metric");
            }

            FrozenDictionary<long, string>? enumMap = null;
            if (o.Enum is not null)
            {
                enumMap = type == SnmpValueType.Number
                    ? BuildEnum(o.Enum, path + ".enum", RegisterType.Int64, definition)
                    : Fail<FrozenDictionary<long, string>>(path + ".enum", "enum applies only to type 'integer'");
            }

            var status = BuildSnmpStatus(o, path, type, table is not null);
            var sentinels = ImmutableArray<Sentinel>.Empty;
            if (o.Sentinels is not null)
            {
                if (!_sentinelSets.TryGetValue(o.Sentinels, out sentinels))
                {
                    Problem(path + ".sentinels", $"unknown sentinel set '{o.Sentinels}' (define it under $.sentinelSets)");
                    sentinels = [];
                }
                else if (type == SnmpValueType.Text)
                {
                    Problem(path + ".sentinels", "sentinels do not apply to type 'string'");
                }
            }

            var fallbacks = BuildSnmpFallbacks(o.Fallback, path + ".fallback", table is not null);
            SnmpIndexPattern? index = null;
            if (o.Index is not null)
            {
                if (table is null)
                {
                    Problem(path + ".index", "index applies only to a table column (write the instance into the oid of a scalar object)");
                }
                else
                {
                    index = SnmpIndexPattern.TryParse(o.Index, out var reason);
                    if (reason is not null)
                    {
                        Problem(path + ".index", reason);
                    }
                }
            }

            if (o.DigitsFrom is not null)
            {
                if (table is null)
                {
                    Problem(path + ".digitsFrom", "digitsFrom applies only to a table column (a column of the same table holding the decimal digits)");
                }
                else if (type != SnmpValueType.Number)
                {
                    Problem(path + ".digitsFrom", "digitsFrom applies only to type 'integer'");
                }
                else
                {
                    CheckOid(o.DigitsFrom, path + ".digitsFrom");
                }
            }

            if (definition is null && metrics is null && status is null && Problems.Count == before)
            {
                Problem(path + ".metric", table is null ? "missing field (or a status map feeding ups.status)" : "missing field (metric with {n}, or metrics by row number)");
            }

            return Problems.Count > before || oid is null
                ? null
                : new SnmpObjectDefinition
                {
                    Name = o.Name,
                    Metric = o.Metric,
                    Metrics = metrics,
                    Oid = oid,
                    Type = type,
                    Scale = scale,
                    Offset = offset,
                    Unit = unit,
                    Class = pollClass,
                    Enum = enumMap,
                    Status = status,
                    Sentinels = sentinels,
                    Fallbacks = fallbacks,
                    DigitsFrom = o.DigitsFrom,
                    Index = index,
                    Path = path,
                };
        }

        private T? Fail<T>(string path, string reason)
            where T : class
        {
            Problem(path, reason);
            return null;
        }

        /// <summary>The metric (a pattern with {n} in a column) or the row → metric map of a column; both checked against the catalogue.</summary>
        private (MetricDefinition? Definition, FrozenDictionary<int, string>? Metrics) SnmpMetric(SnmpObjectDto o, string path, bool column)
        {
            if (o.Metrics is not null)
            {
                if (!column)
                {
                    Problem(path + ".metrics", "metrics by row number apply only to a table column");
                    return (null, null);
                }

                if (o.Metric is not null)
                {
                    Problem(path + ".metrics", "give either metric (with {n}) or metrics by row number, not both");
                    return (null, null);
                }

                MetricDefinition? first = null;
                var map = new Dictionary<int, string>();
                foreach (var (key, metric) in o.Metrics)
                {
                    var at = $"{path}.metrics['{key}']";
                    if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var row) || row is < 1 or > 9999)
                    {
                        Problem(at, $"row number '{key}' is not a whole number 1–9999");
                    }
                    else if (CheckMetric(metric, at, repeated: false, alarms: false) is { } d)
                    {
                        if (first is not null && (first.Kind != d.Kind || !string.Equals(first.Unit, d.Unit, StringComparison.Ordinal)))
                        {
                            Problem(at, $"metric '{metric}' has another unit or kind than '{first.Name}' (one column, one unit)");
                        }

                        first ??= d;
                        map[row] = metric;
                    }
                }

                return (first, map.ToFrozenDictionary());
            }

            return o.Metric is null ? (null, null) : (CheckMetric(o.Metric, path + ".metric", repeated: column, alarms: false), null);
        }

        private void CheckSnmpKind(MetricDefinition definition, SnmpValueType type, bool mapped, string path)
        {
            var ok = definition.Kind switch
            {
                MetricKind.Number => type is SnmpValueType.DecimalString || (type == SnmpValueType.Number && !mapped),
                MetricKind.Text => type == SnmpValueType.Text || (type == SnmpValueType.Number && mapped),
                MetricKind.Boolean => type == SnmpValueType.Number && mapped,
                _ => false,
            };

            if (!ok)
            {
                var kind = definition.Kind.ToString().ToLowerInvariant();
                var typeName = SnmpTypeNames.First(x => x.Value == type).Key;
                Problem(path, $"metric '{definition.Name}' is a {kind} metric; type '{typeName}'{(mapped ? " with enum" : string.Empty)} cannot produce it{(definition.Kind == MetricKind.Boolean ? " (a boolean needs an enum to \"true\"/\"false\")" : string.Empty)}");
            }
        }

        /// <summary>Raw value → ups.status tokens (space-separated NUT tokens; an empty string adds none).</summary>
        private FrozenDictionary<long, ImmutableArray<string>>? BuildSnmpStatus(SnmpObjectDto o, string path, SnmpValueType type, bool column)
        {
            if (o.Status is null)
            {
                return null;
            }

            if (column || type != SnmpValueType.Number)
            {
                Problem(path + ".status", "status applies only to a scalar object of type 'integer'");
                return null;
            }

            if (o.Status.Count == 0)
            {
                Problem(path + ".status", "status map is empty");
                return null;
            }

            var result = new Dictionary<long, ImmutableArray<string>>();
            foreach (var (key, value) in o.Status)
            {
                var at = $"{path}.status['{key}']";
                if (!TryParseInteger(key, out var k))
                {
                    Problem(at, $"status key '{key}' is not an integer");
                    continue;
                }

                var tokens = (value ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (tokens.FirstOrDefault(t => !UpsStatusTokens.IsKnown(t)) is { } unknown)
                {
                    Problem(at, $"'{unknown}' is not a NUT ups.status token");
                    continue;
                }

                result[k] = [.. tokens];
            }

            return result.ToFrozenDictionary();
        }

        private ImmutableArray<SnmpFallback> BuildSnmpFallbacks(List<SnmpFallbackDto>? list, string path, bool column)
        {
            if (list is null)
            {
                return [];
            }

            if (column)
            {
                Problem(path, "fallback applies only to a scalar object");
                return [];
            }

            var result = ImmutableArray.CreateBuilder<SnmpFallback>();
            for (var i = 0; i < list.Count; i++)
            {
                var at = string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]");
                if (list[i] is not { } f)
                {
                    Problem(at, "fallback entry is null");
                    continue;
                }

                UnknownFields(at, f.Extra);
                var oid = Required(f.Oid, at + ".oid");
                var scale = ParseScale(f.Scale, at + ".scale") ?? 1;
                if (oid is not null && CheckOid(oid, at + ".oid"))
                {
                    result.Add(new SnmpFallback(oid, scale));
                }
            }

            return result.ToImmutable();
        }

        /// <summary>A dotted OID without a leading dot: at least two arcs, first 0–2, each a 32-bit number, at most 128 arcs (RFC 2578 §3.5).</summary>
        private bool CheckOid(string oid, string path)
        {
            if (!IsDottedOid(oid))
            {
                Problem(path, $"'{oid}' is not an OID (dotted numbers such as \"1.3.6.1.2.1.33.1.2.4.0\", no leading dot)");
                return false;
            }

            return true;
        }

        private HashSet<string> CheckDuplicateMetrics(SnmpProfileMap map)
        {
            var first = new Dictionary<string, string>(StringComparer.Ordinal);
            void Add(string metric, string path)
            {
                if (!first.TryAdd(metric, path))
                {
                    Problem(path, $"metric '{metric}' is already emitted by {first[metric]}");
                }
            }

            foreach (var o in map.Objects)
            {
                if (o.Metric is not null)
                {
                    Add(o.Metric, o.Path);
                }
            }

            foreach (var c in map.Tables.SelectMany(t => t.Columns))
            {
                if (c.Metric is not null)
                {
                    Add(c.Metric, c.Path);
                }

                foreach (var m in c.Metrics?.Values ?? [])
                {
                    Add(m, c.Path);
                }
            }

            if (map.Objects.Any(o => o.Status is not null))
            {
                Add(MetricNames.UpsStatus, "$.oids (status maps)");
            }

            return [.. first.Keys];
        }
    }

    internal static bool IsDottedOid(string text)
    {
        var parts = text.Split('.');
        if (parts.Length is < 2 or > 128)
        {
            return false;
        }

        foreach (var p in parts)
        {
            if (p.Length == 0 || (p.Length > 1 && p[0] == '0') || !uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return false;
            }
        }

        return parts[0] is "0" or "1" or "2";
    }
}

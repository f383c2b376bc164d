using System.Globalization;
using System.Text;
using PowerWatch.Core;
using PowerWatch.Core.Profiles;
using PowerWatch.Snmp;

namespace PowerWatch.Agent.Inputs.Snmp;

/// <summary>
/// What one poll read from an SNMP agent: the scalar instances GET returned (exception values included) and the
/// cells of each walked column, keyed by the column OID.
/// </summary>
internal sealed class SnmpPollData
{
    public Dictionary<Oid, SnmpValue> Scalars { get; } = [];

    public Dictionary<Oid, List<SnmpVariable>> Columns { get; } = [];
}

/// <summary>
/// Turns the values of one poll into readings for an SNMP profile (<see cref="ProfileProtocol.Snmp"/>): scale,
/// offset and decimal digits, enums, <c>ups.status</c> tokens, sentinels ("not available" values give no reading),
/// fallbacks, and table rows into <c>{n}</c> instances. Pure: no I/O, no clock. One instance per device (it keeps
/// the parsed OIDs); not thread-safe.
/// </summary>
internal sealed class SnmpProfileDecoder
{
    private readonly DeviceProfile _profile;
    private readonly string _device;
    private readonly SnmpProfileMap _map;
    private readonly Dictionary<string, Oid> _oids = new(StringComparer.Ordinal);

    public SnmpProfileDecoder(DeviceProfile profile, string device)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _map = profile.Snmp ?? throw new ArgumentException($"profile '{profile.Id}' is not an SNMP profile", nameof(profile));
        _profile = profile;
        _device = device;
    }

    public DeviceProfile Profile => _profile;

    /// <summary>The parsed OID of a dotted string from the profile (validated by the loader).</summary>
    public Oid OidOf(string dotted)
    {
        if (!_oids.TryGetValue(dotted, out var oid))
        {
            oid = Oid.Parse(dotted);
            _oids[dotted] = oid;
        }

        return oid;
    }

    /// <summary>Scalar objects of this poll (fast ones, and slow ones when <paramref name="includeSlow"/>).</summary>
    public IEnumerable<SnmpObjectDefinition> Objects(bool includeSlow) => _map.Objects.Where(o => includeSlow || o.Class == PollClass.Fast);

    /// <summary>Tables of this poll.</summary>
    public IEnumerable<SnmpTableDefinition> Tables(bool includeSlow) => _map.Tables.Where(t => includeSlow || t.Class == PollClass.Fast);

    /// <summary>Every column a table needs walked: its value columns (of this poll's class), its number column and its digit columns.</summary>
    public IEnumerable<Oid> ColumnsToWalk(SnmpTableDefinition table, bool includeSlow)
    {
        var columns = table.Columns.Where(c => includeSlow || c.Class == PollClass.Fast).ToList();
        if (columns.Count == 0)
        {
            yield break;
        }

        var seen = new HashSet<Oid>();
        foreach (var c in columns)
        {
            if (seen.Add(OidOf(c.Oid)))
            {
                yield return OidOf(c.Oid);
            }

            if (c.DigitsFrom is not null && seen.Add(OidOf(c.DigitsFrom)))
            {
                yield return OidOf(c.DigitsFrom);
            }
        }

        if (table.NumberFrom is not null && seen.Add(OidOf(table.NumberFrom)))
        {
            yield return OidOf(table.NumberFrom);
        }
    }

    /// <summary>
    /// The instance to read for <paramref name="o"/> at fallback level <paramref name="level"/> (0 = the object
    /// itself), and its scale; null when it has no such fallback.
    /// </summary>
    public (Oid Oid, double Scale)? Instance(SnmpObjectDefinition o, int level) =>
        level == 0 ? (OidOf(o.Oid), o.Scale)
        : level <= o.Fallbacks.Length ? (OidOf(o.Fallbacks[level - 1].Oid), o.Fallbacks[level - 1].Scale)
        : null;

    /// <summary>True when <paramref name="value"/> is no reading for <paramref name="o"/> and a fallback should be tried: an exception value, or an absent sentinel.</summary>
    public static bool IsAbsent(SnmpObjectDefinition o, SnmpValue value) =>
        value.IsException || (value.TryGetInt64(out var raw) && o.Sentinels.Any(s => s.Result == SentinelResult.Absent && unchecked((long)s.Raw) == raw));

    /// <summary>Decodes the poll's values into readings.</summary>
    public List<Reading> Decode(SnmpPollData data, bool includeSlow, DateTimeOffset timestamp, long sequence)
    {
        ArgumentNullException.ThrowIfNull(data);
        var output = new List<Reading>();
        List<string>? status = null;
        foreach (var o in Objects(includeSlow))
        {
            // The first instance (the object, then its fallbacks in order) that is a reading.
            SnmpValue? found = null;
            double scale = o.Scale;
            for (var level = 0; Instance(o, level) is { } at; level++)
            {
                if (data.Scalars.TryGetValue(at.Oid, out var v) && !IsAbsent(o, v))
                {
                    (found, scale) = (v, at.Scale);
                    break;
                }
            }

            if (found is not { } value)
            {
                continue;
            }

            if (o.Status is not null && value.TryGetInt64(out var code))
            {
                status ??= [];
                if (o.Status.TryGetValue(code, out var tokens))
                {
                    status.AddRange(tokens);
                }
            }

            if (o.Metric is not null)
            {
                Emit(output, o, o.Metric, value, scale, digits: 0, timestamp, sequence);
            }
        }

        if (status is not null)
        {
            output.Add(new Reading(_device, MetricNames.UpsStatus, ReadingValue.FromText(UpsStatus.From(status).Format()), string.Empty, timestamp, Quality.Good, sequence));
        }

        foreach (var t in Tables(includeSlow))
        {
            DecodeTable(t, data, includeSlow, timestamp, sequence, output);
        }

        return output;
    }

    private void DecodeTable(SnmpTableDefinition t, SnmpPollData data, bool includeSlow, DateTimeOffset timestamp, long sequence, List<Reading> output)
    {
        Dictionary<IndexKey, long>? numbers = null;
        if (t.NumberFrom is not null)
        {
            numbers = Cells(data, OidOf(t.NumberFrom));
        }

        foreach (var c in t.Columns.Where(c => includeSlow || c.Class == PollClass.Fast))
        {
            var column = OidOf(c.Oid);
            if (!data.Columns.TryGetValue(column, out var cells))
            {
                continue;
            }

            var digits = c.DigitsFrom is null ? null : Cells(data, OidOf(c.DigitsFrom));
            var pattern = c.Index ?? t.Index;
            foreach (var cell in cells)
            {
                var index = cell.Oid.IndexAfter(column);
                if (!pattern.TryMatch(index, out var n))
                {
                    continue;
                }

                var key = new IndexKey(index.ToArray());
                if (numbers is not null)
                {
                    if (!numbers.TryGetValue(key, out var number) || number is < 1 or > 9999)
                    {
                        continue;
                    }

                    n = (int)number;
                }

                var metric = c.Metrics is not null
                    ? c.Metrics.GetValueOrDefault(n)
                    : MetricPatternText.Substitute(c.Metric!, n);
                if (metric is null || IsAbsent(c, cell.Value))
                {
                    continue;
                }

                var d = 0;
                if (digits is not null)
                {
                    if (!digits.TryGetValue(key, out var dd) || dd is < 0 or > 9)
                    {
                        // Without its decimal digits the raw value has no known scale: no reading rather than a wrong one.
                        continue;
                    }

                    d = (int)dd;
                }

                Emit(output, c, metric, cell.Value, c.Scale, d, timestamp, sequence);
            }
        }
    }

    /// <summary>The integer cells of a column by row index.</summary>
    private static Dictionary<IndexKey, long> Cells(SnmpPollData data, Oid column)
    {
        var result = new Dictionary<IndexKey, long>();
        if (data.Columns.TryGetValue(column, out var cells))
        {
            foreach (var cell in cells)
            {
                if (cell.Value.TryGetInt64(out var v))
                {
                    result[new IndexKey(cell.Oid.IndexAfter(column).ToArray())] = v;
                }
            }
        }

        return result;
    }

    private void Emit(List<Reading> output, SnmpObjectDefinition o, string metric, SnmpValue value, double scale, int digits, DateTimeOffset timestamp, long sequence)
    {
        ReadingValue reading;
        if (o.Type == SnmpValueType.Text)
        {
            if (value.Type != SnmpType.OctetString)
            {
                output.Add(Bad(metric, o.Unit, timestamp, sequence));
                return;
            }

            reading = ReadingValue.FromText(Printable(value.AsBytes().Span));
        }
        else if (o.Type == SnmpValueType.DecimalString)
        {
            if (value.Type != SnmpType.OctetString ||
                !double.TryParse(Printable(value.AsBytes().Span), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            {
                output.Add(Bad(metric, o.Unit, timestamp, sequence));
                return;
            }

            reading = ReadingValue.FromNumber((parsed * scale) + o.Offset);
        }
        else if (!value.TryGetInt64(out var raw))
        {
            output.Add(Bad(metric, o.Unit, timestamp, sequence));
            return;
        }
        else if (o.Sentinels.FirstOrDefault(s => unchecked((long)s.Raw) == raw) is { } sentinel)
        {
            if (sentinel.Result == SentinelResult.Bad)
            {
                output.Add(Bad(metric, o.Unit, timestamp, sequence));
            }

            return;
        }
        else if (o.Enum is not null)
        {
            var text = o.Enum.TryGetValue(raw, out var mapped) ? mapped : raw.ToString(CultureInfo.InvariantCulture);
            reading = MetricCatalog.TryFind(metric, out var def) && def.Kind == MetricKind.Boolean
                ? text switch { "true" => ReadingValue.FromBoolean(true), "false" => ReadingValue.FromBoolean(false), _ => ReadingValue.None }
                : ReadingValue.FromText(text);
            if (reading.IsNone)
            {
                output.Add(Bad(metric, o.Unit, timestamp, sequence));
                return;
            }
        }
        else
        {
            reading = ReadingValue.FromNumber((raw * scale * Math.Pow(10, -digits)) + o.Offset);
        }

        output.Add(new Reading(_device, metric, reading, o.Unit, timestamp, Quality.Good, sequence));
    }

    private Reading Bad(string metric, string unit, DateTimeOffset timestamp, long sequence) =>
        new(_device, metric, ReadingValue.None, unit, timestamp, Quality.Bad, sequence);

    /// <summary>OCTET STRING as text: printable ASCII kept, other octets become spaces, NULs end it, blanks trimmed.</summary>
    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b == 0)
            {
                break;
            }

            sb.Append(b is >= 0x20 and <= 0x7E ? (char)b : ' ');
        }

        return sb.ToString().Trim();
    }

    /// <summary>A row index as a dictionary key.</summary>
    private readonly record struct IndexKey(uint[] Arcs)
    {
        public bool Equals(IndexKey other) => Arcs.AsSpan().SequenceEqual(other.Arcs);

        public override int GetHashCode()
        {
            var h = default(HashCode);
            foreach (var a in Arcs)
            {
                h.Add(a);
            }

            return h.ToHashCode();
        }
    }
}

/// <summary>{n} substitution in metric patterns (the catalogue's rule, for the agent).</summary>
internal static class MetricPatternText
{
    public static string Substitute(string pattern, int n) =>
        pattern.Replace("{n}", n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
}

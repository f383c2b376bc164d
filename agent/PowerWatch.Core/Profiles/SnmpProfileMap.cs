using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;

namespace PowerWatch.Core.Profiles;

/// <summary>How a profile's device is read. JSON <c>protocol</c>: <c>modbus</c> (default) | <c>snmp</c>.</summary>
public enum ProfileProtocol
{
    /// <summary>Registers (<c>$.registers</c>), read over Modbus.</summary>
    Modbus = 0,

    /// <summary>Object identifiers (<c>$.oids</c>, <c>$.tables</c>), read over SNMP.</summary>
    Snmp = 1,
}

/// <summary>How an SNMP value becomes a reading. JSON <c>type</c>: <c>integer</c> (default) | <c>string</c> | <c>decimal-string</c>.</summary>
public enum SnmpValueType
{
    /// <summary>INTEGER, Counter32, Gauge32, TimeTicks or Counter64: a number (or an enum/status code).</summary>
    Number = 0,

    /// <summary>OCTET STRING as text (printable ASCII, trailing blanks trimmed).</summary>
    Text = 1,

    /// <summary>OCTET STRING holding a decimal number (<c>"230.5"</c>, as older cards report some values).</summary>
    DecimalString = 2,
}

/// <summary>The SNMP part of a profile with <c>"protocol": "snmp"</c>: scalar objects and walked tables.</summary>
public sealed class SnmpProfileMap
{
    /// <summary>Scalar objects (one instance each, read with GET).</summary>
    public ImmutableArray<SnmpObjectDefinition> Objects { get; init; } = [];

    /// <summary>Tables (walked column by column; each row becomes one instance <c>{n}</c>).</summary>
    public ImmutableArray<SnmpTableDefinition> Tables { get; init; } = [];
}

/// <summary>A fallback instance read when the primary object is absent (not implemented by the agent, or a "not available" sentinel).</summary>
/// <param name="Oid">Dotted OID of the instance.</param>
/// <param name="Scale">Multiplier of the fallback's raw value (e.g. 1 for a basic PowerNet OID where the high-precision one has 0.1).</param>
public sealed record SnmpFallback(string Oid, double Scale);

/// <summary>
/// One SNMP value mapped to a metric: a scalar object (<c>$.oids[i]</c>) or a table column (<c>$.tables[i].columns[j]</c>).
/// value = raw × <see cref="Scale"/> (× 10^−digits for <see cref="DigitsFrom"/>) + <see cref="Offset"/>.
/// </summary>
public sealed class SnmpObjectDefinition
{
    /// <summary>MIB name (documentation, e.g. <c>upsEstimatedMinutesRemaining</c>).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Metric emitted; for a table column a pattern with <c>{n}</c> (<c>outlet.{n}.current</c>). Null when the
    /// object only feeds <c>ups.status</c> or the column maps rows through <see cref="Metrics"/>.
    /// </summary>
    public string? Metric { get; init; }

    /// <summary>For a table column: row number → metric (phase names: <c>1</c> → <c>input.L1.current</c>); rows not listed are skipped.</summary>
    public FrozenDictionary<int, string>? Metrics { get; init; }

    /// <summary>Dotted OID: the instance of a scalar object (<c>…2.3.0</c>) or the column of a table (without index).</summary>
    public required string Oid { get; init; }

    public SnmpValueType Type { get; init; }

    public double Scale { get; init; } = 1;

    public double Offset { get; init; }

    /// <summary>Unit, as in the catalogue.</summary>
    public string Unit { get; init; } = string.Empty;

    public PollClass Class { get; init; }

    /// <summary>Raw value → text (an enumerated MIB value to the metric's value set, e.g. outlet state 1 → <c>on</c>).</summary>
    public FrozenDictionary<long, string>? Enum { get; init; }

    /// <summary>Raw value → NUT <c>ups.status</c> tokens contributed (scalar objects only).</summary>
    public FrozenDictionary<long, ImmutableArray<string>>? Status { get; init; }

    /// <summary>Raw values that are not readings (e.g. −1 "not available").</summary>
    public ImmutableArray<Sentinel> Sentinels { get; init; } = [];

    /// <summary>Instances read, in order, when this one is absent (scalar objects only).</summary>
    public ImmutableArray<SnmpFallback> Fallbacks { get; init; } = [];

    /// <summary>
    /// For a table column: a column of the same table (same row index) holding the number of decimal digits of
    /// the value (Raritan PDU2-MIB <c>…SensorDecimalDigits</c>): value = raw × 10^−digits × scale.
    /// </summary>
    public string? DigitsFrom { get; init; }

    /// <summary>For a table column: the row index pattern, overriding the table's (see <see cref="SnmpIndexPattern"/>).</summary>
    public SnmpIndexPattern? Index { get; init; }

    /// <summary>JSON path in the profile file.</summary>
    public string Path { get; init; } = string.Empty;
}

/// <summary>A table walked by column; each row the index pattern matches becomes instance <c>{n}</c>.</summary>
public sealed class SnmpTableDefinition
{
    /// <summary>MIB name of the table (documentation).</summary>
    public string? Name { get; init; }

    /// <summary>Row index pattern of every column (default <c>{n}</c>).</summary>
    public required SnmpIndexPattern Index { get; init; }

    /// <summary>A column of the table (same row index) whose value is the instance number (an outlet number column), instead of the index's <c>{n}</c> arc.</summary>
    public string? NumberFrom { get; init; }

    public required ImmutableArray<SnmpObjectDefinition> Columns { get; init; }

    public PollClass Class { get; init; }

    /// <summary>JSON path in the profile file.</summary>
    public string Path { get; init; } = string.Empty;
}

/// <summary>
/// The part of a table OID after the column: literal arcs and exactly one <c>{n}</c> arc, e.g. <c>{n}</c>
/// (UPS-MIB line index), <c>1.{n}</c> (unit 1, outlet n), <c>1.{n}.4</c> (PDU 1, outlet n, sensor type 4).
/// </summary>
public sealed class SnmpIndexPattern
{
    private readonly ImmutableArray<uint?> _arcs;

    private SnmpIndexPattern(ImmutableArray<uint?> arcs, string text)
    {
        _arcs = arcs;
        Text = text;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>Number of arcs the index has.</summary>
    public int Length => _arcs.Length;

    /// <summary>The default pattern <c>{n}</c>.</summary>
    public static SnmpIndexPattern OneArc { get; } = new([null], MetricPattern.Number);

    /// <summary>Parses a pattern; null with a reason when it is not one.</summary>
    public static SnmpIndexPattern? TryParse(string text, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('.');
        var arcs = ImmutableArray.CreateBuilder<uint?>(parts.Length);
        foreach (var p in parts)
        {
            if (string.Equals(p, MetricPattern.Number, StringComparison.Ordinal))
            {
                arcs.Add(null);
            }
            else if (uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var arc))
            {
                arcs.Add(arc);
            }
            else
            {
                reason = $"'{text}' is not an index pattern (arcs are numbers or {MetricPattern.Number}, e.g. \"1.{MetricPattern.Number}\")";
                return null;
            }
        }

        if (arcs.Count(a => a is null) != 1)
        {
            reason = $"index pattern '{text}' must contain {MetricPattern.Number} exactly once";
            return null;
        }

        reason = null;
        return new SnmpIndexPattern(arcs.MoveToImmutable(), text);
    }

    /// <summary>The <c>{n}</c> arc of <paramref name="index"/> when every literal arc matches (false otherwise, or when n is 0 or above 9999).</summary>
    public bool TryMatch(ReadOnlySpan<uint> index, out int n)
    {
        n = 0;
        if (index.Length != _arcs.Length)
        {
            return false;
        }

        for (var i = 0; i < index.Length; i++)
        {
            if (_arcs[i] is { } literal)
            {
                if (index[i] != literal)
                {
                    return false;
                }
            }
            else if (index[i] is >= 1 and <= 9999)
            {
                n = (int)index[i];
            }
            else
            {
                return false;
            }
        }

        return n != 0;
    }

    public override string ToString() => Text;
}

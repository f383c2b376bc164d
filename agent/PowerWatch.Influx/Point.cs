using System.Globalization;

namespace PowerWatch.Influx;

/// <summary>
/// One line-protocol point: measurement, tags (kept sorted by key, as InfluxDB recommends), fields and an
/// optional timestamp. Every value is validated when it is added, so encoding a point never fails half-way.
/// </summary>
public sealed class Point
{
    private const long UnixEpochTicks = 621_355_968_000_000_000;
    private readonly List<KeyValuePair<string, string>> _tags = [];
    private readonly List<FieldEntry> _fields = [];

    public Point(string measurement)
    {
        LineProtocol.ValidateName(measurement, LineProtocol.NameKind.Measurement, nameof(measurement));
        Measurement = measurement;
    }

    public string Measurement { get; }

    /// <summary>Tags in ascending ordinal key order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags => _tags;

    public int FieldCount => _fields.Count;

    /// <summary>Timestamp in nanoseconds since the Unix epoch, or null to let the server stamp the point.</summary>
    public long? UnixNanoseconds { get; private set; }

    internal ReadOnlySpan<FieldEntry> FieldSpan => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_fields);

    internal ReadOnlySpan<KeyValuePair<string, string>> TagSpan => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tags);

    /// <summary>Adds a tag; keys must be unique, values non-empty (InfluxDB cannot store an empty tag value).</summary>
    public Point Tag(string key, string value)
    {
        LineProtocol.ValidateName(key, LineProtocol.NameKind.TagKey, nameof(key));
        LineProtocol.ValidateName(value, LineProtocol.NameKind.TagValue, nameof(value));
        var index = _tags.BinarySearch(new KeyValuePair<string, string>(key, value), TagKeyComparer.Instance);
        if (index >= 0)
        {
            throw new LineProtocolException($"Duplicate tag key '{key}' on measurement '{Measurement}'.", nameof(key));
        }

        _tags.Insert(~index, new KeyValuePair<string, string>(key, value));
        return this;
    }

    public Point Field(string key, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new LineProtocolException(
                $"Field '{key}' is {value.ToString(CultureInfo.InvariantCulture)}: line protocol cannot represent NaN or infinity.", nameof(value));
        }

        return AddField(key, new FieldEntry(key, FieldKind.Float, BitConverter.DoubleToInt64Bits(value), null));
    }

    public Point Field(string key, long value) => AddField(key, new FieldEntry(key, FieldKind.Integer, value, null));

    /// <summary>Unsigned integer (<c>u</c> suffix). InfluxDB 1.x OSS rejects it ("invalid number"); 2.x, 3.x and VictoriaMetrics accept it.</summary>
    public Point Field(string key, ulong value) => AddField(key, new FieldEntry(key, FieldKind.UnsignedInteger, unchecked((long)value), null));

    public Point Field(string key, bool value) => AddField(key, new FieldEntry(key, FieldKind.Boolean, value ? 1 : 0, null));

    public Point Field(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        LineProtocol.ValidateStringField(key, value);
        return AddField(key, new FieldEntry(key, FieldKind.String, 0, value));
    }

    public Point Timestamp(long unixNanoseconds)
    {
        UnixNanoseconds = unixNanoseconds;
        return this;
    }

    /// <summary>Sets the timestamp (100 ns resolution); it must lie within the int64 nanosecond range (years 1677 to 2262).</summary>
    public Point Timestamp(DateTimeOffset timestamp)
    {
        var ticks = timestamp.UtcTicks - UnixEpochTicks;
        if (ticks is > long.MaxValue / 100 or < long.MinValue / 100)
        {
            throw new LineProtocolException(
                $"Timestamp {timestamp:O} is outside the range of int64 nanoseconds since 1970 (1677-09-21 to 2262-04-11).", nameof(timestamp));
        }

        UnixNanoseconds = ticks * 100;
        return this;
    }

    private Point AddField(string key, FieldEntry entry)
    {
        LineProtocol.ValidateName(key, LineProtocol.NameKind.FieldKey, nameof(key));
        foreach (var f in _fields)
        {
            if (string.Equals(f.Key, key, StringComparison.Ordinal))
            {
                throw new LineProtocolException($"Duplicate field key '{key}' on measurement '{Measurement}'.", nameof(key));
            }
        }

        _fields.Add(entry);
        return this;
    }

    internal readonly record struct FieldEntry(string Key, FieldKind Kind, long Bits, string? Text);

    private sealed class TagKeyComparer : IComparer<KeyValuePair<string, string>>
    {
        public static readonly TagKeyComparer Instance = new();

        public int Compare(KeyValuePair<string, string> x, KeyValuePair<string, string> y) => string.CompareOrdinal(x.Key, y.Key);
    }
}

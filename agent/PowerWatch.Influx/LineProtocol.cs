using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace PowerWatch.Influx;

/// <summary>
/// InfluxDB line-protocol encoder: <c>measurement[,tag=value...] field=value[,field=value...] [timestamp]\n</c>,
/// UTF-8 straight into an <see cref="IBufferWriter{T}"/>. Escaping follows the InfluxDB 1.x line protocol reference
/// ("Special characters"): measurement escapes comma and space; tag keys, tag values and field keys escape comma,
/// equals sign and space; string field values are double-quoted with double quote and backslash escaped.
/// </summary>
public static class LineProtocol
{
    private static readonly SearchValues<char> MeasurementSpecials = SearchValues.Create(", ");
    private static readonly SearchValues<char> KeySpecials = SearchValues.Create(",= ");
    private static readonly SearchValues<char> StringSpecials = SearchValues.Create("\"\\");
    private static readonly SearchValues<char> LineBreaks = SearchValues.Create("\r\n");

    internal enum NameKind
    {
        Measurement,
        TagKey,
        TagValue,
        FieldKey,
    }

    /// <summary>The query-string value of a precision for the v1 <c>/write</c> endpoint (<c>ns</c>, <c>u</c>, <c>ms</c>, <c>s</c>).</summary>
    public static string V1PrecisionName(WritePrecision precision) => precision switch
    {
        WritePrecision.Nanoseconds => "ns",
        WritePrecision.Microseconds => "u",
        WritePrecision.Milliseconds => "ms",
        WritePrecision.Seconds => "s",
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };

    /// <summary>The query-string value of a precision for the v2 <c>/api/v2/write</c> endpoint (<c>ns</c>, <c>us</c>, <c>ms</c>, <c>s</c>).</summary>
    public static string V2PrecisionName(WritePrecision precision) => precision switch
    {
        WritePrecision.Nanoseconds => "ns",
        WritePrecision.Microseconds => "us",
        WritePrecision.Milliseconds => "ms",
        WritePrecision.Seconds => "s",
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };

    /// <summary>Writes one point as one line (terminated by <c>\n</c>); returns the number of bytes written.</summary>
    public static int Write(IBufferWriter<byte> output, Point point, WritePrecision precision = WritePrecision.Nanoseconds)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(point);
        if (point.FieldCount == 0)
        {
            throw new LineProtocolException($"Point '{point.Measurement}' has no fields; line protocol requires at least one.", nameof(point));
        }

        var counter = new CountingWriter(output);
        WriteEscaped(ref counter, point.Measurement, MeasurementSpecials);
        foreach (ref readonly var tag in point.TagSpan)
        {
            counter.WriteByte((byte)',');
            WriteEscaped(ref counter, tag.Key, KeySpecials);
            counter.WriteByte((byte)'=');
            WriteEscaped(ref counter, tag.Value, KeySpecials);
        }

        var separator = (byte)' ';
        foreach (ref readonly var field in point.FieldSpan)
        {
            counter.WriteByte(separator);
            separator = (byte)',';
            WriteEscaped(ref counter, field.Key, KeySpecials);
            counter.WriteByte((byte)'=');
            WriteValue(ref counter, field);
        }

        if (point.UnixNanoseconds is { } ns)
        {
            counter.WriteByte((byte)' ');
            var span = counter.GetSpan(20);
            Utf8Formatter.TryFormat(ToPrecision(ns, precision), span, out var n);
            counter.Advance(n);
        }

        counter.WriteByte((byte)'\n');
        return counter.Written;
    }

    /// <summary>Writes points one line each; returns the number of bytes written.</summary>
    public static int Write(IBufferWriter<byte> output, IEnumerable<Point> points, WritePrecision precision = WritePrecision.Nanoseconds)
    {
        ArgumentNullException.ThrowIfNull(points);
        var total = 0;
        if (points is Point[] array)
        {
            foreach (var p in array)
            {
                total += Write(output, p, precision);
            }

            return total;
        }

        foreach (var p in points)
        {
            total += Write(output, p, precision);
        }

        return total;
    }

    /// <summary>Encodes points into a new UTF-8 string (convenience for tests and diagnostics, not the hot path).</summary>
    public static string ToText(IEnumerable<Point> points, WritePrecision precision = WritePrecision.Nanoseconds)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, points, precision);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Converts nanoseconds since the epoch to the given precision, rounding toward negative infinity.</summary>
    public static long ToPrecision(long unixNanoseconds, WritePrecision precision)
    {
        var divisor = precision switch
        {
            WritePrecision.Nanoseconds => 1L,
            WritePrecision.Microseconds => 1_000L,
            WritePrecision.Milliseconds => 1_000_000L,
            WritePrecision.Seconds => 1_000_000_000L,
            _ => throw new ArgumentOutOfRangeException(nameof(precision)),
        };
        var q = unixNanoseconds / divisor;
        return unixNanoseconds % divisor < 0 ? q - 1 : q;
    }

    internal static void ValidateName(string value, NameKind kind, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        var what = kind switch
        {
            NameKind.Measurement => "Measurement name",
            NameKind.TagKey => "Tag key",
            NameKind.TagValue => "Tag value",
            _ => "Field key",
        };
        if (value.Length == 0)
        {
            throw new LineProtocolException(
                kind == NameKind.TagValue ? "Tag value is empty: InfluxDB cannot store an empty tag value; omit the tag instead." : $"{what} is empty.", paramName);
        }

        if (value.AsSpan().ContainsAny(LineBreaks))
        {
            throw new LineProtocolException($"{what} '{Printable(value)}' contains a line break, which line protocol cannot carry.", paramName);
        }

        if (kind == NameKind.Measurement && value[0] == '#')
        {
            throw new LineProtocolException($"Measurement name '{value}' starts with '#', which makes the line a comment.", paramName);
        }

        // A backslash is stored literally, except right before a character that this element escapes (or at the end),
        // where the parser would read it as an escape: such a value cannot round-trip.
        var specials = kind == NameKind.Measurement ? MeasurementSpecials : KeySpecials;
        for (var i = value.IndexOf('\\', StringComparison.Ordinal); i >= 0; i = value.IndexOf('\\', i + 1))
        {
            if (i == value.Length - 1 || specials.Contains(value[i + 1]))
            {
                throw new LineProtocolException(
                    $"{what} '{value}' has a backslash at the end or before a space, comma or equals sign; InfluxDB reads that as an escape, so the value cannot round-trip.", paramName);
            }
        }
    }

    internal static void ValidateStringField(string key, string value)
    {
        if (value.AsSpan().ContainsAny(LineBreaks))
        {
            throw new LineProtocolException($"String field '{key}' contains a line break, which line protocol cannot carry.", nameof(value));
        }

        // InfluxDB 1.x limits string field values to 64 KiB.
        if (value.Length > 65_536 || Encoding.UTF8.GetByteCount(value) > 65_536)
        {
            throw new LineProtocolException($"String field '{key}' is longer than the 64 KiB InfluxDB allows.", nameof(value));
        }
    }

    private static string Printable(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static void WriteValue(ref CountingWriter w, in Point.FieldEntry field)
    {
        Span<byte> span;
        int n;
        switch (field.Kind)
        {
            case FieldKind.Float:
                span = w.GetSpan(32);
                var d = BitConverter.Int64BitsToDouble(field.Bits);
                if (!d.TryFormat(span, out n, "R", CultureInfo.InvariantCulture))
                {
                    throw new InvalidOperationException("float formatting overflowed its buffer");
                }

                w.Advance(n);
                break;
            case FieldKind.Integer:
                span = w.GetSpan(21);
                Utf8Formatter.TryFormat(field.Bits, span, out n);
                span[n] = (byte)'i';
                w.Advance(n + 1);
                break;
            case FieldKind.UnsignedInteger:
                span = w.GetSpan(21);
                Utf8Formatter.TryFormat(unchecked((ulong)field.Bits), span, out n);
                span[n] = (byte)'u';
                w.Advance(n + 1);
                break;
            case FieldKind.Boolean:
                w.Write(field.Bits != 0 ? "true"u8 : "false"u8);
                break;
            default:
                w.WriteByte((byte)'"');
                WriteEscaped(ref w, field.Text!, StringSpecials);
                w.WriteByte((byte)'"');
                break;
        }
    }

    private static void WriteEscaped(ref CountingWriter w, ReadOnlySpan<char> s, SearchValues<char> specials)
    {
        while (true)
        {
            var i = s.IndexOfAny(specials);
            var segment = i < 0 ? s : s[..i];
            if (!segment.IsEmpty)
            {
                var span = w.GetSpan(Encoding.UTF8.GetMaxByteCount(segment.Length));
                w.Advance(Encoding.UTF8.GetBytes(segment, span));
            }

            if (i < 0)
            {
                return;
            }

            var esc = w.GetSpan(2);
            esc[0] = (byte)'\\';
            esc[1] = (byte)s[i];
            w.Advance(2);
            s = s[(i + 1)..];
        }
    }

    private struct CountingWriter(IBufferWriter<byte> inner)
    {
        public int Written { get; private set; }

        public readonly Span<byte> GetSpan(int size) => inner.GetSpan(size);

        public void Advance(int count)
        {
            inner.Advance(count);
            Written += count;
        }

        public void WriteByte(byte b)
        {
            inner.GetSpan(1)[0] = b;
            Advance(1);
        }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(inner.GetSpan(bytes.Length));
            Advance(bytes.Length);
        }
    }
}

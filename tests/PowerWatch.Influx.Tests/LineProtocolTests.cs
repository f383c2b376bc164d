using System.Buffers;
using System.Text;

namespace PowerWatch.Influx.Tests;

// Golden lines. Escaping rules and examples: InfluxDB 1.6 "Line protocol reference", sections
// "Special characters" and "Examples" (docs.influxdata.com/influxdb/v1.6/write_protocols/line_protocol_reference/):
// measurement escapes comma and space; tag keys, tag values and field keys escape comma, equals sign and space;
// string field values escape double quote and backslash; integers end in i; timestamps are int64 in the precision.
public sealed class LineProtocolTests
{
    private static string Encode(Point p, WritePrecision precision = WritePrecision.Nanoseconds)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var n = LineProtocol.Write(buffer, p, precision);
        Assert.Equal(buffer.WrittenCount, n);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Reference_example_point_encodes_exactly()
    {
        // Reference "Syntax" example: weather,location=us-midwest temperature=82 1465839830100400200
        var p = new Point("weather").Tag("location", "us-midwest").Field("temperature", 82.0).Timestamp(1465839830100400200);
        Assert.Equal("weather,location=us-midwest temperature=82 1465839830100400200\n", Encode(p));
    }

    [Theory]
    // Reference "Special characters" examples: measurement with comma and with space.
    [InlineData("wea,ther", "wea\\,ther")]
    [InlineData("wea ther", "wea\\ ther")]
    // Equals sign needs no escape in a measurement.
    [InlineData("wea=ther", "wea=ther")]
    // Reference example with an emoji: UTF-8 passes through.
    [InlineData("we⛅️ther", "we⛅️ther")]
    public void Measurement_escapes_comma_and_space(string measurement, string expected)
    {
        var line = Encode(new Point(measurement).Field("v", 1L));
        Assert.Equal(expected + " v=1i\n", line);
    }

    [Theory]
    [InlineData("loc=ation", "us-midwest", "loc\\=ation=us-midwest")]
    [InlineData("loc ation", "us-midwest", "loc\\ ation=us-midwest")]
    [InlineData("loc,ation", "us-midwest", "loc\\,ation=us-midwest")]
    [InlineData("location", "us,midwest", "location=us\\,midwest")]
    [InlineData("location", "us midwest", "location=us\\ midwest")]
    [InlineData("location", "us=midwest", "location=us\\=midwest")]
    [InlineData("location", "\"quoted\"", "location=\"quoted\"")]
    [InlineData("location", "a\\b", "location=a\\b")]
    [InlineData("ort", "Zürich 🏭", "ort=Zürich\\ 🏭")]
    public void Tag_keys_and_values_escape_comma_equals_and_space(string key, string value, string expected)
    {
        var line = Encode(new Point("m").Tag(key, value).Field("v", true));
        Assert.Equal("m," + expected + " v=true\n", line);
    }

    [Fact]
    public void Field_key_escapes_comma_equals_and_space()
    {
        var line = Encode(new Point("m").Field("temp erature", 1.5).Field("a,b", 2L).Field("c=d", false));
        Assert.Equal("m temp\\ erature=1.5,a\\,b=2i,c\\=d=false\n", line);
    }

    [Theory]
    // Reference: string field values escape double quotes and backslashes; comma, space and equals stay as is.
    [InlineData("too\"hot\"", "\"too\\\"hot\\\"\"")]
    [InlineData("C:\\path\\", "\"C:\\\\path\\\\\"")]
    [InlineData("a, b=c", "\"a, b=c\"")]
    [InlineData("", "\"\"")]
    [InlineData("ünïcødé ⚡", "\"ünïcødé ⚡\"")]
    public void String_field_is_quoted_with_quote_and_backslash_escaped(string value, string expected)
    {
        Assert.Equal("m s=" + expected + "\n", Encode(new Point("m").Field("s", value)));
    }

    [Theory]
    [InlineData(82.0, "82")]
    [InlineData(-0.5, "-0.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e21, "1E+21")]
    [InlineData(1.5e-7, "1.5E-07")]
    [InlineData(double.MaxValue, "1.7976931348623157E+308")]
    [InlineData(double.Epsilon, "5E-324")]
    [InlineData(123456789.123456789, "123456789.12345679")]
    public void Float_uses_shortest_round_trip_invariant_form(double value, string expected)
    {
        var line = Encode(new Point("m").Field("f", value));
        Assert.Equal("m f=" + expected + "\n", line);
        Assert.Equal(value, double.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Float_format_does_not_depend_on_current_culture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            var comma = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            comma.NumberFormat.NegativeSign = "~";
            System.Globalization.CultureInfo.CurrentCulture = comma;
            Assert.Equal("1234,5", 1234.5.ToString(comma));
            Assert.Equal("m f=-1234.5,i=-3i\n", Encode(new Point("m").Field("f", -1234.5).Field("i", -3L)));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Integer_unsigned_and_bool_fields_use_their_suffixes()
    {
        var line = Encode(new Point("m")
            .Field("i", long.MinValue).Field("j", long.MaxValue).Field("u", ulong.MaxValue).Field("t", true).Field("f", false));
        Assert.Equal("m i=-9223372036854775808i,j=9223372036854775807i,u=18446744073709551615u,t=true,f=false\n", line);
    }

    [Theory]
    [InlineData(WritePrecision.Nanoseconds, "1465839830100400200")]
    [InlineData(WritePrecision.Microseconds, "1465839830100400")]
    [InlineData(WritePrecision.Milliseconds, "1465839830100")]
    [InlineData(WritePrecision.Seconds, "1465839830")]
    public void Timestamp_is_written_in_the_requested_precision(WritePrecision precision, string expected)
    {
        var p = new Point("m").Field("v", 1L).Timestamp(1465839830100400200);
        Assert.Equal("m v=1i " + expected + "\n", Encode(p, precision));
    }

    [Fact]
    public void Timestamp_before_1970_rounds_toward_negative_infinity()
    {
        var p = new Point("m").Field("v", 1L).Timestamp(-1_500_000_000);
        Assert.Equal("m v=1i -2\n", Encode(p, WritePrecision.Seconds));
    }

    [Fact]
    public void DateTimeOffset_timestamp_converts_to_unix_nanoseconds()
    {
        var p = new Point("m").Field("v", 1L).Timestamp(new DateTimeOffset(2016, 6, 13, 17, 43, 50, 100, TimeSpan.Zero).AddTicks(4002));
        Assert.Equal("m v=1i 1465839830100400200\n", Encode(p));
    }

    [Fact]
    public void Point_without_timestamp_has_no_timestamp_element()
    {
        Assert.Equal("m v=1i\n", Encode(new Point("m").Field("v", 1L)));
    }

    [Fact]
    public void Tags_are_sorted_by_key_whatever_the_insertion_order()
    {
        var p = new Point("ups").Tag("site", "dc1").Tag("device", "ups-a").Tag("Model", "X").Tag("a", "1").Field("v", 1L);
        // Ordinal (byte-wise) order, as Go's bytes.Compare: upper case before lower case.
        Assert.Equal("ups,Model=X,a=1,device=ups-a,site=dc1 v=1i\n", Encode(p));
    }

    [Fact]
    public void Fields_keep_insertion_order()
    {
        Assert.Equal("m z=1i,a=2i\n", Encode(new Point("m").Field("z", 1L).Field("a", 2L)));
    }

    [Fact]
    public void Several_points_are_written_one_per_line()
    {
        var text = LineProtocol.ToText([new Point("a").Field("v", 1L), new Point("b").Field("v", 2L)]);
        Assert.Equal("a v=1i\nb v=2i\n", text);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NaN_and_infinity_are_rejected(double value)
    {
        var e = Assert.Throws<LineProtocolException>(() => new Point("m").Field("f", value));
        Assert.Contains("NaN or infinity", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Point_without_fields_is_rejected_at_encoding()
    {
        var e = Assert.Throws<LineProtocolException>(() => Encode(new Point("m").Tag("a", "b")));
        Assert.Contains("no fields", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_measurement_is_rejected()
    {
        var e = Assert.Throws<LineProtocolException>(() => new Point(""));
        Assert.Equal("Measurement name is empty. (Parameter 'measurement')", e.Message);
    }

    [Fact]
    public void Measurement_starting_with_hash_is_rejected_because_it_would_be_a_comment()
    {
        var e = Assert.Throws<LineProtocolException>(() => new Point("#ups"));
        Assert.Contains("comment", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    public void Line_break_in_any_name_or_value_is_rejected(string bad)
    {
        Assert.Contains("line break", Assert.Throws<LineProtocolException>(() => new Point(bad)).Message, StringComparison.Ordinal);
        Assert.Contains("line break", Assert.Throws<LineProtocolException>(() => new Point("m").Tag(bad, "v")).Message, StringComparison.Ordinal);
        Assert.Contains("line break", Assert.Throws<LineProtocolException>(() => new Point("m").Tag("k", bad)).Message, StringComparison.Ordinal);
        Assert.Contains("line break", Assert.Throws<LineProtocolException>(() => new Point("m").Field(bad, 1L)).Message, StringComparison.Ordinal);
        Assert.Contains("line break", Assert.Throws<LineProtocolException>(() => new Point("m").Field("s", bad)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_tag_key_tag_value_and_field_key_are_rejected()
    {
        Assert.Equal("Tag key is empty. (Parameter 'key')", Assert.Throws<LineProtocolException>(() => new Point("m").Tag("", "v")).Message);
        Assert.StartsWith("Tag value is empty", Assert.Throws<LineProtocolException>(() => new Point("m").Tag("k", "")).Message, StringComparison.Ordinal);
        Assert.Equal("Field key is empty. (Parameter 'key')", Assert.Throws<LineProtocolException>(() => new Point("m").Field("", 1L)).Message);
    }

    [Fact]
    public void Duplicate_tag_or_field_key_is_rejected()
    {
        Assert.Contains("Duplicate tag key 'a'", Assert.Throws<LineProtocolException>(() => new Point("m").Tag("a", "1").Tag("a", "2")).Message, StringComparison.Ordinal);
        Assert.Contains("Duplicate field key 'f'", Assert.Throws<LineProtocolException>(() => new Point("m").Field("f", 1L).Field("f", 2.0)).Message, StringComparison.Ordinal);
    }

    [Theory]
    // InfluxDB 1.6 answers "invalid tag format" for a tag value ending in a backslash (checked against influxd 1.6.7).
    [InlineData("end\\")]
    [InlineData("a\\ b")]
    [InlineData("a\\,b")]
    [InlineData("a\\=b")]
    public void Backslash_that_the_server_would_read_as_an_escape_is_rejected(string value)
    {
        var e = Assert.Throws<LineProtocolException>(() => new Point("m").Tag("k", value));
        Assert.Contains("backslash", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void String_field_over_64_KiB_is_rejected()
    {
        var e = Assert.Throws<LineProtocolException>(() => new Point("m").Field("s", new string('x', 65_537)));
        Assert.Contains("64 KiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timestamp_outside_int64_nanoseconds_is_rejected()
    {
        Assert.Throws<LineProtocolException>(() => new Point("m").Timestamp(new DateTimeOffset(2300, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Throws<LineProtocolException>(() => new Point("m").Timestamp(new DateTimeOffset(1600, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Precision_names_are_frozen_for_both_apis()
    {
        Assert.Equal(["ns", "u", "ms", "s"], Enum.GetValues<WritePrecision>().Select(LineProtocol.V1PrecisionName));
        Assert.Equal(["ns", "us", "ms", "s"], Enum.GetValues<WritePrecision>().Select(LineProtocol.V2PrecisionName));
    }
}

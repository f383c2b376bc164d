using System.Text;
using PowerWatch.SerialUps.ApcSmart;

namespace PowerWatch.SerialUps.Tests.ApcSmart;

public sealed class ApcSmartProtocolTests
{
    [Theory]
    [InlineData("08", 0x08)] // SPEC-DEVICES §6: typical on line
    [InlineData("10", 0x10)] // on battery
    [InlineData("50", 0x50)] // on battery, low battery
    [InlineData("FF", 0xFF)]
    public void Q_reply_is_two_hex_digits_of_status_bits(string reply, int bits)
    {
        Assert.Equal((byte)bits, ApcSmartProtocol.ParseStatusBits(reply));
        Assert.Equal(reply, ApcSmartProtocol.FormatStatusBits((byte)bits));
    }

    [Theory]
    [InlineData("8")]
    [InlineData("0G")]
    [InlineData("")]
    [InlineData("080")]
    public void Malformed_q_reply_is_refused(string reply) => Assert.Null(ApcSmartProtocol.ParseStatusBits(reply));

    [Fact]
    public void Runtime_in_minutes_terminated_by_colon_becomes_seconds()
    {
        // SPEC §6: j → "0327:" minutes.
        Assert.Equal(327 * 60, ApcSmartProtocol.ParseRuntimeSeconds("0327:"));
        Assert.Null(ApcSmartProtocol.ParseRuntimeSeconds(":"));
    }

    [Theory]
    [InlineData("099.0", 99.0)] // §6: f
    [InlineData("27.87", 27.87)] // B
    [InlineData("024", 24.0)] // g
    public void Numeric_replies_from_the_spec_parse(string reply, double expected) => Assert.Equal(expected, ApcSmartProtocol.ParseNumber(reply));

    [Fact]
    public void Replies_are_formatted_as_the_spec_examples()
    {
        // SPEC-DEVICES §6 example column: f 099.0, j 0327:, B 27.87, g 024, L 118.3, P 023.5, F 60.00, C 036.0.
        Assert.Equal("099.0", ApcSmartProtocol.FormatTenths(99.0));
        Assert.Equal("0327:", ApcSmartProtocol.FormatRuntime(327 * 60));
        Assert.Equal("27.87", ApcSmartProtocol.FormatBatteryVoltage(27.87));
        Assert.Equal("024", ApcSmartProtocol.FormatWhole(24, 3));
        Assert.Equal("118.3", ApcSmartProtocol.FormatTenths(118.3));
        Assert.Equal("023.5", ApcSmartProtocol.FormatTenths(23.5));
        Assert.Equal("60.00", ApcSmartProtocol.FormatHundredths(60.0));
        Assert.Equal("036.0", ApcSmartProtocol.FormatTenths(36.0));
    }

    [Fact]
    public void Formatted_replies_are_clamped_to_their_width_and_parse_back()
    {
        Assert.Equal("999.9", ApcSmartProtocol.FormatTenths(1234));
        Assert.Equal("000.0", ApcSmartProtocol.FormatTenths(-5));
        Assert.Equal("99.99", ApcSmartProtocol.FormatHundredths(120));
        Assert.Equal("218.0", ApcSmartProtocol.FormatBatteryVoltage(218.0));
        Assert.Equal("9999:", ApcSmartProtocol.FormatRuntime(1e9));
        Assert.Equal(327 * 60, ApcSmartProtocol.ParseRuntimeSeconds(ApcSmartProtocol.FormatRuntime(327 * 60 + 59)));
        Assert.Equal(27.87, ApcSmartProtocol.ParseNumber(ApcSmartProtocol.FormatBatteryVoltage(27.87)));
    }

    [Fact]
    public void Framer_takes_alert_characters_out_of_the_stream_wherever_they_are()
    {
        var framer = new ApcSmartFramer();
        var events = new List<string>();

        // '!' before a reply, '%' inside one, '$' between replies; CR ignored, LF ends a line (NUT-AS).
        framer.Feed("!099.0\r\n02%7.87\r\n$"u8, a => events.Add("alert " + (char)a), l => events.Add("line " + l));

        Assert.Equal(["alert !", "line 099.0", "alert %", "line 027.87", "alert $"], events);
    }

    [Fact]
    public void Reply_lines_end_in_cr_lf()
    {
        // §6: "Replies end with CR LF"; Y is answered SM, R is answered BYE, unsupported commands NA.
        Assert.Equal("SM\r\n", Encoding.ASCII.GetString(ApcSmartProtocol.Line(ApcSmartProtocol.SmartModeReply)));
        Assert.Equal("BYE\r\n", Encoding.ASCII.GetString(ApcSmartProtocol.Line(ApcSmartProtocol.LeaveSmartModeReply)));
        Assert.Equal("NA\r\n", Encoding.ASCII.GetString(ApcSmartProtocol.Line(ApcSmartProtocol.NotAvailable)));
    }

    [Fact]
    public void Command_bytes_and_replies_are_frozen()
    {
        // §6 table: wire-visible command characters and replies.
        Assert.Equal((byte)'Y', ApcSmartProtocol.SmartMode);
        Assert.Equal((byte)'R', ApcSmartProtocol.LeaveSmartMode);
        Assert.Equal(0x01, ApcSmartProtocol.Model);
        Assert.Equal(("SM", "BYE", "NA", "OK", "NO"), (ApcSmartProtocol.SmartModeReply, ApcSmartProtocol.LeaveSmartModeReply, ApcSmartProtocol.NotAvailable, ApcSmartProtocol.Ok, ApcSmartProtocol.No));
    }

    [Fact]
    public void Alert_characters_are_frozen()
    {
        // SPEC §6 table: wire-visible characters.
        Assert.Equal(new string("!$%+?=*#&|".Order().ToArray()), new string(Enum.GetValues<ApcSmartAlert>().Select(a => (char)a).Order().ToArray()));
        Assert.All(Enum.GetValues<ApcSmartAlert>(), a => Assert.True(ApcSmartProtocol.IsAlert((byte)a)));
    }
}

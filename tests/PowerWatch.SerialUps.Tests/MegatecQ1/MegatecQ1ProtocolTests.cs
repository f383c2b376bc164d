using System.Text;
using PowerWatch.SerialUps.MegatecQ1;

namespace PowerWatch.SerialUps.Tests.MegatecQ1;

public sealed class MegatecQ1ProtocolTests
{
    private static byte[] A(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void Q1_example_reply_from_the_spec_parses_every_column()
    {
        // SPEC-DEVICES §5 (MEGA): "(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000" — 46 bytes before the CR.
        var s = MegatecQ1Protocol.ParseStatus(A("(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000"));
        Assert.Equal(215.0, s.InputVoltage);
        Assert.Equal(195.0, s.InputFaultVoltage);
        Assert.Equal(230.0, s.OutputVoltage);
        Assert.Equal(14, s.Load);
        Assert.Equal(49.0, s.InputFrequency);
        Assert.Equal(22.7, s.BatteryVoltage);
        Assert.Equal(30.0, s.Temperature);
        Assert.Equal((byte)0, s.Bits);
    }

    [Fact]
    public void Q1_status_bits_are_read_b7_first()
    {
        // §5: columns 38–45 are b7…b0; "10010011" = utility fail, UPS failed, shutdown active, beeper on.
        var s = MegatecQ1Protocol.ParseStatus(A("(215.0 195.0 230.0 014 49.0 22.7 30.0 10010011"));
        Assert.Equal((byte)0b1001_0011, s.Bits);
        Assert.True(s.UtilityFail);
        Assert.False(s.BatteryLow);
        Assert.True(s.UpsFailed);
        Assert.True(s.ShutdownActive);
        Assert.True(s.BeeperOn);
        Assert.False(s.TestInProgress);
    }

    [Fact]
    public void Q1_battery_voltage_in_the_per_cell_variant_parses()
    {
        // §5: some units send S.SS (xm381's example sends 2.27).
        var s = MegatecQ1Protocol.ParseStatus(A("(208.4 140.0 208.4 034 59.9 2.27 35.0 00110000"));
        Assert.Equal(2.27, s.BatteryVoltage);
    }

    [Fact]
    public void Q1_fields_filled_with_at_signs_are_unavailable()
    {
        // §5 (MEGA): an unavailable field is filled with '@'.
        var s = MegatecQ1Protocol.ParseStatus(A("(215.0 @@@@@ 230.0 014 49.0 @@@@ 30.0 00000000"));
        Assert.Null(s.InputFaultVoltage);
        Assert.Null(s.BatteryVoltage);
        Assert.Equal(215.0, s.InputVoltage);
    }

    [Fact]
    public void F_ratings_reply_parses_by_nut_columns()
    {
        // §5: "#MMM.M QQQ SS.SS RR.R", columns 1–5, 7–9, 11–15, 17–20; 22 bytes with the CR.
        var r = MegatecQ1Protocol.ParseRatings(A("#220.0 003 24.00 50.0"));
        Assert.Equal(new MegatecQ1Ratings(220.0, 3, 24.0, 50.0), r);
    }

    [Fact]
    public void I_identification_of_39_bytes_parses_and_trims()
    {
        // §5 and PEERS.md: '#' + company (15) + ' ' + model (10) + ' ' + version (10) + CR = 39 bytes.
        var line = "#" + "MEGATEC".PadRight(15) + " " + "MT1000".PadRight(10) + " " + "V2.7".PadRight(10);
        Assert.Equal(MegatecQ1Protocol.IdentityLength, line.Length);
        Assert.Equal(new MegatecQ1Identity("MEGATEC", "MT1000", "V2.7"), MegatecQ1Protocol.ParseIdentity(A(line)));
    }

    [Theory]
    [InlineData("(215.0 195.0 230.0 014 49.0 22.7 30.0 0000000", MegatecQ1Error.WrongLength)]
    [InlineData("[215.0 195.0 230.0 014 49.0 22.7 30.0 00000000", MegatecQ1Error.BadStart)]
    [InlineData("(215.0 195.0 230.0 01449.0  22.7 30.0 00000000", MegatecQ1Error.BadSeparator)]
    [InlineData("(215.0 195.0 2x0.0 014 49.0 22.7 30.0 00000000", MegatecQ1Error.BadField)]
    [InlineData("(215.0 195.0 230.0 014 49.0 22.7 30.0 00000002", MegatecQ1Error.BadStatusBit)]
    public void Malformed_q1_replies_are_refused_with_a_specific_error(string line, MegatecQ1Error expected)
    {
        var ex = Assert.Throws<MegatecQ1Exception>(() => MegatecQ1Protocol.ParseStatus(A(line)));
        Assert.Equal(expected, ex.Error);
    }

    [Fact]
    public void Q1_reply_with_an_appended_field_is_read_by_its_standard_columns()
    {
        // SPEC-DEVICES §5: "NUT rejects only replies that are too short (nutdrv_qx.c), so accept longer replies whose
        // first fields are standard, as some UPSes append fields". Here a 52-byte line: the example plus " 12.5".
        var s = MegatecQ1Protocol.ParseStatus(A("(215.0 195.0 230.0 014 49.0 22.7 30.0 10000000 12.5"));
        Assert.Equal(215.0, s.InputVoltage);
        Assert.Equal(30.0, s.Temperature);
        Assert.Equal((byte)0b1000_0000, s.Bits);
        Assert.True(s.UtilityFail);
    }

    [Fact]
    public void Q1_reply_shorter_than_the_standard_fields_is_refused_as_wrong_length()
    {
        // §5: 46 bytes before the CR are the minimum; here the last status bit (b0) is missing.
        var ex = Assert.Throws<MegatecQ1Exception>(() => MegatecQ1Protocol.ParseStatus(A("(215.0 195.0 230.0 014 49.0 22.7 30.0 0000000")));
        Assert.Equal(MegatecQ1Error.WrongLength, ex.Error);
    }

    [Fact]
    public void Longer_f_and_i_replies_are_refused_as_wrong_length()
    {
        // Only Q1 may carry appended fields; F and I keep their fixed lengths.
        Assert.Equal(MegatecQ1Error.WrongLength, Assert.Throws<MegatecQ1Exception>(() => MegatecQ1Protocol.ParseRatings(A("#220.0 003 24.00 50.0 1"))).Error);
        Assert.Equal(MegatecQ1Error.WrongLength, Assert.Throws<MegatecQ1Exception>(() => MegatecQ1Protocol.ParseIdentity(A("#" + new string(' ', 38)))).Error);
    }

    [Fact]
    public void Short_f_reply_is_refused_as_wrong_length()
    {
        var ex = Assert.Throws<MegatecQ1Exception>(() => MegatecQ1Protocol.ParseRatings(A("#220.0 003 24.00")));
        Assert.Equal(MegatecQ1Error.WrongLength, ex.Error);
    }

    [Theory]
    [InlineData("\xff\x13(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000", false)]
    [InlineData("\xff\x13(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000", true)]
    [InlineData("\xff(21(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000 12.5", true)] // half reply, then one with an appended field
    public void Garbage_in_front_of_a_reply_is_cut_off(string text, bool allowLonger)
    {
        var reply = MegatecQ1Protocol.Resync(A(text), (byte)'(', MegatecQ1Protocol.StatusLength, allowLonger);
        Assert.Equal(215.0, MegatecQ1Protocol.ParseStatus(reply).InputVoltage);
    }

    [Fact]
    public void Commands_are_ascii_terminated_by_cr()
    {
        // §5: commands are ASCII and end in CR.
        Assert.Equal(new byte[] { 0x51, 0x31, 0x0D }, MegatecQ1Protocol.Command("Q1"));
        Assert.True(MegatecQ1Protocol.IsEcho(A("Q1"), "Q1"));
        Assert.False(MegatecQ1Protocol.IsEcho(A("Q"), "Q1"));
    }
}

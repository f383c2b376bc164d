using System.Buffers;
using System.Text;
using PowerWatch.SerialUps.MegatecQ1;

namespace PowerWatch.SerialUps.Tests.MegatecQ1;

/// <summary>The UPS's half of the Q1 codec (what the simulators' face writes and reads).</summary>
public sealed class MegatecQ1RepliesTests
{
    [Fact]
    public void Q1_status_line_matches_the_spec_example_byte_for_byte()
    {
        // SPEC-DEVICES §5 (MEGA): "(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000" + CR, 47 bytes.
        var output = new ArrayBufferWriter<byte>();
        MegatecQ1Protocol.WriteStatus(output, new MegatecQ1Status(215.0, 195.0, 230.0, 14, 49.0, 22.7, 30.0, 0));
        Assert.Equal("(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r", Encoding.ASCII.GetString(output.WrittenSpan));
        Assert.Equal(MegatecQ1Protocol.StatusLength + 1, output.WrittenCount);
    }

    [Fact]
    public void Q1_battery_field_uses_S_SS_below_10_V_and_whole_volts_with_a_point_above_100_V()
    {
        // §5: S.SS per-cell form (xm381's "2.27"); a 192 V string does not fit SS.S, so it is sent as "218." (strtod reads 218).
        string Battery(double v)
        {
            var output = new ArrayBufferWriter<byte>();
            MegatecQ1Protocol.WriteStatus(output, new MegatecQ1Status(230, 0, 230, 0, 50, v, 25, 0));
            return Encoding.ASCII.GetString(output.WrittenSpan)[28..32];
        }

        Assert.Equal("2.27", Battery(2.27));
        Assert.Equal("27.5", Battery(27.5));
        Assert.Equal("218.", Battery(217.6));
    }

    [Fact]
    public void Unavailable_fields_and_status_bits_are_written_as_at_signs()
    {
        // §5 (MEGA): an unavailable field is filled with '@'; the parser reads the same line back as nulls.
        var output = new ArrayBufferWriter<byte>();
        MegatecQ1Protocol.WriteStatus(output, new MegatecQ1Status(215.0, null, 230.0, 14, 49.0, null, 30.0, null));
        Assert.Equal("(215.0 @@@@@ 230.0 014 49.0 @@@@ 30.0 @@@@@@@@\r", Encoding.ASCII.GetString(output.WrittenSpan));
        var back = MegatecQ1Protocol.ParseStatus(output.WrittenSpan[..^1]);
        Assert.Null(back.InputFaultVoltage);
        Assert.Null(back.BatteryVoltage);
        Assert.Null(back.Bits);
    }

    [Fact]
    public void F_and_i_replies_round_trip_through_the_parser()
    {
        // §5: "#MMM.M QQQ SS.SS RR.R" (22 bytes with the CR); '#' + 15 + ' ' + 10 + ' ' + 10 (39 with the CR).
        var output = new ArrayBufferWriter<byte>();
        MegatecQ1Protocol.WriteRatings(output, new MegatecQ1Ratings(220.0, 3, 24.0, 50.0));
        Assert.Equal("#220.0 003 24.00 50.0\r", Encoding.ASCII.GetString(output.WrittenSpan));
        Assert.Equal(new MegatecQ1Ratings(220.0, 3, 24.0, 50.0), MegatecQ1Protocol.ParseRatings(output.WrittenSpan[..^1]));

        output.Clear();
        var identity = new MegatecQ1Identity("MEGATEC", "MT1000", "V2.7");
        MegatecQ1Protocol.WriteIdentity(output, identity);
        Assert.Equal(MegatecQ1Protocol.IdentityLength + 1, output.WrittenCount);
        Assert.Equal(identity, MegatecQ1Protocol.ParseIdentity(output.WrittenSpan[..^1]));
    }

    [Theory]
    [InlineData("S03", 180, null)]
    [InlineData("S02R0005", 120, 5)]
    [InlineData("S.5R0000", 30, 0)]
    [InlineData("S00R0000", 0, 0)]
    public void Shutdown_commands_parse_as_nut_sends_them(string command, int delaySeconds, int? restoreMinutes)
    {
        Assert.True(MegatecQ1Protocol.TryParseShutdown(Encoding.ASCII.GetBytes(command), out var delay, out var restore));
        Assert.Equal(TimeSpan.FromSeconds(delaySeconds), delay);
        Assert.Equal(restoreMinutes is null ? null : TimeSpan.FromMinutes(restoreMinutes.Value), restore);
    }

    [Theory]
    [InlineData("S3")]
    [InlineData("S0a")]
    [InlineData("S02X0005")]
    [InlineData("S02R00a5")]
    public void Malformed_shutdown_commands_do_not_parse(string command) =>
        Assert.False(MegatecQ1Protocol.TryParseShutdown(Encoding.ASCII.GetBytes(command), out _, out _));

    [Theory]
    [InlineData("T01", 1)]
    [InlineData("T99", 99)]
    public void Timed_test_commands_parse_as_nut_sends_them(string command, int minutes)
    {
        // §5: T<n>, NUT sends "T%02d".
        Assert.True(MegatecQ1Protocol.TryParseTimedTest(Encoding.ASCII.GetBytes(command), out var parsed));
        Assert.Equal(minutes, parsed);
    }
}

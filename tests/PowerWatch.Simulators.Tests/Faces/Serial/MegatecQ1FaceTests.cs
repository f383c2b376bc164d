using System.Text;
using PowerWatch.Simulators.Faces.Serial;

namespace PowerWatch.Simulators.Tests.Faces.Serial;

public sealed class MegatecQ1FaceTests
{
    private static (Site Site, MegatecQ1Face Face) NewFace(MegatecQ1Options? options = null)
    {
        var site = Site.Create(TestSites.Quiet(generator: new GeneratorOptions { InitialMode = GeneratorMode.Stop }));
        site.SetUpsLoadPercent(40);
        site.RunFor(TimeSpan.FromSeconds(1), TestSites.Step);
        return (site, new MegatecQ1Face(site, options));
    }

    private static string Send(MegatecQ1Face face, string command)
    {
        var reply = face.Execute(Encoding.ASCII.GetBytes(command));
        return reply is null ? "<none>" : Encoding.ASCII.GetString(reply);
    }

    private static string Bits(MegatecQ1Face face) => Send(face, "Q1")[38..46];

    [Fact]
    public void Q1_reply_from_the_model_has_every_field_at_its_nut_column()
    {
        var (site, face) = NewFace();
        var reply = Send(face, "Q1");
        Assert.Equal(47, reply.Length);
        Assert.Equal('(', reply[0]);
        Assert.Equal('\r', reply[46]);
        foreach (var gap in new[] { 6, 12, 18, 22, 27, 32, 37 })
        {
            Assert.Equal(' ', reply[gap]);
        }

        var u = site.Ups;
        Assert.Equal(u.InputVoltage.ToString("000.0", System.Globalization.CultureInfo.InvariantCulture), reply[1..6]);
        Assert.Equal("000.0", reply[7..12]);
        Assert.Equal(u.OutputVoltage.ToString("000.0", System.Globalization.CultureInfo.InvariantCulture), reply[13..18]);
        Assert.Equal(Math.Round(u.LoadPercent).ToString("000", System.Globalization.CultureInfo.InvariantCulture), reply[19..22]);
        Assert.Equal(u.InputFrequency.ToString("00.0", System.Globalization.CultureInfo.InvariantCulture), reply[23..27]);
        Assert.Equal(Math.Round(u.BatteryVoltage).ToString("000", System.Globalization.CultureInfo.InvariantCulture) + ".", reply[28..32]);
        Assert.Equal(u.Temperature.ToString("00.0", System.Globalization.CultureInfo.InvariantCulture), reply[33..37]);
    }

    [Fact]
    public void F_ratings_are_22_bytes_with_the_string_nominal_voltage()
    {
        // §5: "#MMM.M QQQ SS.SS RR.R" + CR; 10 kVA at 230 V = 43 A; 16 × 12 V blocks = 192 V.
        var (_, face) = NewFace();
        Assert.Equal("#230.0 043 192.0 50.0\r", Send(face, "F"));
    }

    [Fact]
    public void I_reply_is_exactly_39_bytes_with_padded_fields()
    {
        // PEERS.md: '#' + manufacturer 15 + space + model 10 + space + firmware 10 + CR, or nutdrv_qx refuses the device.
        var (_, face) = NewFace(new MegatecQ1Options { Manufacturer = "ACME", Model = "Q1-10K", Firmware = "VER 2.7" });
        var reply = Send(face, "I");
        Assert.Equal(39, reply.Length);
        Assert.Equal("#ACME            Q1-10K     VER 2.7   \r", reply);
    }

    [Fact]
    public void I_reply_cuts_over_long_names_to_keep_39_bytes()
    {
        var (_, face) = NewFace(new MegatecQ1Options { Manufacturer = "A very long manufacturer name", Model = "ModelNameTooLong", Firmware = "Firmware12345" });
        var reply = Send(face, "I");
        Assert.Equal(39, reply.Length);
        Assert.Equal("#A very long man ModelNameT Firmware12\r", reply);
    }

    [Fact]
    public void Status_bits_follow_the_model_online_on_battery_and_low_battery()
    {
        var (site, face) = NewFace();
        Assert.Equal("00000001", Bits(face)); // OL, on-line type, beeper on

        site.Utility.Fail();
        site.Step(TestSites.Step);
        Assert.Equal("10000001", Bits(face)); // b7 utility fail

        Assert.NotNull(TestSites.StepUntil(site, s => (s.Ups.Status & UpsStatus.LowBattery) != 0, TimeSpan.FromHours(1), TimeSpan.FromSeconds(1)));
        Assert.Equal("11000001", Bits(face)); // b6 battery low
    }

    [Fact]
    public void Bypass_sets_b5_and_a_standby_unit_sets_b3()
    {
        var (site, face) = NewFace(new MegatecQ1Options { StandbyType = true });
        Assert.Equal("00001001", Bits(face));
        site.Write(s => s.Ups.SetBypass(true));
        site.Step(TestSites.Step);
        Assert.Equal("00101001", Bits(face));
    }

    [Fact]
    public void Beeper_toggle_Q_flips_b0_and_has_no_reply()
    {
        var (_, face) = NewFace();
        Assert.Equal("<none>", Send(face, "Q"));
        Assert.Equal('0', Bits(face)[7]);
        Send(face, "Q");
        Assert.Equal('1', Bits(face)[7]);
    }

    [Fact]
    public void S03_sets_shutdown_active_and_C_cancels_it()
    {
        var (site, face) = NewFace();
        Assert.Equal("<none>", Send(face, "S03"));
        site.Step(TestSites.Step);
        Assert.Equal('1', Bits(face)[6]); // b1 shutdown active (NUT: FSD)
        Assert.Equal(TimeSpan.FromMinutes(3) - TestSites.Step, site.Ups.ShutdownRemaining);

        Send(face, "C");
        site.Step(TestSites.Step);
        Assert.Equal('0', Bits(face)[6]);
        Assert.False(site.Ups.ShutdownPending);
    }

    [Fact]
    public void S_5R0000_turns_the_output_off_after_30_seconds_and_keeps_it_off()
    {
        // NUT test vector S.5R0000 (shutdown.stayoff with a 0.5 min delay).
        var (site, face) = NewFace();
        Send(face, "S.5R0000");
        site.RunFor(TimeSpan.FromSeconds(29), TestSites.Step);
        Assert.True(site.Ups.OutputOn);
        site.RunFor(TimeSpan.FromSeconds(2), TestSites.Step);
        Assert.False(site.Ups.OutputOn);
        site.RunFor(TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(1));
        Assert.False(site.Ups.OutputOn);
    }

    [Fact]
    public void S02R0005_turns_the_output_off_after_2_minutes_and_back_on_5_minutes_later()
    {
        // NUT test vector S02R0005.
        var (site, face) = NewFace();
        Send(face, "S02R0005");
        site.RunFor(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1), TestSites.Step);
        Assert.False(site.Ups.OutputOn);
        site.RunFor(TimeSpan.FromMinutes(4), TimeSpan.FromSeconds(1));
        Assert.False(site.Ups.OutputOn);
        site.RunFor(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        Assert.True(site.Ups.OutputOn);
    }

    [Theory]
    [InlineData("S3")]
    [InlineData("S0a")]
    [InlineData("S02X0005")]
    [InlineData("S02R00a5")]
    public void Malformed_shutdown_commands_are_echoed(string command)
    {
        var (site, face) = NewFace();
        Assert.Equal(command + "\r", Send(face, command));
        Assert.False(site.Ups.ShutdownPending);
    }

    [Theory]
    [InlineData("T")]
    [InlineData("TL")]
    [InlineData("T05")]
    public void Battery_test_commands_start_the_model_self_test_and_set_b2(string command)
    {
        var (site, face) = NewFace();
        Assert.Equal("<none>", Send(face, command));
        site.Step(TestSites.Step);
        Assert.Equal('1', Bits(face)[5]);
        Send(face, "CT");
        site.Step(TestSites.Step);
        Assert.Equal('0', Bits(face)[5]);
    }

    [Theory]
    [InlineData("D")]
    [InlineData("QS")]
    [InlineData("XYZ")]
    public void Unknown_commands_are_echoed_back(string command)
    {
        var (_, face) = NewFace();
        Assert.Equal(command + "\r", Send(face, command));
    }

    [Fact]
    public void Unavailable_fields_are_filled_with_at_signs()
    {
        var (_, face) = NewFace(new MegatecQ1Options { UnavailableFields = MegatecQ1Fields.Temperature | MegatecQ1Fields.InputFaultVoltage });
        var reply = Send(face, "Q1");
        Assert.Equal("@@@@@", reply[7..12]);
        Assert.Equal("@@@@", reply[33..37]);
        Assert.Equal(47, reply.Length);
    }

    [Fact]
    public void Per_cell_divisor_reports_the_cell_voltage()
    {
        var (site, face) = NewFace(new MegatecQ1Options { BatteryVoltageDivisor = 96 });
        var expected = (site.Ups.BatteryVoltage / 96).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, Send(face, "Q1")[28..32]);
    }
}

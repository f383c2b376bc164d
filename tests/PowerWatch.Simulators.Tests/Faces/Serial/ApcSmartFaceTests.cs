using System.Text;
using PowerWatch.Simulators.Faces.Serial;

namespace PowerWatch.Simulators.Tests.Faces.Serial;

public sealed class ApcSmartFaceTests
{
    private static (Site Site, ApcSmartFace Face, ApcSmartSession Session) NewFace()
    {
        var site = Site.Create(TestSites.Quiet(generator: new GeneratorOptions { InitialMode = GeneratorMode.Stop }));
        site.SetUpsLoadPercent(40);
        site.RunFor(TimeSpan.FromSeconds(1), TestSites.Step);
        var face = new ApcSmartFace(site);
        return (site, face, face.CreateSession());
    }

    private static string Send(ApcSmartSession session, string chars)
    {
        var text = new StringBuilder();
        foreach (var c in chars)
        {
            if (session.Handle((byte)c) is { } reply)
            {
                text.Append(Encoding.ASCII.GetString(reply));
            }
        }

        return text.ToString();
    }

    [Fact]
    public void Nothing_is_answered_before_Y_and_Y_answers_SM()
    {
        var (_, face, session) = NewFace();
        using var _f = face;
        Assert.Equal("", Send(session, "fjBQ\u0001a"));
        Assert.Equal("SM\r\n", Send(session, "Y"));
        Assert.True(session.IsSmart);
    }

    [Fact]
    public void R_leaves_smart_mode_with_BYE()
    {
        var (_, face, session) = NewFace();
        using var _f = face;
        Send(session, "Y");
        Assert.Equal("BYE\r\n", Send(session, "R"));
        Assert.Equal("", Send(session, "f"));
    }

    [Fact]
    public void Unsupported_commands_answer_NA()
    {
        var (_, face, session) = NewFace();
        using var _f = face;
        Send(session, "Y");
        Assert.Equal("NA\r\nNA\r\nNA\r\n", Send(session, "EVD"));
    }

    [Fact]
    public void Q_status_is_08_on_line_10_on_battery_and_50_with_low_battery()
    {
        // §6 typical values: 08 on line, 10 on battery, 50 on battery with low battery.
        var (site, face, session) = NewFace();
        using var _f = face;
        Send(session, "Y");
        Assert.Equal("08\r\n", Send(session, "Q"));
        site.Utility.Fail();
        site.Step(TestSites.Step);
        Assert.Equal("10\r\n", Send(session, "Q"));
        Assert.NotNull(TestSites.StepUntil(site, s => (s.Ups.Status & UpsStatus.LowBattery) != 0, TimeSpan.FromHours(1), TimeSpan.FromSeconds(1)));
        Assert.Equal("50\r\n", Send(session, "Q"));
    }

    [Fact]
    public void Runtime_j_is_four_digit_minutes_with_a_colon_and_applies_the_bias()
    {
        var (site, face, session) = NewFace();
        using var _f = face;
        Send(session, "Y");
        var reply = Send(session, "j");
        Assert.Matches(@"^\d{4}:\r\n$", reply);
        var trueMinutes = Math.Floor(site.Ups.TrueRuntimeSeconds / 60);
        Assert.Equal(trueMinutes, double.Parse(reply[..4], System.Globalization.CultureInfo.InvariantCulture));

        site.Write(s => s.Ups.SetRuntimeBias(1.4));
        var biased = Send(session, "j");
        Assert.Equal(Math.Floor(site.Ups.TrueRuntimeSeconds * 1.4 / 60), double.Parse(biased[..4], System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual(reply, biased);
    }

    [Fact]
    public void Read_commands_use_the_documented_formats()
    {
        var (site, face, session) = NewFace();
        using var _f = face;
        site.Write(s => s.Ups.SetChargePercent(99));
        site.Step(TestSites.Step);
        Send(session, "Y");
        Assert.Matches(@"^099\.\d\r\n$", Send(session, "f"));
        Assert.Equal("192\r\n", Send(session, "g"));
        Assert.Equal("230.0\r\n", Send(session, "L"));
        Assert.Equal("230.0\r\n", Send(session, "O"));
        Assert.Equal("50.00\r\n", Send(session, "F"));
        Assert.Matches(@"^040\.\d\r\n$", Send(session, "P"));
        Assert.Matches(@"^\d{3}\.\d\r\n$", Send(session, "B"));
        Assert.Equal("Smart-UPS 3000\r\n", Send(session, "\u0001"));
        Assert.Equal("FF\r\n", Send(session, "9"));
        Assert.Equal("O\r\n", Send(session, "G"));
        Assert.Equal("NO\r\n", Send(session, "X"));
        Assert.Equal("196\r\n264\r\n020\r\n000\r\n03\r\n", Send(session, "lupr" + "q"));
    }

    [Fact]
    public void Protocol_info_a_lists_version_alerts_and_every_supported_command()
    {
        var (_, face, session) = NewFace();
        using var _f = face;
        Send(session, "Y");
        var parts = Send(session, "a").TrimEnd('\r', '\n').Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Equal("3", parts[0]);
        foreach (var c in parts[2])
        {
            var probe = face.CreateSession();
            Send(probe, "Y");
            Assert.NotEqual("NA\r\n", Send(probe, c.ToString()));
        }
    }

    [Fact]
    public void K_needs_to_be_sent_twice_and_then_schedules_a_shutdown()
    {
        var (site, face, session) = NewFace();
        using var _f = face;
        Send(session, "Y");
        Assert.Equal("", Send(session, "K"));
        Assert.False(site.Ups.ShutdownPending);
        Assert.Equal("OK\r\n", Send(session, "K"));
        Assert.True(site.Ups.ShutdownPending);
        Assert.Equal("OK\r\n", Send(session, "\u007F"));
        Assert.False(site.Ups.ShutdownPending);
    }

    [Fact]
    public void At_nnn_schedules_shutdown_and_return_and_S_is_refused_on_line()
    {
        var (site, face, session) = NewFace();
        using var _f = face;
        Send(session, "Y");
        Assert.Equal("NO\r\n", Send(session, "S"));
        Assert.Equal("OK\r\n", Send(session, "@000"));
        Assert.True(site.Ups.ShutdownPending);
    }

    [Fact]
    public void Z_twice_turns_the_output_off_and_ctrl_N_twice_turns_it_on()
    {
        var (site, face, session) = NewFace();
        using var _f = face;
        Send(session, "Y");
        Assert.Equal("OK\r\n", Send(session, "ZZ"));
        site.Step(TestSites.Step);
        Assert.False(site.Ups.OutputOn);
        Assert.Equal("", Send(session, "\u000E"));
        Assert.Equal("OK\r\n", Send(session, "\u000E"));
        site.Step(TestSites.Step);
        Assert.True(site.Ups.OutputOn);
    }

    [Fact]
    public void Alerts_follow_the_model_and_line_fail_repeats_every_30_s_of_model_time()
    {
        var (site, face, _) = NewFace();
        using var _f = face;
        var alerts = new List<char>();
        ((ISerialFaceProtocol)face).AlertRaised += b => alerts.Add((char)b);

        site.Utility.Fail();
        site.Step(TestSites.Step);
        Assert.Equal("!", new string([.. alerts]));

        site.RunFor(TimeSpan.FromSeconds(29.8), TestSites.Step);
        Assert.Equal("!", new string([.. alerts]));
        site.RunFor(TimeSpan.FromSeconds(0.2), TestSites.Step);
        Assert.Equal("!!", new string([.. alerts]));
        site.RunFor(TimeSpan.FromSeconds(60), TestSites.Step);
        Assert.Equal("!!!!", new string([.. alerts]));

        alerts.Clear();
        site.Utility.Restore();
        site.Step(TestSites.Step);
        Assert.Equal("$", new string([.. alerts]));
        site.RunFor(TimeSpan.FromSeconds(120), TestSites.Step);
        Assert.Equal("$", new string([.. alerts]));
    }

    [Fact]
    public void Low_battery_raises_percent_stops_line_fail_repeats_and_power_return_clears_it_with_plus()
    {
        var (site, face, _) = NewFace();
        using var _f = face;
        var alerts = new List<char>();
        ((ISerialFaceProtocol)face).AlertRaised += b => alerts.Add((char)b);
        site.Utility.Fail();
        Assert.NotNull(TestSites.StepUntil(site, s => (s.Ups.Status & UpsStatus.LowBattery) != 0, TimeSpan.FromHours(1)));
        Assert.Equal('%', alerts[^1]);
        var count = alerts.Count;
        site.RunFor(TimeSpan.FromSeconds(90), TestSites.Step);
        Assert.DoesNotContain('!', alerts.Skip(count));

        site.Utility.Restore();
        site.Step(TestSites.Step);
        Assert.Contains('$', alerts.Skip(count));
        Assert.Contains('+', alerts.Skip(count));
    }

    [Fact]
    public void Overload_raises_question_mark_and_clearing_it_raises_equals_and_output_off_raises_star()
    {
        var (site, face, _) = NewFace();
        using var _f = face;
        var alerts = new List<char>();
        ((ISerialFaceProtocol)face).AlertRaised += b => alerts.Add((char)b);
        site.SetUpsLoadPercent(120);
        site.Step(TestSites.Step);
        site.Step(TestSites.Step);
        Assert.Contains('?', alerts);
        site.SetUpsLoadPercent(40);
        site.Step(TestSites.Step);
        site.Step(TestSites.Step);
        Assert.Contains('=', alerts);
        site.Write(s => s.Ups.TurnOutputOff());
        site.Step(TestSites.Step);
        Assert.Equal('*', alerts[^1]);
    }

    [Fact]
    public void Replace_battery_raises_hash()
    {
        var (site, face, _) = NewFace();
        using var _f = face;
        var alerts = new List<char>();
        ((ISerialFaceProtocol)face).AlertRaised += b => alerts.Add((char)b);
        site.Write(s => s.Ups.SetFault(UpsFault.BatteryDisconnected));
        site.Step(TestSites.Step);
        Assert.Contains('#', alerts);
    }

    [Fact]
    public void W_starts_a_self_test_and_a_second_W_stops_it()
    {
        var (site, face, session) = NewFace();
        using var _f = face;
        Send(session, "Y");
        Assert.Equal("OK\r\n", Send(session, "W"));
        site.Step(TestSites.Step);
        Assert.NotEqual(0, site.Read(s => (int)(s.Ups.Status & UpsStatus.TestInProgress)));
        Assert.Equal("OK\r\n", Send(session, "W"));
        site.Step(TestSites.Step);
        Assert.Equal(0, site.Read(s => (int)(s.Ups.Status & UpsStatus.TestInProgress)));
    }
}

using System.Net;
using System.Net.Sockets;
using PowerWatch.Simulators.Faces.Snmp;
using PowerWatch.Snmp;

namespace PowerWatch.Simulators.Tests.Faces.Snmp;

/// <summary>The SNMP faces read by our own client (PowerWatch.Snmp), compared with the models and the MIBs' scales.</summary>
public sealed class SnmpFaceTests
{
    private static Oid O(string text) => Oid.Parse(text);

    [Fact]
    public async Task Ups_face_answers_ups_mib_and_powernet_with_the_model_values()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        await using var client = SnmpFaceKit.Client(kit.Server("ups"));
        var values = await client.GetAsync(
        [
            O("1.3.6.1.2.1.33.1.2.4.0"), O("1.3.6.1.2.1.33.1.4.1.0"), O("1.3.6.1.2.1.33.1.4.4.1.2.1"), O("1.3.6.1.2.1.33.1.4.4.1.5.1"),
            O("1.3.6.1.4.1.318.1.1.1.4.1.1.0"), O("1.3.6.1.4.1.318.1.1.1.2.2.3.0"), O("1.3.6.1.4.1.318.1.1.1.4.3.3.0"), O("1.3.6.1.4.1.318.1.1.1.3.3.1.0"),
            O("1.3.6.1.2.1.1.5.0"),
        ], CancellationToken.None);

        var ups = kit.Site.Ups;
        Assert.Equal((int)Math.Round(ups.ChargePercent), values[0].Value.AsInt32());
        Assert.Equal(3, values[1].Value.AsInt32());                                   // upsOutputSource normal
        Assert.Equal((int)Math.Round(ups.OutputVoltage), values[2].Value.AsInt32());
        Assert.Equal((int)Math.Round(ups.LoadPercent), values[3].Value.AsInt32());
        Assert.Equal(2, values[4].Value.AsInt32());                                   // upsBasicOutputStatus onLine
        Assert.Equal((uint)Math.Floor(ups.ReportedRuntimeSeconds) * 100, values[5].Value.AsUInt32()); // TimeTicks
        Assert.Equal((uint)Math.Round(ups.LoadPercent * 10), values[6].Value.AsUInt32()); // high precision, 0.1 %
        Assert.Equal((uint)Math.Round(ups.InputVoltage * 10), values[7].Value.AsUInt32());
        Assert.Equal("ups", values[8].Value.AsString());
    }

    [Fact]
    public async Task Ups_on_battery_shows_in_both_mibs()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        kit.Site.Utility.Fail();
        kit.Site.RunFor(TimeSpan.FromSeconds(5), TestSites.Step);
        await using var client = SnmpFaceKit.Client(kit.Server("ups"));
        var values = await client.GetAsync([O("1.3.6.1.2.1.33.1.4.1.0"), O("1.3.6.1.4.1.318.1.1.1.4.1.1.0"), O("1.3.6.1.2.1.33.1.2.2.0"), O("1.3.6.1.2.1.33.1.6.1.0"), O("1.3.6.1.2.1.33.1.6.2.1.2.2")], CancellationToken.None);

        Assert.Equal(5, values[0].Value.AsInt32());        // battery
        Assert.Equal(3, values[1].Value.AsInt32());        // onBattery
        Assert.InRange(values[2].Value.AsInt32(), 4, 5);   // upsSecondsOnBattery
        Assert.True(values[3].Value.AsUInt32() >= 1);
        Assert.Equal(O("1.3.6.1.2.1.33.1.6.3.2"), values[4].Value.AsOid()); // upsAlarmOnBattery
    }

    [Fact]
    public async Task Walk_of_the_rpdu2_metered_outlet_current_column_returns_every_outlet_in_tenths_of_amps()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        await using var client = SnmpFaceKit.Client(kit.Server("pdu1"));
        var column = O("1.3.6.1.4.1.318.1.1.26.9.4.3.1.6");
        var cells = await client.WalkToListAsync(column, CancellationToken.None);

        var outlets = kit.Site.Pdus[0].Outlets;
        Assert.Equal(24, cells.Count);
        for (var i = 0; i < 24; i++)
        {
            Assert.Equal((uint)(i + 1), cells[i].Oid.IndexAfter(column)[0]);
            Assert.Equal((int)Math.Round(outlets[i].Current * 10), cells[i].Value.AsInt32());
        }
    }

    [Fact]
    public async Task Raritan_readings_scale_by_the_decimal_digits_column()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        await using var client = SnmpFaceKit.Client(kit.Server("pdu2"));
        var values = await client.GetAsync([O("1.3.6.1.4.1.13742.6.3.5.4.1.7.1.3.1"), O("1.3.6.1.4.1.13742.6.5.4.3.1.4.1.3.1"), O("1.3.6.1.4.1.13742.6.3.3.4.1.7.1.1.4"), O("1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.4"), O("1.3.6.1.4.1.13742.6.4.1.2.1.3.1.3")], CancellationToken.None);

        var pdu = kit.Site.Pdus[1];
        var digits = values[0].Value.AsUInt32();
        Assert.Equal(3u, digits);
        Assert.Equal(pdu.Outlets[2].Current, values[1].Value.AsUInt32() / Math.Pow(10, digits), 3);
        Assert.Equal(0u, values[2].Value.AsUInt32());
        Assert.Equal(Math.Round(pdu.Voltage), values[3].Value.AsUInt32());
        Assert.Equal(7, values[4].Value.AsInt32()); // on
    }

    [Fact]
    public async Task Ats_face_shows_source_b_after_the_transfer()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        await using var client = SnmpFaceKit.Client(kit.Server("ats"));
        var before = await client.GetAsync([O("1.3.6.1.4.1.318.1.1.8.5.1.2.0"), O("1.3.6.1.4.1.318.1.1.8.5.1.12.0")], CancellationToken.None);
        kit.Site.Utility.Fail();
        Assert.NotNull(TestSites.StepUntil(kit.Site, s => s.Ats.Position == AtsPosition.Source2, TimeSpan.FromMinutes(2)));
        var after = await client.GetAsync([O("1.3.6.1.4.1.318.1.1.8.5.1.2.0"), O("1.3.6.1.4.1.318.1.1.8.5.1.12.0"), O("1.3.6.1.4.1.318.1.1.8.5.3.3.1.3.2.1")], CancellationToken.None);

        Assert.Equal([1, 2], before.Select(v => v.Value.AsInt32()));
        Assert.Equal(2, after[0].Value.AsInt32());
        Assert.Equal(1, after[1].Value.AsInt32());
        Assert.Equal((int)Math.Round(kit.Site.Ats.Source2Voltage), after[2].Value.AsInt32());
    }

    [Theory]
    [InlineData("simsha")]
    [InlineData("simsha256")]
    public async Task V3_authpriv_client_discovers_the_engine_and_walks_the_system_group(string user)
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        var server = kit.Server("ups");
        await using var client = SnmpFaceKit.Client(server, SnmpFaceKit.V3(user == "simsha" ? SnmpFaceKit.ShaAes : SnmpFaceKit.Sha256Aes));
        var system = await client.WalkToListAsync(SnmpFace.SystemGroup, CancellationToken.None);

        Assert.Equal(7, system.Count);
        Assert.Equal("ups", system[4].Value.AsString());
        Assert.True(server.Agent.Statistics.UnknownEngineIds >= 1); // the discovery
    }

    [Fact]
    public async Task Wrong_v3_password_gets_a_wrong_digest_report()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        var options = SnmpFaceKit.V3(SnmpFaceKit.ShaAes);
        options.AuthPassword = "not-the-password";
        await using var client = SnmpFaceKit.Client(kit.Server("ups"), options);

        var error = await Assert.ThrowsAsync<SnmpAuthenticationException>(() => client.GetAsync([SnmpFace.SystemGroup.Append(1, 0)], CancellationToken.None));
        Assert.Equal(O("1.3.6.1.6.3.15.1.1.5.0"), error.ReportOid);
        Assert.Equal(1, kit.Server("ups").Agent.Statistics.WrongDigests);
    }

    [Fact]
    public async Task Malformed_datagrams_and_a_wrong_community_are_dropped_and_counted_and_the_face_keeps_answering()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        var server = kit.Server("pdu1");
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, server.Port);
        byte[][] garbage =
        [
            [], [0x30], [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], [0x30, 0x03, 0x02, 0x01, 0x07], "GET / HTTP/1.0\r\n\r\n"u8.ToArray(),
            [0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00], new byte[2000],
        ];
        foreach (var g in garbage)
        {
            await raw.SendToAsync(g, target, CancellationToken.None);
        }

        await using (var wrong = SnmpFaceKit.Client(server, new SnmpClientOptions { Community = "private", Timeout = TimeSpan.FromMilliseconds(300), Retries = 0 }))
        {
            await Assert.ThrowsAsync<SnmpTimeoutException>(() => wrong.GetAsync([SnmpFace.SystemGroup.Append(1, 0)], CancellationToken.None));
        }

        await using var client = SnmpFaceKit.Client(server);
        var value = await client.GetAsync([SnmpFace.SystemGroup.Append(5, 0)], CancellationToken.None);

        Assert.Equal("pdu1", value[0].Value.AsString());
        Assert.Equal(garbage.Length, server.Agent.Statistics.Malformed);
        Assert.Equal(1, server.Agent.Statistics.BadCommunities);
    }

    [Fact]
    public async Task Missing_instances_and_the_end_of_the_view_are_exceptions_not_errors()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        await using var client = SnmpFaceKit.Client(kit.Server("ups"));
        var values = await client.GetAsync([O("1.3.6.1.2.1.33.1.2.4.1"), O("1.3.6.1.2.1.99.1.0")], CancellationToken.None);
        var next = await client.GetNextAsync([O("1.3.6.1.4.1.318.9")], CancellationToken.None);

        Assert.Equal(SnmpType.NoSuchInstance, values[0].Value.Type);
        Assert.Equal(SnmpType.NoSuchObject, values[1].Value.Type);
        Assert.Equal(SnmpType.EndOfMibView, next[0].Value.Type);
    }

    [Fact]
    public async Task Utility_loss_sends_upsOnBattery_and_the_ats_transfer_sends_atsSourceSwitched()
    {
        using var receiver = SnmpFaceKit.TrapReceiver();
        var destination = new SnmpTrapDestination((IPEndPoint)receiver.LocalEndPoint!);
        await using var kit = await SnmpFaceKit.StartAsync([destination]);
        kit.Site.Utility.Fail();
        Assert.NotNull(TestSites.StepUntil(kit.Site, s => s.Ats.Position == AtsPosition.Source2, TimeSpan.FromMinutes(2)));

        var trapOids = new List<Oid>();
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken.None);
        patience.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[65_536];
        while (!trapOids.Contains(O("1.3.6.1.4.1.318.0.126")))
        {
            var n = await receiver.ReceiveAsync(buffer, patience.Token);
            var message = SnmpCommunityMessage.Decode(buffer.AsSpan(0, n));
            Assert.Equal(SnmpPduType.TrapV2, message.Pdu.Type);
            Assert.Equal(SnmpAgent.SysUpTime, message.Pdu.Variables[0].Oid);
            trapOids.Add(message.Pdu.Variables[1].Value.AsOid());
        }

        Assert.Contains(O("1.3.6.1.4.1.318.0.5"), trapOids);
        Assert.True(trapOids.IndexOf(O("1.3.6.1.4.1.318.0.5")) < trapOids.IndexOf(O("1.3.6.1.4.1.318.0.126")));
    }

    [Fact]
    public async Task Switching_an_outlet_sends_rPDUOutletOff_naming_the_outlet()
    {
        using var receiver = SnmpFaceKit.TrapReceiver();
        await using var kit = await SnmpFaceKit.StartAsync([new SnmpTrapDestination((IPEndPoint)receiver.LocalEndPoint!)]);
        Assert.True(kit.Site.Pdus[0].SetOutlet(7, false));
        kit.Site.Step(TestSites.Step);

        using var patience = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken.None);
        patience.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[65_536];
        var n = await receiver.ReceiveAsync(buffer, patience.Token);
        var pdu = SnmpCommunityMessage.Decode(buffer.AsSpan(0, n)).Pdu;

        Assert.Equal(O("1.3.6.1.4.1.318.0.269"), pdu.Variables[1].Value.AsOid());
        Assert.Contains(pdu.Variables, v => v.Oid == O("1.3.6.1.4.1.318.1.1.12.3.3.1.1.1.7") && v.Value.AsInt32() == 7);
    }
}

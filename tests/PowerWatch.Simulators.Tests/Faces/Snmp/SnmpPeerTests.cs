using System.Globalization;
using System.Net;
using PowerWatch.Simulators.Faces.Snmp;
using PowerWatch.Snmp;
using PowerWatch.TestSupport;

namespace PowerWatch.Simulators.Tests.Faces.Snmp;

/// <summary>
/// Real peers against the SNMP faces: net-snmp's command-line tools (Debian <c>snmp</c>: snmpget, snmpwalk,
/// snmpbulkwalk; v2c and v3 authPriv SHA/AES and SHA-256/AES) and net-snmp's trap receiver (Debian
/// <c>snmptrapd</c>) receiving the faces' v2c and v3 traps. Every value net-snmp prints is compared with the face's
/// own view of the same instant (the site is stepped, so nothing moves between the two).
/// </summary>
public sealed class SnmpPeerTests
{
    [PeerFact("snmpwalk")]
    public async Task Snmpwalk_v2c_of_every_face_returns_the_whole_view_in_order_with_the_same_values()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        foreach (var server in kit.Servers)
        {
            var lines = await SnmpFaceKit.RunToolAsync("snmpwalk", "-v2c", "-c", "public", SnmpFaceKit.Address(server), ".1.3.6.1");
            AssertSameAsView(server, lines);
        }
    }

    [PeerTheory("snmpbulkwalk")]
    [InlineData("simsha")]
    [InlineData("simsha256")]
    public async Task Snmpbulkwalk_v3_authpriv_returns_the_whole_view(string user)
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        var account = user == "simsha" ? SnmpFaceKit.ShaAes : SnmpFaceKit.Sha256Aes;
        foreach (var id in new[] { "ups", "pdu1" })
        {
            var server = kit.Server(id);
            var lines = await SnmpFaceKit.RunToolAsync("snmpbulkwalk", [.. SnmpFaceKit.NetSnmpV3(account), "-Cr25", SnmpFaceKit.Address(server), ".1.3.6.1"]);
            AssertSameAsView(server, lines);
        }
    }

    [PeerFact("snmpget")]
    public async Task Snmpget_v3_sha_aes_reads_the_apc_ats_selected_source_and_the_raritan_decimal_digits()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        var ats = SnmpFaceKit.Parse(await SnmpFaceKit.RunToolAsync("snmpget", [.. SnmpFaceKit.NetSnmpV3(SnmpFaceKit.ShaAes), SnmpFaceKit.Address(kit.Server("ats")),
            ".1.3.6.1.4.1.318.1.1.8.5.1.2.0", ".1.3.6.1.4.1.318.1.1.8.5.3.3.1.3.1.1"]));
        var pdu = SnmpFaceKit.Parse(await SnmpFaceKit.RunToolAsync("snmpget", "-v2c", "-c", "public", SnmpFaceKit.Address(kit.Server("pdu2")),
            ".1.3.6.1.4.1.13742.6.3.5.4.1.7.1.1.1", ".1.3.6.1.4.1.13742.6.5.4.3.1.4.1.1.1"));

        Assert.Equal(("INTEGER", "1"), ats[Oid.Parse("1.3.6.1.4.1.318.1.1.8.5.1.2.0")]);
        Assert.Equal(Math.Round(kit.Site.Ats.Source1Voltage).ToString(CultureInfo.InvariantCulture), ats[Oid.Parse("1.3.6.1.4.1.318.1.1.8.5.3.3.1.3.1.1")].Value);
        Assert.Equal(("Gauge32", "3"), pdu[Oid.Parse("1.3.6.1.4.1.13742.6.3.5.4.1.7.1.1.1")]);
        var milliamps = double.Parse(pdu[Oid.Parse("1.3.6.1.4.1.13742.6.5.4.3.1.4.1.1.1")].Value, CultureInfo.InvariantCulture);
        Assert.Equal(kit.Site.Pdus[1].Outlets[0].Current, milliamps / 1000, 3);
    }

    [PeerFact("snmpget")]
    public async Task Snmpget_with_a_wrong_v3_password_fails_with_an_authentication_error()
    {
        await using var kit = await SnmpFaceKit.StartAsync();
        var args = SnmpFaceKit.NetSnmpV3(SnmpFaceKit.ShaAes);
        args[Array.IndexOf(args, "-A") + 1] = "wrong-password";
        var (code, output) = await PeerProcess.RunAsync(Peers.Require("snmpget"), ["-On", "-r", "0", "-t", "2", .. args, SnmpFaceKit.Address(kit.Server("ups")), ".1.3.6.1.2.1.1.1.0"], SnmpFaceKit.PeerTimeout, environment: new Dictionary<string, string> { ["MIBS"] = "" });

        Assert.NotEqual(0, code);
        Assert.Contains("Authentication failure", output, StringComparison.OrdinalIgnoreCase);
    }

    [PeerFact("snmptrapd")]
    public async Task Snmptrapd_receives_the_v2c_and_v3_traps_of_a_utility_loss_and_an_outlet_switched_off()
    {
        using var dir = new TempDir("powerwatch-snmptrapd");
        var port = SnmpFaceKit.FreeUdpPort();
        var trapd = new IPEndPoint(IPAddress.Loopback, port);
        await using var kit = await SnmpFaceKit.StartAsync(
        [
            new SnmpTrapDestination(trapd, SnmpVersion.V2c, "simtraps"),
            new SnmpTrapDestination(trapd, SnmpVersion.V3, User: SnmpFaceKit.ShaAes.Name),
        ]);
        var config = new List<string> { "authCommunity log simtraps", $"authUser log {SnmpFaceKit.ShaAes.Name} priv" };
        foreach (var server in kit.Servers)
        {
            // The sender of a v3 trap is the authoritative engine: the receiver knows the user per sending engine id.
            config.Add($"createUser -e 0x{Convert.ToHexString(server.Agent.EngineId)} {SnmpFaceKit.ShaAes.Name} SHA \"{SnmpFaceKit.AuthPassword}\" AES \"{SnmpFaceKit.PrivPassword}\"");
        }

        await File.WriteAllLinesAsync(dir.File("snmptrapd.conf"), config);
        Directory.CreateDirectory(dir.File("persist"));
        await using var receiver = PeerProcess.Start(Peers.Require("snmptrapd"),
            ["-f", "-Lo", "-C", "-c", dir.File("snmptrapd.conf"), "-On", "-F", "TRAP %v\n", "udp:127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture)],
            dir.Path, new Dictionary<string, string> { ["SNMP_PERSISTENT_DIR"] = dir.File("persist"), ["MIBS"] = "" });
        await receiver.WaitForOutputAsync("NET-SNMP version", SnmpFaceKit.PeerTimeout);

        kit.Site.Utility.Fail();
        kit.Site.RunFor(TimeSpan.FromSeconds(2), TestSites.Step);
        Assert.True(kit.Site.Pdus[0].SetOutlet(5, false));
        kit.Site.Step(TestSites.Step);

        // Each trap arrives twice: once as v2c, once as v3 authPriv (decrypted and authenticated by snmptrapd).
        await receiver.WaitUntilAsync(() => Task.FromResult(Count(receiver.Output, ".1.3.6.1.4.1.318.0.5") >= 2 && Count(receiver.Output, ".1.3.6.1.4.1.318.0.269") >= 2),
            SnmpFaceKit.PeerTimeout, "two upsOnBattery and two rPDUOutletOff traps");
        Assert.Contains("UPS: On battery power", receiver.Output, StringComparison.Ordinal);
        Assert.Contains(".1.3.6.1.4.1.318.1.1.12.3.3.1.1.1.5 = INTEGER: 5", receiver.Output, StringComparison.Ordinal);
        Assert.Equal(0, kit.Servers.Sum(s => s.TrapErrors));
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            // Only the snmpTrapOID value, not the OID inside other variables.
            if (at > 5 && text[(at - 5)..at].EndsWith("OID: ", StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>net-snmp's walk equals the face's view (rendered now, at the same stepped instant): same OIDs in order, same values.</summary>
    private static void AssertSameAsView(SnmpFaceServer server, string[] lines)
    {
        var view = server.Face.Snapshot();
        var walked = SnmpFaceKit.Parse(lines);
        Assert.True(view.Count == walked.Count, $"{server.Face.DeviceId}: net-snmp walked {walked.Count} instances, the view has {view.Count}");
        var order = lines.Where(l => l.StartsWith('.') && !SnmpFaceKit.IsEndOfWalk(l)).Select(l => Oid.Parse(l[1..l.IndexOf(" = ", StringComparison.Ordinal)])).ToList();
        for (var i = 0; i < view.Count; i++)
        {
            var expected = view[i];
            Assert.Equal(expected.Oid, order[i]);
            var (_, text) = walked[expected.Oid];
            if (expected.Oid == SnmpFace.SystemGroup.Append(3, 0))
            {
                continue; // sysUpTime: same stepped clock, but printed with a duration after the ticks
            }

            var want = SnmpFaceKit.NetSnmpText(expected.Value);
            Assert.True(text == want || text.StartsWith(want + " ", StringComparison.Ordinal), $"{server.Face.DeviceId} .{expected.Oid}: net-snmp '{text}', view '{want}'");
        }
    }
}

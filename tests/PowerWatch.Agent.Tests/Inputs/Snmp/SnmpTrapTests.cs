using System.Net;
using PowerWatch.Agent.Inputs.Snmp;
using PowerWatch.Snmp;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.Snmp;

/// <summary>Traps and informs sent by net-snmp's own snmptrap/snmpinform (Debian <c>snmp</c>) to the agent's receiver on port 0.</summary>
public sealed class SnmpTrapTests
{
    private const string OnBattery = "1.3.6.1.4.1.318.0.5"; // PowerNet upsOnBattery

    private static SnmpDeviceInput Device(string community, out List<string> requests)
    {
        var list = new List<string>();
        var decoder = new SnmpProfileDecoder(Snmpsimd.Profile("apc-powernet-ups.json"), "ups-a");
        var input = new SnmpDeviceInput("ups-a", "udp://127.0.0.1:161", new SnmpClient("127.0.0.1", 161, new SnmpClientOptions { Community = community }), decoder);
        input.PollRequested += reason =>
        {
            lock (list)
            {
                list.Add(reason);
            }
        };
        requests = list;
        return input;
    }

    private static async Task<(int Code, string Output)> SendAsync(string tool, IPEndPoint to, string community, string trapOid)
    {
        string[] args = tool == "snmpinform"
            ? ["-v", "2c", "-c", community, "-r", "0", "-t", "5", to.ToString(), "", trapOid, "1.3.6.1.2.1.1.5.0", "s", "ups-a"]
            : ["-v", "2c", "-c", community, to.ToString(), "", trapOid, "1.3.6.1.2.1.1.5.0", "s", "ups-a"];
        return await PeerProcess.RunAsync(Peers.Require(tool), args, TimeSpan.FromSeconds(20), environment: new Dictionary<string, string> { ["MIBS"] = "" });
    }

    [PeerFact("snmptrap")]
    public async Task An_on_battery_trap_from_the_device_requests_a_poll_of_it_at_once()
    {
        await using var listener = new SnmpTrapListener(new IPEndPoint(IPAddress.Loopback, 0));
        await using var input = Device("public", out var requests);
        listener.Register(input, "public");

        var (code, output) = await SendAsync("snmptrap", listener.LocalEndPoint, "public", OnBattery);
        Assert.True(code == 0, output);

        await Poll.UntilAsync(() => listener.Statistics.Accepted == 1, TimeSpan.FromSeconds(20), () => "the trap is accepted");
        lock (requests)
        {
            Assert.Equal("SNMP trap " + OnBattery, Assert.Single(requests));
        }
    }

    [PeerFact("snmpinform")]
    public async Task An_inform_gets_a_response_and_requests_a_poll()
    {
        await using var listener = new SnmpTrapListener(new IPEndPoint(IPAddress.Loopback, 0));
        await using var input = Device("public", out var requests);
        listener.Register(input, "public");

        // snmpinform exits 0 only after it received the Response.
        var (code, output) = await SendAsync("snmpinform", listener.LocalEndPoint, "public", OnBattery);

        Assert.True(code == 0, output);
        Assert.Equal(1, listener.Statistics.Accepted);
        lock (requests)
        {
            Assert.StartsWith("SNMP inform ", Assert.Single(requests), StringComparison.Ordinal);
        }
    }

    [PeerFact("snmptrap")]
    public async Task A_trap_with_another_community_is_counted_unauthenticated_and_dropped()
    {
        await using var listener = new SnmpTrapListener(new IPEndPoint(IPAddress.Loopback, 0));
        await using var input = Device("right-community", out var requests);
        listener.Register(input, "right-community");

        var (code, output) = await SendAsync("snmptrap", listener.LocalEndPoint, "wrong-community", OnBattery);
        Assert.True(code == 0, output);

        await Poll.UntilAsync(() => listener.Statistics.Unauthenticated == 1, TimeSpan.FromSeconds(20), () => "the trap is counted");
        Assert.Equal(0, listener.Statistics.Accepted);
        lock (requests)
        {
            Assert.Empty(requests);
        }
    }

    [PeerFact("snmptrap")]
    public async Task A_trap_from_an_unknown_address_is_counted_and_dropped()
    {
        await using var listener = new SnmpTrapListener(new IPEndPoint(IPAddress.Loopback, 0));

        var (code, output) = await SendAsync("snmptrap", listener.LocalEndPoint, "public", OnBattery);
        Assert.True(code == 0, output);

        await Poll.UntilAsync(() => listener.Statistics.Unknown == 1, TimeSpan.FromSeconds(20), () => "the trap is counted");
    }

    [Fact]
    public async Task A_datagram_that_is_not_snmp_is_counted_malformed()
    {
        await using var listener = new SnmpTrapListener(new IPEndPoint(IPAddress.Loopback, 0));

        var (outcome, reply) = listener.Handle([0x30, 0x03, 0x02, 0x01], IPAddress.Loopback);

        Assert.Equal(SnmpTrapOutcome.Malformed, outcome);
        Assert.Null(reply);
    }
}

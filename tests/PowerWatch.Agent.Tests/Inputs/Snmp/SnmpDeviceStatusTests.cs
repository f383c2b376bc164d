using PowerWatch.Agent.Inputs.Snmp;
using PowerWatch.Core;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.Snmp;

/// <summary>
/// A device that cannot be read fails its poll with a message that says what to check, and never disturbs another
/// device: real snmpsimd, real sockets.
/// </summary>
public sealed class SnmpDeviceStatusTests
{
    private const string Community = "Secret-Community-42";

    [PeerFact("snmpsimd")]
    public async Task A_wrong_community_is_no_answer_naming_the_community_to_check_but_not_its_value()
    {
        await using var sim = await Snmpsimd.StartAsync();
        await using var input = sim.Input("ietf-ups-mib.json", "eaton-9px", options: new SnmpInputOptions { Community = Community, Timeout = TimeSpan.FromMilliseconds(300), Retries = 0 });

        var ex = await Assert.ThrowsAsync<SnmpDeviceException>(() => Snmpsimd.PollAsync(input));

        Assert.Contains("no answer from " + sim.Endpoint, ex.Message, StringComparison.Ordinal);
        Assert.Contains("check the community", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Community, ex.ToString(), StringComparison.Ordinal);
    }

    [PeerFact("snmpsimd")]
    public async Task A_dead_agent_is_no_answer()
    {
        var port = Snmpsimd.FreeUdpPort();
        var endpoint = "udp://127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var sim = await Snmpsimd.StartAsync();
        await using var input = sim.Input("ietf-ups-mib.json", "eaton-9px", endpoint: endpoint, options: new SnmpInputOptions { Community = "eaton-9px", Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 });

        var ex = await Assert.ThrowsAsync<SnmpDeviceException>(() => Snmpsimd.PollAsync(input));

        Assert.StartsWith("no answer from " + endpoint, ex.Message, StringComparison.Ordinal);
    }

    [PeerFact("snmpsimd")]
    public async Task A_profile_whose_objects_the_agent_lacks_is_a_device_error_not_an_empty_poll()
    {
        await using var sim = await Snmpsimd.StartAsync();

        // The APC profile against the Eaton card: every object is noSuchObject/noSuchInstance.
        await using var input = sim.Input("apc-powernet-ups.json", "eaton-9px");

        var ex = await Assert.ThrowsAsync<SnmpDeviceException>(() => Snmpsimd.PollAsync(input));

        Assert.Contains("implements none of the", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'apc-powernet-ups'", ex.Message, StringComparison.Ordinal);
    }

    [PeerFact("snmpsimd")]
    public async Task A_v3_wrong_authentication_password_reports_the_usm_statistic()
    {
        await using var sim = await Snmpsimd.StartAsync();
        var options = new SnmpInputOptions
        {
            Version = "3", User = Snmpsimd.V3User, AuthProtocol = "SHA", AuthPassword = "Wrong-Auth-Pass", PrivProtocol = "AES", PrivPassword = Snmpsimd.PrivPassword,
            ContextName = "eaton-9px", Timeout = TimeSpan.FromSeconds(1), Retries = 0,
        };
        await using var input = sim.Input("ietf-ups-mib.json", "eaton-9px", options: options);

        var ex = await Assert.ThrowsAsync<SnmpDeviceException>(() => Snmpsimd.PollAsync(input));

        Assert.Contains("authentication refused", ex.Message, StringComparison.Ordinal);
        Assert.Contains("usmStatsWrongDigests", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Wrong-Auth-Pass", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Snmpsimd.PrivPassword, ex.ToString(), StringComparison.Ordinal);
    }

    [PeerFact("snmpsimd")]
    public async Task A_v3_device_with_the_right_keys_reads_the_recording()
    {
        await using var sim = await Snmpsimd.StartAsync();
        var options = new SnmpInputOptions
        {
            Version = "3", User = Snmpsimd.V3User, AuthProtocol = "SHA", AuthPassword = Snmpsimd.AuthPassword, PrivProtocol = "AES", PrivPassword = Snmpsimd.PrivPassword,
            ContextName = "eaton-9px",
        };
        await using var input = sim.Input("ietf-ups-mib.json", "eaton-9px", options: options);

        var readings = await Snmpsimd.PollAsync(input);

        Assert.Contains(readings, r => r.Metric == "battery.charge" && r.Value.Number == 91);
    }

    [PeerFact("snmpsimd")]
    public async Task A_broken_device_does_not_hold_up_a_healthy_one()
    {
        await using var sim = await Snmpsimd.StartAsync();
        await using var broken = sim.Input("ietf-ups-mib.json", "eaton-9px", device: "ups-broken", options: new SnmpInputOptions { Community = Community, Timeout = TimeSpan.FromSeconds(5), Retries = 2 });
        await using var healthy = sim.Input("apc-powernet-ups.json", "apc-smt750x-nmc2", device: "ups-ok");

        var brokenPoll = Snmpsimd.PollAsync(broken);
        var readings = await Snmpsimd.PollAsync(healthy);

        // The healthy device answered while the broken one is still waiting for its first timeout (5 s × 3 attempts).
        Assert.False(brokenPoll.IsCompleted);
        Assert.Contains(readings, r => r.Device == "ups-ok" && r.Metric == "ups.status" && r.Value.Text == "OL");
        await Assert.ThrowsAsync<SnmpDeviceException>(() => brokenPoll);
    }
}

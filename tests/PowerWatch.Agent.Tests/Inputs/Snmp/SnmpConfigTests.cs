using PowerWatch.Agent.Cli;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Inputs.Snmp;

namespace PowerWatch.Agent.Tests.Inputs.Snmp;

public sealed class SnmpConfigTests
{
    private static readonly string[] Secrets = ["Pr1v-Secret-Value", "Comm-Secret-Value", "Auth-Secret-Value", "short"];

    private static AgentOptions Site(params DeviceOptions[] devices)
    {
        var options = new AgentOptions { Site = "dc1", Agent = "a1" };
        options.Devices.AddRange(devices);
        return options;
    }

    [Fact]
    public void A_valid_v3_device_has_no_problems()
    {
        var d = new DeviceOptions
        {
            Id = "ups-a", Kind = "ups", Input = "snmp", Endpoint = "udp://10.0.0.21", Profile = "apc-powernet-ups",
            Snmp = new SnmpInputOptions { Version = "3", User = "pw", AuthProtocol = "SHA-256", AuthPassword = "authpass1", PrivProtocol = "AES", PrivPassword = "privpass1" },
        };

        Assert.Empty(ConfigValidator.Validate(Site(d)));
        Assert.True(DeviceEndpoint.TryParse(d.Endpoint, out var endpoint, out _));
        Assert.Equal(161, endpoint!.Port);
        Assert.Equal("udp://10.0.0.21:161", endpoint.TransportKey);
    }

    [Fact]
    public void Snmp_problems_name_their_keys_and_never_the_secrets()
    {
        var v3 = new DeviceOptions
        {
            Id = "ups-a", Kind = "ups", Input = "snmp", Endpoint = "udp://10.0.0.21:161", Profile = "apc-powernet-ups",
            Snmp = new SnmpInputOptions { Version = "3", User = "pw", AuthProtocol = "MD5", AuthPassword = "short", PrivProtocol = "AES", PrivPassword = "Pr1v-Secret-Value" },
        };
        var v2 = new DeviceOptions
        {
            Id = "ups-b", Kind = "ups", Input = "snmp", Endpoint = "tcp://10.0.0.22:161", Profile = "ietf-ups-mib",
            Snmp = new SnmpInputOptions { Community = "Comm-Secret-Value", AuthPassword = "Auth-Secret-Value", MaxRepetitions = 0 },
        };

        var problems = ConfigValidator.Validate(Site(v3, v2));
        var keys = problems.Select(p => p.Key).ToList();

        Assert.Contains("PowerWatch:Devices:0:Snmp:AuthProtocol", keys);
        Assert.Contains("PowerWatch:Devices:1:Endpoint", keys);
        Assert.Contains("PowerWatch:Devices:1:Snmp:AuthPassword", keys);
        Assert.Contains("PowerWatch:Devices:1:Snmp:MaxRepetitions", keys);
        foreach (var p in problems)
        {
            Assert.All(Secrets, s => Assert.DoesNotContain(s, p.Reason, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Check_config_prints_the_snmp_problems_without_the_secrets()
    {
        var problems = PowerWatchCommandLine.LoadAndValidate(FindCase(), out var options);
        var lines = problems.Select(p => p.ToString(options)).ToList();

        Assert.NotEmpty(lines);
        Assert.Contains(lines, l => l.StartsWith("Devices[ups-a].Snmp.AuthProtocol", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            Assert.All(Secrets.Where(s => s != "short"), s => Assert.DoesNotContain(s, line, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_modbus_device_naming_an_snmp_profile_is_told_to_change_its_input()
    {
        var d = new DeviceOptions { Id = "ups-a", Kind = "ups", Input = "modbus", Endpoint = "tcp://10.0.0.21:502", Profile = "ietf-ups-mib" };
        var profiles = new Dictionary<string, Core.Profiles.DeviceProfile> { ["ietf-ups-mib"] = Snmpsimd.Profile("ietf-ups-mib.json") };

        var problem = Assert.Single(Agent.Inputs.InputRegistry.BuiltIn.Find("modbus")!.ValidateProfiles(d, "k", profiles, "profiles"));

        Assert.Equal("k:Profile", problem.Key);
        Assert.Contains("protocol 'snmp'", problem.Reason, StringComparison.Ordinal);
    }

    private static string FindCase()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "PowerWatch.Agent.Tests", "Configuration", "testcases", "snmp-credentials", "config.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("snmp-credentials test case");
    }
}

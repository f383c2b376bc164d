using PowerWatch.Agent.Tests.Dashboards;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Install;

public sealed class SystemdUnitTests
{
    private static string UnitPath(string unit) => Path.Combine(GrafanaDashboards.RepositoryRoot(), "install", "linux", unit);

    /// <summary>Directives of the [Service] section; repeated keys keep every value.</summary>
    private static ILookup<string, string> Service(string unit)
    {
        var section = "";
        var pairs = new List<(string, string)>();
        foreach (var raw in File.ReadAllLines(UnitPath(unit)))
        {
            var line = raw.Trim();
            if (line.StartsWith('['))
            {
                section = line;
            }
            else if (section == "[Service]" && !line.StartsWith('#') && line.Contains('='))
            {
                var i = line.IndexOf('=');
                pairs.Add((line[..i], line[(i + 1)..]));
            }
        }

        return pairs.ToLookup(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
    }

    [Theory]
    [InlineData("powerwatch.service", "run")]
    [InlineData("powerwatch-ingest.service", "ingest")]
    public void Unit_is_a_hardened_notify_service(string unit, string verb)
    {
        var s = Service(unit);
        var expected = new Dictionary<string, string>
        {
            ["Type"] = "notify",
            ["NotifyAccess"] = "main",
            ["WatchdogSec"] = "30",
            ["ExecStart"] = $"/opt/powerwatch/powerwatch {verb} --config /etc/powerwatch/powerwatch.json",
            ["User"] = "powerwatch",
            ["Group"] = "powerwatch",
            ["SupplementaryGroups"] = "dialout",
            ["ProtectSystem"] = "strict",
            ["ReadWritePaths"] = "/var/lib/powerwatch",
            ["NoNewPrivileges"] = "yes",
            ["PrivateTmp"] = "yes",
            ["ProtectHome"] = "yes",
            ["Restart"] = "on-failure",
            ["RestartSec"] = "5",
            ["ProtectKernelTunables"] = "yes",
            ["RestrictAddressFamilies"] = "AF_UNIX AF_INET AF_INET6",
        };
        foreach (var (key, value) in expected)
        {
            Assert.True(s[key].Contains(value), $"{unit}: expected {key}={value}, found [{string.Join(", ", s[key])}]");
        }

        // The .NET JIT needs writable+executable memory.
        Assert.Empty(s["MemoryDenyWriteExecute"]);
    }

    [Fact]
    public void Agent_unit_keeps_serial_ports_reachable()
    {
        var s = Service("powerwatch.service");
        Assert.DoesNotContain("yes", s["PrivateDevices"]);
        Assert.Contains("char-ttyS rw", s["DeviceAllow"]);
        Assert.Contains("char-ttyUSB rw", s["DeviceAllow"]);
    }

    [PeerTheory("systemd-analyze")]
    [InlineData("powerwatch.service")]
    [InlineData("powerwatch-ingest.service")]
    public async Task Systemd_analyze_verify_accepts_the_unit(string unit)
    {
        using var dir = new TempDir("powerwatch-unit");
        // The unit's program must exist for verify: point ExecStart at a stand-in inside the temp dir.
        var exe = dir.File("powerwatch");
        await File.WriteAllTextAsync(exe, "#!/bin/sh\n");
        File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var text = (await File.ReadAllTextAsync(UnitPath(unit))).Replace("/opt/powerwatch/powerwatch", exe, StringComparison.Ordinal);
        var copy = dir.File(unit);
        await File.WriteAllTextAsync(copy, text);

        var (code, output) = await PeerProcess.RunAsync(Peers.Require("systemd-analyze"), ["verify", "--man=no", copy], TimeSpan.FromSeconds(60));

        Assert.True(code == 0, output);
        Assert.DoesNotContain(unit + ":", output, StringComparison.Ordinal);
    }
}

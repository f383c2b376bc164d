using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.Snmp;

/// <summary>The recorded walks themselves: well formed, documented, and served as recorded by a real snmpsimd.</summary>
public sealed class SnmpRecordingsTests
{
    [Fact]
    public void Every_recording_is_documented_and_sorted_and_every_expectation_names_a_recording()
    {
        var readme = File.ReadAllText(Path.Combine(Recordings.Directory, "README.md"));
        Assert.NotEmpty(Recordings.Names);
        foreach (var name in Recordings.Names)
        {
            Assert.Contains($"`{name}.snmprec`", readme, StringComparison.Ordinal);
            // snmpsimd answers GETNEXT from the file order: it must be OID order (arc by arc, not text order).
            var oids = Recordings.Read(name).Keys.ToList();
            Assert.Equal(oids.OrderBy(Arcs, ArcComparer.Instance).ToList(), oids);
            Assert.Contains("1.3.6.1.2.1.1.2.0", oids);
        }

        foreach (var (profile, recording) in Recordings.Expectations)
        {
            Assert.Contains(recording, Recordings.Names);
            Assert.NotEmpty(Recordings.Expected(profile, recording));
        }
    }

    private static uint[] Arcs(string oid) => [.. oid.Split('.').Select(a => uint.Parse(a, System.Globalization.CultureInfo.InvariantCulture))];

    private sealed class ArcComparer : IComparer<uint[]>
    {
        public static readonly ArcComparer Instance = new();

        public int Compare(uint[]? x, uint[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    [PeerFact("snmpsimd", "snmpget")]
    public async Task Snmpsimd_serves_each_recording_under_its_base_name_as_community()
    {
        await using var sim = await Snmpsimd.StartAsync(Recordings.Directory);
        foreach (var name in Recordings.Names)
        {
            var sysObjectId = Recordings.Read(name)["1.3.6.1.2.1.1.2.0"].Value;
            var (code, output) = await PeerProcess.RunAsync(
                Peers.Require("snmpget"), ["-v2c", "-c", name, "-On", "-Oqv", "-r", "1", "-t", "5", $"127.0.0.1:{sim.Port}", "1.3.6.1.2.1.1.2.0"],
                TimeSpan.FromSeconds(30), environment: new Dictionary<string, string> { ["MIBS"] = "" });
            Assert.True(code == 0, $"snmpget -c {name} exited {code}: {output}\n{sim.Output}");
            Assert.Equal("." + sysObjectId, output.Trim());
        }
    }
}

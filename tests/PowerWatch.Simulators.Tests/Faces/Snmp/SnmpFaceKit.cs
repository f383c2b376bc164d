using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PowerWatch.Simulators.Faces.Snmp;
using PowerWatch.Snmp;
using PowerWatch.TestSupport;

namespace PowerWatch.Simulators.Tests.Faces.Snmp;

/// <summary>A stepped site with its SNMP faces on loopback UDP, and the net-snmp tool invocations the tests share.</summary>
internal sealed class SnmpFaceKit : IAsyncDisposable
{
    public const string AuthPassword = "simauth123";
    public const string PrivPassword = "simpriv123";
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(20);

    public static readonly SnmpAgentUser ShaAes = new("simsha", SnmpAuthProtocol.Sha, AuthPassword, SnmpPrivProtocol.Aes, PrivPassword);
    public static readonly SnmpAgentUser Sha256Aes = new("simsha256", SnmpAuthProtocol.Sha256, AuthPassword, SnmpPrivProtocol.Aes, PrivPassword);

    private readonly List<SnmpFaceServer> _servers = [];

    private SnmpFaceKit(Site site)
    {
        Site = site;
    }

    public Site Site { get; }

    public IReadOnlyList<SnmpFaceServer> Servers => _servers;

    public SnmpFaceServer Server(string id) => _servers.First(s => s.Face.DeviceId == id);

    /// <summary>A quiet site (noiseless PDUs, 24 outlets on pdu1), stepped 3 s, with UPS, ATS, pdu1 (rPDU2) and pdu2 (Raritan) faces.</summary>
    public static async Task<SnmpFaceKit> StartAsync(IReadOnlyList<SnmpTrapDestination>? traps = null)
    {
        var description = TestSites.Quiet();
        description.Pdus = [new PduOptions { Name = "pdu1", Outlets = 24, Noise = 0 }, new PduOptions { Name = "pdu2", Outlets = 8, Noise = 0 }];
        var site = Site.Create(description);
        site.RunFor(TimeSpan.FromSeconds(3), TestSites.Step);
        var kit = new SnmpFaceKit(site);
        var options = new SnmpFaceServerOptions { Users = [ShaAes, Sha256Aes], TrapDestinations = traps ?? [] };
        SnmpFace[] faces = [new UpsSnmpFace(site), new AtsSnmpFace(site), new PduSnmpFace(site, site.Pdus[0], PduMib.ApcRpdu2), new PduSnmpFace(site, site.Pdus[1], PduMib.RaritanPdu2)];
        foreach (var face in faces)
        {
            kit._servers.Add(await SnmpFaceServer.StartAsync(face, options));
        }

        return kit;
    }

    public static string Address(SnmpFaceServer server) => "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture);

    public static SnmpClient Client(SnmpFaceServer server, SnmpClientOptions? options = null) =>
        new("127.0.0.1", server.Port, options ?? new SnmpClientOptions { Timeout = TimeSpan.FromSeconds(2), Retries = 2 });

    public static SnmpClientOptions V3(SnmpAgentUser user) => new()
    {
        Version = SnmpVersion.V3, User = user.Name, AuthProtocol = user.AuthProtocol, AuthPassword = user.AuthPassword,
        PrivProtocol = user.PrivProtocol, PrivPassword = user.PrivPassword, Timeout = TimeSpan.FromSeconds(2), Retries = 2,
    };

    /// <summary>net-snmp's arguments for a user: <c>-v3 -l authPriv -u NAME -a SHA|SHA-256 -A … -x AES -X …</c>.</summary>
    public static string[] NetSnmpV3(SnmpAgentUser user) =>
        ["-v3", "-l", "authPriv", "-u", user.Name, "-a", user.AuthProtocol == SnmpAuthProtocol.Sha ? "SHA" : "SHA-256", "-A", user.AuthPassword, "-x", "AES", "-X", user.PrivPassword];

    /// <summary>Runs a net-snmp tool (no MIBs loaded, numeric OIDs) and returns its lines; fails the test on a non-zero exit.</summary>
    public static async Task<string[]> RunToolAsync(string tool, params string[] args)
    {
        var (code, output) = await PeerProcess.RunAsync(Peers.Require(tool), ["-On", "-r", "2", "-t", "2", .. args], PeerTimeout, environment: new Dictionary<string, string> { ["MIBS"] = "" });
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} exited {code}: {output}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Net-snmp's <c>.OID = TYPE: value</c> lines as OID → (type, value text).</summary>
    public static Dictionary<Oid, (string Type, string Value)> Parse(IEnumerable<string> lines)
    {
        var result = new Dictionary<Oid, (string, string)>();
        foreach (var line in lines)
        {
            var eq = line.IndexOf(" = ", StringComparison.Ordinal);
            if (eq < 0 || line[0] != '.' || IsEndOfWalk(line))
            {
                continue;
            }

            var oid = Oid.Parse(line[1..eq]);
            var rest = line[(eq + 3)..];
            var colon = rest.IndexOf(": ", StringComparison.Ordinal);
            result[oid] = colon < 0 ? ("", rest.Trim('"')) : (rest[..colon], rest[(colon + 2)..].Trim('"'));
        }

        return result;
    }

    /// <summary>The line net-snmp prints for an endOfMibView at the end of a walk of the whole tree.</summary>
    public static bool IsEndOfWalk(string line) => line.Contains(" = No more variables left in this MIB View", StringComparison.Ordinal);

    /// <summary>The value as net-snmp prints it with <c>-On</c> and no MIBs (numbers for INTEGER, Gauge32 and TimeTicks in parentheses).</summary>
    public static string NetSnmpText(SnmpValue value) => value.Type switch
    {
        SnmpType.Integer32 => value.AsInt32().ToString(CultureInfo.InvariantCulture),
        SnmpType.OctetString => value.AsString(),
        SnmpType.ObjectIdentifier => "." + value.AsOid(),
        SnmpType.TimeTicks => "(" + value.AsUInt32().ToString(CultureInfo.InvariantCulture) + ")",
        _ => value.AsUInt32().ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A loopback UDP socket standing in for a trap receiver.</summary>
    public static Socket TrapReceiver()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    /// <summary>A free UDP port on 127.0.0.1 (for a peer that must be told one).</summary>
    public static int FreeUdpPort()
    {
        using var socket = TrapReceiver();
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _servers)
        {
            await s.DisposeAsync();
        }
    }
}

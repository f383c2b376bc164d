using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PowerWatch.TestSupport;

namespace PowerWatch.Snmp.Tests;

/// <summary>
/// A real net-snmp snmpd (Debian package <c>snmpd</c>) on 127.0.0.1 and a free UDP port, with a generated config in
/// a temp dir (<c>-f -Lo -C -I -smux -c FILE</c>: foreground, log to stdout, no system config, no SMUX listener on TCP 199 that parallel agents would fight over) and its own persistent dir.
/// v2c community <c>public</c>; v3 users created with <c>createUser</c> (snmpd.conf(5)): <c>pwuser</c> SHA/AES,
/// <c>pwuser256</c> SHA-256/AES, <c>pwauth</c> SHA without privacy, <c>pwnoauth</c> without either. Killed on dispose.
/// </summary>
internal sealed class Snmpd : IAsyncDisposable
{
    public const string AuthPassword = "authpass123";
    public const string PrivPassword = "privpass123";
    public const string Description = "PowerWatch test agent";
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly TempDir _dir;
    private PeerProcess _process;

    private Snmpd(TempDir dir, int port, PeerProcess process)
    {
        _dir = dir;
        Port = port;
        _process = process;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string Address => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public string Output => _process.Output;

    public static async Task<Snmpd> StartAsync()
    {
        var dir = new TempDir("powerwatch-snmpd");
        var port = FreeUdpPort();
        var config = dir.File("snmpd.conf");
        await File.WriteAllLinesAsync(config,
        [
            "rocommunity public 127.0.0.1",
            $"createUser pwuser SHA \"{AuthPassword}\" AES \"{PrivPassword}\"",
            $"createUser pwuser256 SHA-256 \"{AuthPassword}\" AES \"{PrivPassword}\"",
            $"createUser pwauth SHA \"{AuthPassword}\"",
            "createUser pwnoauth",
            "rouser pwuser priv",
            "rouser pwuser256 priv",
            "rouser pwauth auth",
            "rouser pwnoauth noauth",
            $"sysDescr {Description}",
            "sysLocation lab",
            "sysContact ops@example.com",
        ]);
        Directory.CreateDirectory(dir.File("persist"));
        var snmpd = new Snmpd(dir, port, await LaunchAsync(dir, port));
        return snmpd;
    }

    /// <summary>
    /// Stops snmpd with SIGTERM (it saves its engine id and boots in the persistent dir) and starts it again on the
    /// same port: the same engine with snmpEngineBoots one higher and its time restarted, as after a reboot.
    /// </summary>
    public async Task RestartAsync()
    {
        _process.Signal(15);
        await _process.WaitForExitAsync(Patience);
        await _process.DisposeAsync();
        _process = await LaunchAsync(_dir, Port);
    }

    private static async Task<PeerProcess> LaunchAsync(TempDir dir, int port)
    {
        var process = PeerProcess.Start(
            Peers.Require("snmpd"),
            ["-f", "-Lo", "-C", "-I", "-smux", "-c", dir.File("snmpd.conf"), "udp:127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture)],
            dir.Path,
            new Dictionary<string, string> { ["SNMP_PERSISTENT_DIR"] = dir.File("persist"), ["MIBS"] = "" });
        try
        {
            // snmpd prints its version once its transports are open.
            await process.WaitForOutputAsync("NET-SNMP version", Patience);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return process;
    }

    public SnmpClientOptions V2c(string community = "public") => new() { Version = SnmpVersion.V2c, Community = community, Timeout = TimeSpan.FromSeconds(2), Retries = 2 };

    public SnmpClientOptions V3(string user, SnmpAuthProtocol auth, SnmpPrivProtocol priv, string authPassword = AuthPassword, string privPassword = PrivPassword) => new()
    {
        Version = SnmpVersion.V3, User = user, AuthProtocol = auth, AuthPassword = auth == SnmpAuthProtocol.None ? "" : authPassword, PrivProtocol = priv,
        PrivPassword = priv == SnmpPrivProtocol.None ? "" : privPassword, Timeout = TimeSpan.FromSeconds(2), Retries = 2,
    };

    /// <summary>Runs a net-snmp tool against this agent and returns its lines (fails the test on a non-zero exit).</summary>
    public async Task<string[]> RunToolAsync(string tool, params string[] args)
    {
        var (code, output) = await PeerProcess.RunAsync(Peers.Require(tool), [.. args], Patience, environment: new Dictionary<string, string> { ["MIBS"] = "" });
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} exited {code}: {output}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// <c>snmpwalk -On</c> output as (OID, type, value text). A value that spans lines (long hex strings) is joined.
    /// An empty string prints as <c>= ""</c> without a type: its type is reported as "".
    /// </summary>
    public static List<(Oid Oid, string Type, string Value)> ParseWalk(IEnumerable<string> lines)
    {
        var result = new List<(Oid, string, string)>();
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (!line.StartsWith('.'))
            {
                if (result.Count > 0)
                {
                    var (o, t, v) = result[^1];
                    result[^1] = (o, t, v + " " + line.Trim());
                }

                continue;
            }

            var eq = line.IndexOf(" = ", StringComparison.Ordinal);
            var oid = Oid.Parse(line[..eq]);
            var rest = line[(eq + 3)..];
            var colon = rest.IndexOf(": ", StringComparison.Ordinal);
            result.Add(colon < 0 || rest.StartsWith('"') ? (oid, "", rest) : (oid, rest[..colon], rest[(colon + 2)..]));
        }

        return result;
    }

    private static int FreeUdpPort()
    {
        // Below the ephemeral range, as Peers.FreeTcpPort does for TCP, so no outgoing socket can take it meanwhile.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(16_384, 32_768);
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free UDP port found");
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _dir.Dispose();
    }
}

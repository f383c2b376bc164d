using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.Snmp;
using PowerWatch.Core;
using PowerWatch.Core.Profiles;
using PowerWatch.Snmp;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.Snmp;

/// <summary>
/// Debian's snmpsimd (package <c>snmpsim</c>) on 127.0.0.1 and a free UDP port, serving the recorded walks of
/// <c>testdata/</c> (the community is the file's base name), with an SNMPv3 user <see cref="V3User"/> (SHA/AES)
/// whose context names a recording. The data and its index cache are copied to a temp dir; as root the daemon
/// drops to nobody/nogroup, as snmpsimd insists. Killed on dispose.
/// </summary>
internal sealed class Snmpsimd : IAsyncDisposable
{
    public const string V3User = "pwsim";
    public const string AuthPassword = "simauth123";
    public const string PrivPassword = "simpriv123";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir;
    private readonly PeerProcess _process;

    private Snmpsimd(TempDir dir, int port, PeerProcess process)
    {
        _dir = dir;
        Port = port;
        _process = process;
    }

    public int Port { get; }

    public string Endpoint => "udp://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public string Output => _process.Output;

    public static string TestData { get; } = FindTestData();

    /// <summary>Starts snmpsimd serving the recordings of <paramref name="recordings"/> (default <see cref="TestData"/>).</summary>
    public static async Task<Snmpsimd> StartAsync(string? recordings = null)
    {
        var dir = new TempDir("powerwatch-snmpsim");
        var data = Directory.CreateDirectory(dir.File("data"));
        foreach (var file in Directory.EnumerateFiles(recordings ?? TestData, "*.snmprec"))
        {
            File.Copy(file, Path.Combine(data.FullName, Path.GetFileName(file)));
        }

        var cache = Directory.CreateDirectory(dir.File("cache"));
        var port = FreeUdpPort();
        var args = new List<string>
        {
            "--data-dir=" + data.FullName,
            "--cache-dir=" + cache.FullName,
            "--agent-udpv4-endpoint=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--logging-method=stdout",
            "--v3-user=" + V3User, "--v3-auth-proto=SHA", "--v3-auth-key=" + AuthPassword, "--v3-priv-proto=AES", "--v3-priv-key=" + PrivPassword,
        };
        if (Environment.UserName == "root")
        {
            // snmpsimd refuses to run as root; nobody must be able to write its index cache and read the data.
            args.AddRange(["--process-user=nobody", "--process-group=nogroup"]);
            File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(cache.FullName, (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(data.FullName, (UnixFileMode)0b111_101_101);
        }

        var process = PeerProcess.Start(Peers.Require("snmpsimd"), args, dir.Path);
        try
        {
            await process.WaitForOutputAsync("Listening at UDP/IPv4 endpoint", Patience);
        }
        catch
        {
            await process.DisposeAsync();
            dir.Dispose();
            throw;
        }

        return new Snmpsimd(dir, port, process);
    }

    /// <summary>An snmp input on <paramref name="community"/> (a recording) read through the shipped profile <paramref name="profileFile"/>.</summary>
    public SnmpDeviceInput Input(string profileFile, string community, string device = "ups-1", SnmpInputOptions? options = null, string? endpoint = null)
    {
        var profile = Profile(profileFile);
        options ??= new SnmpInputOptions { Community = community };
        var uri = new Uri(endpoint ?? Endpoint);
        var client = new SnmpClient("127.0.0.1", uri.Port, options.ToClientOptions(TimeSpan.FromSeconds(2), 1, TimeProvider.System));
        return new SnmpDeviceInput(device, endpoint ?? Endpoint, client, new SnmpProfileDecoder(profile, device));
    }

    public static DeviceProfile Profile(string file) =>
        ProfileLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "profiles", file)), file).GetProfileOrThrow();

    public static Task<IReadOnlyList<Reading>> PollAsync(IDeviceInput input, bool includeSlow = true) =>
        input.PollAsync(new PollRequest(includeSlow, new DateTimeOffset(2026, 12, 8, 1, 0, 0, TimeSpan.Zero), 1, Suspect: false), CancellationToken.None);

    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string FindTestData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PowerWatch.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "PowerWatch.Agent.Tests", "Inputs", "Snmp", "testdata");
            }
        }

        throw new InvalidOperationException("PowerWatch.sln not found above " + AppContext.BaseDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _dir.Dispose();
    }
}

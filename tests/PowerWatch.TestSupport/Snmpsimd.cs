using System.Globalization;
using System.Net;

namespace PowerWatch.TestSupport;

/// <summary>
/// Debian's <c>snmpsimd</c> (package <c>snmpsim</c>) on 127.0.0.1 and a free UDP port, serving the recorded walks
/// (<c>*.snmprec</c>, <c>OID|type|value</c>) of a data directory: SNMP v1/v2c with the community = a file's base name
/// (<c>apc_ap8853</c> serves <c>apc_ap8853.snmprec</c>). Its index cache lives in a temp dir; killed on dispose.
/// As root it drops to <c>nobody</c>/<c>nogroup</c> (it refuses to run as root), so the cache dir is made writable
/// for them and the data directory must be world-readable.
/// </summary>
public sealed class Snmpsimd : IAsyncDisposable
{
    /// <summary>How long start-up (indexing the data files, then binding) may take.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir;
    private readonly PeerProcess _process;

    private Snmpsimd(TempDir dir, int port, PeerProcess process)
    {
        _dir = dir;
        Port = port;
        _process = process;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary><c>udp://127.0.0.1:port</c>, as a device's <c>Endpoint</c> setting.</summary>
    public string Url => "udp://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>What snmpsimd logged so far.</summary>
    public string Output => _process.Output;

    /// <summary>Starts snmpsimd serving <paramref name="dataDirectory"/> and waits until it listens.</summary>
    public static async Task<Snmpsimd> StartAsync(string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        if (!Directory.EnumerateFiles(dataDirectory, "*.snmprec").Any())
        {
            throw new ArgumentException($"no *.snmprec recordings in {dataDirectory}", nameof(dataDirectory));
        }

        var dir = new TempDir("powerwatch-snmpsimd");
        try
        {
            var cache = dir.File("cache");
            Directory.CreateDirectory(cache);
            var asRoot = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
            if (asRoot && !OperatingSystem.IsWindows())
            {
                // The temp dir is created 0700; the unprivileged snmpsimd must reach and fill its cache.
                File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
                File.SetUnixFileMode(cache, (UnixFileMode)0b111_111_111);
            }

            var port = Peers.FreeUdpPort();
            var args = new List<string>
            {
                "--data-dir=" + Path.GetFullPath(dataDirectory),
                "--agent-udpv4-endpoint=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                "--cache-dir=" + cache,
                "--logging-method=stdout",
            };
            if (asRoot)
            {
                args.Add("--process-user=nobody");
                args.Add("--process-group=nogroup");
            }

            var process = PeerProcess.Start(Peers.Require("snmpsimd"), args, dir.Path, new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" });
            try
            {
                // Logged once every data file is indexed and the UDP endpoint is bound.
                await process.WaitForOutputAsync("Listening at UDP/IPv4 endpoint", Patience);
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }

            return new Snmpsimd(dir, port, process);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _dir.Dispose();
    }
}

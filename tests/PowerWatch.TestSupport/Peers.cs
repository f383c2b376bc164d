using System.Net;
using System.Net.Sockets;

namespace PowerWatch.TestSupport;

/// <summary>Locating real peer programs and loopback ports for tests.</summary>
public static class Peers
{
    /// <summary>True when running under CI (<c>CI=true</c>): peers are mandatory.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Debian's own Python, which sees python3-pymodbus (a pyenv python3 on PATH may not).</summary>
    public const string DebianPython = "/usr/bin/python3";

    private static readonly string[] ExtraDirs = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/lib/nut", "/usr/lib/nut"];

    /// <summary>
    /// Finds a program by absolute path or name on PATH (and the sbin and NUT directories); a name of the
    /// form <c>python:module</c> checks that Debian's python3 can import the module; <c>pkg:name</c> checks pkg-config; <c>npm:name</c> checks that the Node package is installed in tests/browser/node_modules.
    /// </summary>
    public static string? Find(string program)
    {
        if (program.StartsWith("python:", StringComparison.Ordinal))
        {
            return File.Exists(DebianPython) && Run(DebianPython, ["-c", "import " + program[7..]]) == 0 ? DebianPython : null;
        }

        if (program.StartsWith("npm:", StringComparison.Ordinal))
        {
            // A Node package installed by tests/peers/install.sh into tests/browser/node_modules.
            return BrowserModules() is { } modules && File.Exists(Path.Combine(modules, program[4..], "package.json")) ? Path.Combine(modules, program[4..]) : null;
        }

        if (program.StartsWith("pkg:", StringComparison.Ordinal))
        {
            return Find("pkg-config") is { } pc && Run(pc, ["--exists", program[4..]]) == 0 ? program : null;
        }

        if (Path.IsPathRooted(program))
        {
            return File.Exists(program) ? program : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator).Concat(ExtraDirs))
        {
            if (dir.Length == 0)
            {
                continue;
            }

            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The repository's tests/browser folder (its node_modules holds the browser test driver), or null.</summary>
    public static string? BrowserDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PowerWatch.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "browser");
            }
        }

        return null;
    }

    private static string? BrowserModules() => BrowserDirectory() is { } dir ? Path.Combine(dir, "node_modules") : null;

    /// <summary>Finds a program or throws with an install hint; used inside peer tests so CI fails loudly.</summary>
    public static string Require(string program) =>
        Find(program) ?? throw new InvalidOperationException($"Peer '{program}' is not installed; run tests/peers/install.sh");

    /// <summary>
    /// A currently free TCP port on 127.0.0.1 (for peers that must be told a port). It is picked at random below the
    /// kernel's ephemeral range: a port the OS hands out (port 0) is in that range, and between our check and the
    /// peer's bind any outgoing loopback connection of a parallel test could take it as its local port (seen in CI as
    /// influxd failing with "bind: address already in use"). Peers still retry on a lost race where they can.
    /// </summary>
    public static int FreeTcpPort()
    {
        var (low, high) = (16_384, Math.Min(32_768, EphemeralStart()));
        for (var attempt = 0; high - low >= 1_024 && attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(low, high);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                probe.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var any = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return any;
    }

    /// <summary>First port of the ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range; else the IANA 49152).</summary>
    private static int EphemeralStart()
    {
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(text[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 49_152;
        }
    }

    private static int Run(string file, IEnumerable<string> args)
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo(file)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = System.Diagnostics.Process.Start(psi)!;
            p.WaitForExit(30_000);
            return p.HasExited ? p.ExitCode : -1;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}

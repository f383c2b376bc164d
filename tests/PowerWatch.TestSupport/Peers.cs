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
    /// form <c>python:module</c> checks that Debian's python3 can import the module; <c>pkg:name</c> checks pkg-config.
    /// </summary>
    public static string? Find(string program)
    {
        if (program.StartsWith("python:", StringComparison.Ordinal))
        {
            return File.Exists(DebianPython) && Run(DebianPython, ["-c", "import " + program[7..]]) == 0 ? DebianPython : null;
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

    /// <summary>Finds a program or throws with an install hint; used inside peer tests so CI fails loudly.</summary>
    public static string Require(string program) =>
        Find(program) ?? throw new InvalidOperationException($"Peer '{program}' is not installed; run tests/peers/install.sh");

    /// <summary>A currently free TCP port on 127.0.0.1 (for peers that must be told a port).</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
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

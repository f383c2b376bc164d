using System.Globalization;
using PowerWatch.TestSupport;

namespace PowerWatch.Simulators.Tests.Faces.Serial;

/// <summary>
/// A real NUT serial driver (nutdrv_qx, blazer_ser or apcsmart from /lib/nut) on a pty served by one of our faces,
/// plus upsd on a free loopback port, in a temporary configuration and state directory. Both run in the foreground
/// (-F) so the fixture owns and kills them (same pattern as the agent's UpsdFixture).
/// </summary>
internal sealed class NutSerialFixture : IAsyncDisposable
{
    private readonly TempDir _dir = new("powerwatch-nut-serial");
    private PeerProcess? _driver;
    private PeerProcess? _upsd;
    private string _upsc = "upsc";

    public int Port { get; private set; }

    public string DriverOutput => _driver?.Output ?? "";

    public static async Task<NutSerialFixture> StartAsync(string driver, string port, params string[] extraConfig)
    {
        var f = new NutSerialFixture();
        try
        {
            await f.StartCoreAsync(driver, port, extraConfig);
        }
        catch
        {
            await f.DisposeAsync();
            throw;
        }

        return f;
    }

    private async Task StartCoreAsync(string driverName, string port, string[] extraConfig)
    {
        var driver = Peers.Require("/lib/nut/" + driverName);
        var upsd = Peers.Require("/lib/nut/upsd");
        _upsc = Peers.Require("upsc");
        var state = Path.Combine(_dir.Path, "state");
        Directory.CreateDirectory(state);
        File.SetUnixFileMode(state, (UnixFileMode)0b111_111_111);
        Port = Peers.FreeTcpPort();
        var extra = string.Concat(extraConfig.Select(l => l + "\n"));
        await WriteConfAsync("ups.conf", $"[sim]\ndriver = {driverName}\nport = {port}\npollinterval = 1\ndesc = \"simulated serial ups\"\n{extra}");
        await WriteConfAsync("upsd.conf", $"LISTEN 127.0.0.1 {Port}\n");
        await WriteConfAsync("upsd.users", "");
        await WriteConfAsync("nut.conf", "MODE=standalone\n");
        var env = new Dictionary<string, string> { ["NUT_CONFPATH"] = _dir.Path, ["NUT_STATEPATH"] = state };
        _driver = PeerProcess.Start(driver, ["-a", "sim", "-u", "root", "-F"], _dir.Path, env);
        await _driver.WaitUntilAsync(() => Task.FromResult(Directory.EnumerateFileSystemEntries(state, driverName + "-sim*").Any()), TimeSpan.FromSeconds(30), "driver socket");
        _upsd = PeerProcess.Start(upsd, ["-u", "root", "-F"], _dir.Path, env);
        await _upsd.WaitForTcpAsync(Port);
        await WaitForAsync("ups.status", s => s.Length > 0, TimeSpan.FromSeconds(20));
    }

    /// <summary>One variable through upsc, or null when upsc cannot read it.</summary>
    public async Task<string?> ReadAsync(string variable)
    {
        var (code, output) = await PeerProcess.RunAsync(_upsc, [$"sim@127.0.0.1:{Port}", variable], TimeSpan.FromSeconds(10));
        // upsc prints "Init SSL without certificate database" on stderr, merged with stdout in no fixed order: the
        // value is the last line that is not that notice.
        return code == 0
            ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .LastOrDefault(l => !l.StartsWith("Init SSL", StringComparison.Ordinal)) ?? ""
            : null;
    }

    public async Task<double> ReadNumberAsync(string variable)
    {
        var text = await ReadAsync(variable);
        Assert.True(text is not null, $"upsc has no {variable}; driver output:\n{DriverOutput}");
        return double.Parse(text!, CultureInfo.InvariantCulture);
    }

    /// <summary>Polls upsc (bounded) until <paramref name="condition"/> holds for <paramref name="variable"/>; returns the value.</summary>
    public async Task<string> WaitForAsync(string variable, Func<string, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_driver!.HasExited)
            {
                Assert.Fail($"driver exited (code {_driver.ExitCode}); output:\n{_driver.Output}");
            }

            last = await ReadAsync(variable);
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        Assert.Fail($"{variable} never satisfied the condition within {timeout} (last: '{last}'); driver output:\n{DriverOutput}");
        return "";
    }

    public static bool HasToken(string status, string token) => status.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(token);

    private async Task WriteConfAsync(string name, string text)
    {
        var path = _dir.File(name);
        await File.WriteAllTextAsync(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
    }

    public async ValueTask DisposeAsync()
    {
        if (_upsd is not null)
        {
            await _upsd.DisposeAsync();
        }

        if (_driver is not null)
        {
            await _driver.DisposeAsync();
        }

        _dir.Dispose();
    }
}

using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.Nut;

/// <summary>
/// A real NUT upsd (Debian nut-server) on 127.0.0.1 with the dummy-ups driver reading a .dev file,
/// in a temporary configuration and state directory. Both programs run in the foreground (-F) so the
/// fixture owns and kills them.
/// </summary>
internal sealed class UpsdFixture : IAsyncDisposable
{
    private readonly TempDir _dir = new("powerwatch-nut");
    private PeerProcess? _driver;
    private PeerProcess? _upsd;

    public int Port { get; private set; }

    public string DevFile => _dir.File("sim.dev");

    public static async Task<UpsdFixture> StartAsync(string devContents, string? user = null, string? password = null)
    {
        var f = new UpsdFixture();
        await f.StartCoreAsync(devContents, user, password);
        return f;
    }

    private async Task StartCoreAsync(string devContents, string? user, string? password)
    {
        var driver = Peers.Require("/lib/nut/dummy-ups");
        var upsd = Peers.Require("/lib/nut/upsd");
        Peers.Require("upsc");
        var state = Path.Combine(_dir.Path, "state");
        Directory.CreateDirectory(state);
        File.SetUnixFileMode(state, (UnixFileMode)0b111_111_111);
        Port = Peers.FreeTcpPort();
        await File.WriteAllTextAsync(DevFile, devContents);
        await WriteConfAsync("ups.conf", $"[sim]\ndriver = dummy-ups\nport = {DevFile}\ndesc = \"simulated ups\"\n");
        await WriteConfAsync("upsd.conf", $"LISTEN 127.0.0.1 {Port}\n");
        await WriteConfAsync("upsd.users", user is null ? "" : $"[{user}]\npassword = {password}\nupsmon secondary\n");
        await WriteConfAsync("nut.conf", "MODE=standalone\n");
        var env = new Dictionary<string, string> { ["NUT_CONFPATH"] = _dir.Path, ["NUT_STATEPATH"] = state };
        _driver = PeerProcess.Start(driver, ["-a", "sim", "-u", "root", "-F"], _dir.Path, env);
        await _driver.WaitUntilAsync(() => Task.FromResult(Directory.EnumerateFileSystemEntries(state, "dummy-ups-sim*").Any()), TimeSpan.FromSeconds(15), "driver socket");
        _upsd = PeerProcess.Start(upsd, ["-u", "root", "-F"], _dir.Path, env);
        await _upsd.WaitForTcpAsync(Port);

        // upsd serves a UPS before the driver has delivered its first data: wait until a real client (upsc) sees it.
        var upsc = Peers.Require("upsc");
        await _upsd.WaitUntilAsync(
            async () => (await PeerProcess.RunAsync(upsc, [$"sim@127.0.0.1:{Port}", "battery.charge"], TimeSpan.FromSeconds(10))).ExitCode == 0,
            TimeSpan.FromSeconds(20),
            "driver data visible through upsc");
    }

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

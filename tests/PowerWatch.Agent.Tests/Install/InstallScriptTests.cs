using Microsoft.Extensions.Configuration;
using PowerWatch.Agent.Cli;
using PowerWatch.Agent.Tests.Dashboards;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Install;

public sealed class InstallScriptTests : IDisposable
{
    private readonly TempDir _dir = new("powerwatch-install");
    private readonly string _root;
    private readonly string _build;

    public InstallScriptTests()
    {
        _root = Path.Combine(_dir.Path, "root");
        _build = Path.Combine(_dir.Path, "build");
        Directory.CreateDirectory(Path.Combine(_build, "profiles"));
        File.WriteAllText(Path.Combine(_build, "powerwatch"), "#!/bin/sh\necho fake powerwatch \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(_build, "powerwatch"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(_build, "profiles", "sample.json"), "{}");
    }

    private static string Script(string name) => Path.Combine(GrafanaDashboards.RepositoryRoot(), "install", "linux", name);

    private async Task<(int ExitCode, string Output)> RunAsync(string script, params string[] args)
    {
        var result = await PeerProcess.RunAsync("/bin/bash", [Script(script), .. args], TimeSpan.FromSeconds(60), environment: new Dictionary<string, string> { ["DESTDIR"] = _root });
        return result;
    }

    private string InRoot(string path) => Path.Combine(_root, path.TrimStart('/'));

    [Fact]
    public async Task Install_into_destdir_lays_out_program_units_config_and_data()
    {
        var (code, output) = await RunAsync("install.sh", "--from", _build, "--no-user");
        Assert.True(code == 0, output);

        var exe = InRoot("/opt/powerwatch/powerwatch");
        Assert.True(File.Exists(exe), output);
        Assert.True(File.GetUnixFileMode(exe).HasFlag(UnixFileMode.OtherExecute));
        Assert.True(File.Exists(InRoot("/opt/powerwatch/profiles/sample.json")));
        Assert.True(File.Exists(InRoot("/lib/systemd/system/powerwatch.service")));
        Assert.True(File.Exists(InRoot("/lib/systemd/system/powerwatch-ingest.service")));
        Assert.True(File.Exists(InRoot("/etc/powerwatch/powerwatch.json")));
        Assert.True(Directory.Exists(InRoot("/var/lib/powerwatch")));
        Assert.Contains("\"/opt/powerwatch/profiles\"", File.ReadAllText(InRoot("/etc/powerwatch/powerwatch.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Installing_twice_succeeds_and_keeps_an_edited_config()
    {
        Assert.Equal(0, (await RunAsync("install.sh", "--from", _build, "--no-user")).ExitCode);
        var config = InRoot("/etc/powerwatch/powerwatch.json");
        await File.WriteAllTextAsync(config, "{ \"edited\": true }");
        var tree = Tree();

        var (code, output) = await RunAsync("install.sh", "--from", _build, "--no-user");

        Assert.True(code == 0, output);
        Assert.Equal("{ \"edited\": true }", await File.ReadAllTextAsync(config));
        Assert.Equal(tree, Tree());
        Assert.Contains("Kept existing configuration", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prefix_is_written_into_the_units()
    {
        var (code, output) = await RunAsync("install.sh", "--from", _build, "--no-user", "--prefix", "/usr/local/powerwatch");
        Assert.True(code == 0, output);
        var unit = await File.ReadAllTextAsync(InRoot("/lib/systemd/system/powerwatch.service"));
        Assert.Contains("ExecStart=/usr/local/powerwatch/powerwatch run --config /etc/powerwatch/powerwatch.json", unit, StringComparison.Ordinal);
        Assert.True(File.Exists(InRoot("/usr/local/powerwatch/powerwatch")));
    }

    [Fact]
    public async Task Install_without_a_build_in_from_fails_with_a_message()
    {
        var (code, output) = await RunAsync("install.sh", "--from", Path.Combine(_dir.Path, "nothing"), "--no-user");
        Assert.NotEqual(0, code);
        Assert.Contains("not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uninstall_removes_program_and_units_but_keeps_config_and_data()
    {
        Assert.Equal(0, (await RunAsync("install.sh", "--from", _build, "--no-user")).ExitCode);
        await File.WriteAllTextAsync(InRoot("/var/lib/powerwatch/outbox.seg"), "data");

        var (code, output) = await RunAsync("uninstall.sh");

        Assert.True(code == 0, output);
        Assert.False(File.Exists(InRoot("/opt/powerwatch/powerwatch")));
        Assert.False(File.Exists(InRoot("/lib/systemd/system/powerwatch.service")));
        Assert.False(File.Exists(InRoot("/lib/systemd/system/powerwatch-ingest.service")));
        Assert.True(File.Exists(InRoot("/etc/powerwatch/powerwatch.json")));
        Assert.True(File.Exists(InRoot("/var/lib/powerwatch/outbox.seg")));
    }

    [Fact]
    public async Task Uninstall_with_purge_also_removes_config_and_data()
    {
        Assert.Equal(0, (await RunAsync("install.sh", "--from", _build, "--no-user")).ExitCode);
        var (code, output) = await RunAsync("uninstall.sh", "--purge");
        Assert.True(code == 0, output);
        Assert.False(Directory.Exists(InRoot("/etc/powerwatch")));
        Assert.False(Directory.Exists(InRoot("/var/lib/powerwatch")));
    }

    [Fact]
    public void Example_configuration_passes_the_agent_validator()
    {
        var path = Path.Combine(GrafanaDashboards.RepositoryRoot(), "install", "examples", "powerwatch.json");
        var problems = PowerWatchCommandLine.LoadAndValidate(path, out var options);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Equal(["ats", "generator", "meter", "pdu", "pdu", "ups"], options.Devices.Select(d => d.Kind).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Example_configuration_is_the_simulated_demo_site_on_ports_from_15020()
    {
        // install/examples/powerwatch.json mirrors the demo site: same devices (id, kind, unit, profile) and topology
        // as the simulator's own configuration, endpoints on consecutive ports from 15020 in site order, as
        // `powerwatch-sim serve --base-port 15020` serves them. (The host here uses free ports: no fixed port is bound.)
        var path = Path.Combine(GrafanaDashboards.RepositoryRoot(), "install", "examples", "powerwatch.json");
        Assert.Empty(PowerWatchCommandLine.LoadAndValidate(path, out var example));
        await using var host = await PowerWatch.Simulators.Faces.SiteHost.StartAsync(new PowerWatch.Simulators.Faces.SiteHostOptions(), CancellationToken.None);
        var generated = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(host.ToAgentConfigurationJson())))
            .Build();
        var (simulated, problems) = PowerWatch.Agent.Configuration.ConfigValidator.BindAndValidate(generated);
        Assert.Empty(problems);

        Assert.Equal(
            simulated.Devices.Select((d, i) => $"{d.Id} {d.Kind} {d.Input} unit {d.UnitId} {d.Profile} tcp://127.0.0.1:{15020 + i}"),
            example.Devices.Select(d => $"{d.Id} {d.Kind} {d.Input} unit {d.UnitId} {d.Profile} {d.Endpoint}"));
        Assert.Equal(
            simulated.Topology.Ats.Select(a => $"{a.Id} {a.Generator} {a.UtilityMeter} {string.Join(',', a.Feeds)}"),
            example.Topology.Ats.Select(a => $"{a.Id} {a.Generator} {a.UtilityMeter} {string.Join(',', a.Feeds)}"));
        Assert.Equal(
            simulated.Topology.Ups.Select(u => $"{u.Id} {string.Join(',', u.Pdus)}"),
            example.Topology.Ups.Select(u => $"{u.Id} {string.Join(',', u.Pdus)}"));
        Assert.False(example.Mqtt.Enabled, "the example must run without a broker; MQTT is switched on by the operator");
    }

    private string Tree() =>
        string.Join('\n', Directory.GetFileSystemEntries(_root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(_root, p)).Order(StringComparer.Ordinal));

    public void Dispose() => _dir.Dispose();
}

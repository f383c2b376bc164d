using System.Text.Json;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Demo;

/// <summary>
/// The README's main job: `powerwatch-demo` runs a simulated site and the agent with embedded defaults and no
/// external server. Run as a real process, as a user would.
/// </summary>
public sealed class DemoCommandTests
{
    private static string DemoDll => Path.Combine(AppContext.BaseDirectory, "powerwatch-demo.dll");

    [Fact]
    public async Task Demo_polls_every_simulated_device_and_serves_live_readings()
    {
        var port = Peers.FreeTcpPort();
        var url = $"http://127.0.0.1:{port}";
        await using var demo = PeerProcess.Start("dotnet", [DemoDll, "--speed", "20", "--duration", "00:01:00", "--status-url", url]);
        await demo.WaitForOutputAsync("--- site time", TimeSpan.FromSeconds(45));

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var devices = JsonDocument.Parse(await http.GetStringAsync("/api/devices"));
        var ids = devices.RootElement.EnumerateArray().Select(d => d.GetProperty("id").GetString()).ToList();
        Assert.Equal(["ups", "generator", "ats", "pdu1", "pdu2", "meter"], ids);
        Assert.All(devices.RootElement.EnumerateArray(), d => Assert.True(d.GetProperty("available").GetBoolean(), d.ToString()));

        using var readings = JsonDocument.Parse(await http.GetStringAsync("/api/readings?device=ups"));
        var ups = readings.RootElement[0].GetProperty("readings").EnumerateArray().ToDictionary(r => r.GetProperty("metric").GetString()!);
        Assert.Equal("good", ups["battery.charge"].GetProperty("quality").GetString());
        Assert.InRange(ups["battery.charge"].GetProperty("value").GetDouble(), 90, 100);
        Assert.Contains("OL", ups["ups.status"].GetProperty("value").GetString()!.Split(' '));

        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("powerwatch_battery_runtime{site=\"demo\",device=\"ups\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("ups.status=OL", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shipped_agent_carries_no_simulator_and_no_demo_verb()
    {
        // The service installs powerwatch.dll and what it references; the simulator belongs to the demo executable.
        var agent = System.Reflection.Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "powerwatch.dll"));
        Assert.DoesNotContain(agent.GetReferencedAssemblies(), a => a.Name!.Contains("Simulator", StringComparison.Ordinal));
        var (exit, output) = await PeerProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "powerwatch.dll"), "demo"], TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exit);
        Assert.Contains("demo", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_on_a_status_port_in_use_prints_one_line_and_exits_2()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var (exit, output) = await PeerProcess.RunAsync("dotnet", [DemoDll, "--status-url", $"http://127.0.0.1:{port}"], TimeSpan.FromSeconds(60));
        Assert.True(exit == 2, $"exit {exit}: {output}");
        Assert.Equal($"status page: 127.0.0.1:{port} is already in use (another PowerWatch?); choose another with --status-url or Status:Url", output.Trim());
    }

    [Fact]
    public async Task Demo_rejects_an_unknown_scenario_with_the_known_names()
    {
        var (exit, output) = await PeerProcess.RunAsync("dotnet", [DemoDll, "--scenario", "no-such-thing"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, exit);
        Assert.Contains("generator-fails-to-start", output, StringComparison.Ordinal);
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using PowerWatch.Agent.Cli;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Tests.Dashboards;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Aot;

/// <summary>
/// Runs when tests/run.sh has published the Native AOT agent (artifacts/publish/linux-x64-aot). Under CI=true a
/// missing binary fails the test instead of skipping it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AotPublishFactAttribute : FactAttribute
{
    public AotPublishFactAttribute()
    {
        if (!Peers.IsCi && !File.Exists(AotAgentTests.Executable))
        {
            Skip = $"AOT PUBLISH MISSING: {AotAgentTests.Executable} not found; tests/run.sh publishes it (under CI=true this test fails instead of skipping)";
        }
    }
}

/// <summary>
/// The Native AOT agent (<c>dotnet publish agent/PowerWatch.Agent -c Release -r linux-x64 -p:PublishAot=true</c>, fully
/// trimmed) as a child process against the simulated demo site served in this process: it polls every device,
/// answers the status API and <c>/metrics</c>, stops cleanly, and knows every configuration key the JIT build knows.
/// </summary>
public sealed class AotAgentTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static string Executable => Path.Combine(GrafanaDashboards.RepositoryRoot(), "artifacts", "publish", "linux-x64-aot", "powerwatch");

    private static string RequireExecutable()
    {
        Assert.True(File.Exists(Executable), $"{Executable} not found: tests/run.sh publishes the AOT agent (dotnet publish agent/PowerWatch.Agent -c Release -r linux-x64 -p:PublishAot=true -o artifacts/publish/linux-x64-aot)");
        return Executable;
    }

    [AotPublishFact]
    public async Task Aot_agent_polls_the_simulated_site_and_serves_the_status_api_and_metrics()
    {
        var exe = RequireExecutable();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var dir = new TempDir("powerwatch-aot");
        await using var site = await SiteHost.StartAsync(new SiteHostOptions(), cts.Token);
        var port = Peers.FreeTcpPort();
        var root = JsonNode.Parse(site.ToAgentConfigurationJson())!.AsObject();
        var pw = root["PowerWatch"]!.AsObject();
        pw["Agent"] = "aot";
        pw["DataDirectory"] = dir.File("data");
        pw["Status"] = new JsonObject { ["Url"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}" };
        var config = dir.File("site.json");
        await File.WriteAllTextAsync(config, root.ToJsonString(), cts.Token);

        await using var agent = PeerProcess.Start(exe, ["run", "--config", config], dir.Path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(10) };
        var ids = site.Devices.Select(d => d.Id).Order(StringComparer.Ordinal).ToList();
        await agent.WaitUntilAsync(async () => (await AvailableAsync(http)).SequenceEqual(ids), Patience, $"every device available in /api/devices ({string.Join(", ", ids)})");

        // Status API: health, and a good reading of the UPS read through its Modbus face.
        using var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative), cts.Token);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using (var doc = JsonDocument.Parse(await health.Content.ReadAsStringAsync(cts.Token)))
        {
            Assert.Equal("ok", doc.RootElement.GetProperty("status").GetString());
        }

        using (var readings = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/readings?device=ups", UriKind.Relative), cts.Token)))
        {
            var charge = readings.RootElement[0].GetProperty("readings").EnumerateArray()
                .Single(r => r.GetProperty("metric").GetString() == "battery.charge");
            Assert.Equal("good", charge.GetProperty("quality").GetString());
        }

        // Prometheus exposition: poll counters for every device and a reading gauge.
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cts.Token);
        Assert.Contains("# TYPE powerwatch_polls_total counter", metrics, StringComparison.Ordinal);
        foreach (var id in ids)
        {
            Assert.Contains($"powerwatch_polls_total{{site=\"{site.Site.Name}\",device=\"{id}\"}}", metrics, StringComparison.Ordinal);
        }

        Assert.Contains($"powerwatch_battery_charge{{site=\"{site.Site.Name}\",device=\"ups\"}}", metrics, StringComparison.Ordinal);
        Assert.True(site.Devices.All(d => d.Server.Statistics.Requests > 0), "every simulated device was read over Modbus");

        // SIGTERM: a clean stop.
        agent.Signal(15);
        Assert.Equal(0, await agent.WaitForExitAsync(Patience));
    }

    private static async Task<List<string>> AvailableAsync(HttpClient http)
    {
        try
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/devices", UriKind.Relative)));
            return doc.RootElement.EnumerateArray().Where(d => d.GetProperty("available").GetBoolean())
                .Select(d => d.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToList();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    /// <summary>
    /// A configuration that sets every key the options types define (one list element and one map entry each), with a
    /// value of the key's type: the AOT agent's <c>check-config</c> must report exactly what the JIT validator reports
    /// for it (semantic problems of the sample values, never an unknown key or a value that did not convert).
    /// </summary>
    [AotPublishFact]
    public async Task Aot_agent_knows_every_configuration_key_the_jit_build_knows()
    {
        var exe = RequireExecutable();
        using var dir = new TempDir("powerwatch-aot-keys");
        var pw = new JsonObject();
        var root = ConfigShapes.PropertiesOf(typeof(AgentOptions));
        foreach (var (name, type) in root.Concat(ConfigShapes.SharedSections))
        {
            pw[name] = Sample(type);
        }

        var config = dir.File("every-key.json");
        await File.WriteAllTextAsync(config, new JsonObject { ["PowerWatch"] = pw }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var jit = PowerWatchCommandLine.LoadAndValidate(config, out var options);
        Assert.DoesNotContain(jit, p => p.Reason.Contains("unknown key", StringComparison.Ordinal) || p.Reason.Contains("is not a ", StringComparison.Ordinal));
        Assert.NotEmpty(jit); // the sample values are nonsense together (an endpoint "x", a kind "x"): the rules still run

        var (code, output) = await PeerProcess.RunAsync(exe, ["check-config", config], Patience, dir.Path);
        var expected = jit.Select(p => $"every-key.json: {p.ToString(options)}").Append($"every-key.json: {jit.Count} problem(s)");
        Assert.Equal(1, code);
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>A JSON value of the type a key holds, as the validator sees types (<see cref="ConfigShapes"/>).</summary>
    private static JsonNode Sample(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (ConfigShapes.ContainerOf(t) is { Element: { } element, IsMap: var isMap })
        {
            return isMap ? new JsonObject { ["x"] = Sample(element) } : new JsonArray(Sample(element));
        }

        if (ConfigShapes.IsObject(t))
        {
            var o = new JsonObject();
            foreach (var (name, propertyType) in ConfigShapes.PropertiesOf(t))
            {
                o[name] = Sample(propertyType);
            }

            return o;
        }

        return t.IsEnum ? JsonValue.Create(Enum.GetNames(t)[^1])
            : t == typeof(string) ? JsonValue.Create("x")
            : t == typeof(Uri) ? JsonValue.Create("http://127.0.0.1:9/hook")
            : t == typeof(bool) ? JsonValue.Create(true)
            : t == typeof(TimeSpan) ? JsonValue.Create("00:00:02")
            : t == typeof(int) || t == typeof(byte) || t == typeof(long) || t == typeof(double) ? JsonValue.Create(2)
            : throw new InvalidOperationException($"no sample value for {t.Name}: extend {nameof(Sample)}");
    }
}

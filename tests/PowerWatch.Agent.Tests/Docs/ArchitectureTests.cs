using System.Xml.Linq;
using PowerWatch.Agent.Tests.Dashboards;

namespace PowerWatch.Agent.Tests.Docs;

/// <summary>
/// The project graph of docs/architecture.md, enforced: a project reference that breaks the layering fails here,
/// and a new product project must be placed in a layer (and named in the document) before it builds green.
/// </summary>
public sealed class ArchitectureTests
{
    private static string Root => GrafanaDashboards.RepositoryRoot();

    // Every product project, by layer. Protocol projects: wire code, reference nothing of ours.
    private static readonly HashSet<string> Protocol = ["PowerWatch.Modbus", "PowerWatch.Serial", "PowerWatch.SerialUps", "PowerWatch.Snmp", "PowerWatch.Mqtt", "PowerWatch.Influx", "PowerWatch.Outbox"];
    private const string Core = "PowerWatch.Core";
    private const string Service = "PowerWatch.Agent";
    private static readonly HashSet<string> Simulators = ["PowerWatch.Simulators", "PowerWatch.Simulator"];
    private const string Demo = "PowerWatch.Demo";

    /// <summary>Product projects (agent/, simulators/, demo/) and the projects each references.</summary>
    private static Dictionary<string, IReadOnlyList<string>> Graph() =>
        new[] { "agent", "simulators", "demo" }
            .Where(d => Directory.Exists(Path.Combine(Root, d)))
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, d), "*.csproj", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(
                p => Path.GetFileNameWithoutExtension(p),
                p => (IReadOnlyList<string>)XDocument.Load(p).Descendants("ProjectReference")
                    .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar)))
                    .ToList(),
                StringComparer.Ordinal);

    [Fact]
    public void Every_product_project_has_a_layer()
    {
        var known = Protocol.Concat(Simulators).Append(Core).Append(Service).Append(Demo).ToHashSet(StringComparer.Ordinal);
        var graph = Graph();
        Assert.Superset(new HashSet<string>([Service, Core, Demo, "PowerWatch.Modbus", "PowerWatch.Simulators"]), graph.Keys.ToHashSet());
        Assert.Contains("PowerWatch.Core", graph[Service]);
        var unplaced = graph.Keys.Where(p => !known.Contains(p)).ToList();
        Assert.True(unplaced.Count == 0, "place these projects in a layer (ArchitectureTests and docs/architecture.md): " + string.Join(", ", unplaced));
    }

    [Fact]
    public void Protocol_projects_and_core_reference_nothing_of_ours()
    {
        foreach (var (project, references) in Graph().Where(p => Protocol.Contains(p.Key) || p.Key == Core))
        {
            Assert.True(references.Count == 0, $"{project} references {string.Join(", ", references)}: protocol projects and Core reference nothing of ours");
        }
    }

    [Fact]
    public void Simulators_never_reference_the_agent_or_its_outputs()
    {
        foreach (var (project, references) in Graph().Where(p => Simulators.Contains(p.Key)))
        {
            var wrong = references.Where(r => r is Service or Demo or "PowerWatch.Mqtt" or "PowerWatch.Influx" or "PowerWatch.Outbox").ToList();
            Assert.True(wrong.Count == 0, $"{project} references {string.Join(", ", wrong)}: a simulator speaks device protocols only");
        }
    }

    [Fact]
    public void The_service_never_references_the_simulators_or_the_demo()
    {
        var wrong = Graph()[Service].Where(r => Simulators.Contains(r) || r == Demo).ToList();
        Assert.True(wrong.Count == 0, $"{Service} references {string.Join(", ", wrong)}: the shipped service carries no simulator");
    }

    [Fact]
    public void Nothing_references_the_demo()
    {
        var wrong = Graph().Where(p => p.Value.Contains(Demo)).Select(p => p.Key).ToList();
        Assert.True(wrong.Count == 0, "these product projects reference the demo: " + string.Join(", ", wrong));
    }

    /// <summary>
    /// The design card's libraries are test and benchmark peers only (docs/dependencies.md): the shipped agent, the
    /// simulators and the demo carry our own serial, Modbus, MQTT and line-protocol code.
    /// </summary>
    [Fact]
    public void No_product_project_references_a_library_kept_as_a_test_peer()
    {
        string[] peersOnly = ["MQTTnet", "InfluxDB.Client", "InfluxDB3.Client", "System.IO.Ports", "NModbus"];
        var wrong = new[] { "agent", "simulators", "demo" }
            .Where(d => Directory.Exists(Path.Combine(Root, d)))
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, d), "*.csproj", SearchOption.AllDirectories))
            .SelectMany(p => XDocument.Load(p).Descendants("PackageReference")
                .Select(r => r.Attribute("Include")?.Value ?? "")
                .Where(r => peersOnly.Contains(r, StringComparer.OrdinalIgnoreCase))
                .Select(r => $"{Path.GetFileNameWithoutExtension(p)} → {r}"))
            .ToList();
        Assert.True(wrong.Count == 0, "product projects reference test-peer libraries (docs/dependencies.md): " + string.Join(", ", wrong));
    }

    [Fact]
    public void Architecture_document_names_every_product_project()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));
        var missing = Graph().Keys.Where(p => !doc.Contains(p, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/architecture.md does not name: " + string.Join(", ", missing));
    }
}

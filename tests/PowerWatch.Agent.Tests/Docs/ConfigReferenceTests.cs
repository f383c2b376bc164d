using Microsoft.Extensions.Configuration;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Tests.Dashboards;

namespace PowerWatch.Agent.Tests.Docs;

public sealed class ConfigReferenceTests
{
    private static string Doc => Path.Combine(GrafanaDashboards.RepositoryRoot(), "docs", "configuration.md");

    private static string Example => Path.Combine(GrafanaDashboards.RepositoryRoot(), "install", "examples", "powerwatch.json");

    [Fact]
    public void Configuration_reference_is_fresh()
    {
        var rendered = ConfigReference.Render();
        if (Environment.GetEnvironmentVariable("POWERWATCH_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(Doc, rendered);
        }

        var committed = File.Exists(Doc) ? File.ReadAllText(Doc) : "(missing)";
        Assert.True(
            committed == rendered,
            "docs/configuration.md is out of date with the options classes. Regenerate it with: " +
            "POWERWATCH_UPDATE_DOCS=1 dotnet test tests/PowerWatch.Agent.Tests --filter Configuration_reference");
    }

    [Fact]
    public void Configuration_reference_has_a_description_for_every_option()
    {
        var missing = ConfigReference.Undocumented();
        Assert.True(
            missing.Count == 0,
            "Options properties without a /// <summary> (docs/configuration.md takes its descriptions from them):\n  " +
            string.Join("\n  ", missing));
    }

    [Fact]
    public void Configuration_reference_names_list_items_N_and_map_entries_by_name_under_the_bound_sections()
    {
        var keys = ConfigReference.AllKeys().ToDictionary(k => k.Key, StringComparer.Ordinal);

        // Section names as the binder sees them: AgentServices binds AgentOptions.Section, ingest binds IngestOptions.Section.
        Assert.Contains(AgentOptions.Section + ":Devices:N:Endpoint", keys.Keys);
        Assert.Contains(AgentOptions.Section + ":Alerts:Actions:{name}:Kind", keys.Keys);
        Assert.Contains(AgentOptions.Section + ":Alerts:Rules:N:Severity", keys.Keys);
        Assert.Contains(MqttOptions.Section + ":Outbox:MaxBytes", keys.Keys);
        Assert.Contains(IngestOptions.Section + ":Influx:Url", keys.Keys);
        Assert.All(keys.Keys, k => Assert.StartsWith(AgentOptions.Section + ":", k, StringComparison.Ordinal));

        // Enums list their values; defaults come from a fresh instance.
        Assert.Contains("`Critical`", keys[AgentOptions.Section + ":Alerts:Rules:N:Severity"].Type, StringComparison.Ordinal);
        Assert.Equal("`" + ConfigReference.Duration(new Core.Failover.FailoverOptions().StartDeadline) + "`",
            keys[AgentOptions.Section + ":Alerts:Failover:StartDeadline"].Default);
    }

    [Fact]
    public void Configuration_reference_links_point_at_its_own_sections()
    {
        var rendered = ConfigReference.Render();
        var anchors = rendered.Split('\n')
            .Where(l => l.StartsWith("### `", StringComparison.Ordinal))
            .Select(l => new string([.. l[4..].ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')]))
            .ToHashSet(StringComparer.Ordinal);
        var links = System.Text.RegularExpressions.Regex.Matches(rendered, @"\]\(#([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(links);
        Assert.All(links, l => Assert.Contains(l, anchors));
    }

    [Fact]
    public void Configuration_reference_does_not_depend_on_the_machine_it_is_generated_on()
    {
        // AgentOptions.Agent defaults to this machine's name: the reference must say so, not print it.
        var host = "`" + Environment.MachineName.ToLowerInvariant() + "`";
        Assert.Equal(Environment.MachineName.ToLowerInvariant(), new AgentOptions().Agent);
        Assert.DoesNotContain(ConfigReference.AllKeys(), k => k.Default == host);
    }

    [Fact]
    public void Every_key_of_the_example_configuration_is_in_the_reference()
    {
        var unknown = UnknownKeys(new ConfigurationBuilder().AddJsonFile(Example, optional: false).Build());
        Assert.True(unknown.Count == 0, "install/examples/powerwatch.json uses keys that are not in docs/configuration.md: " + string.Join(", ", unknown));
    }

    [Fact]
    public void The_example_configuration_passes_check_config()
    {
        var problems = Cli.PowerWatchCommandLine.LoadAndValidate(Example, out _);
        Assert.True(problems.Count == 0, "install/examples/powerwatch.json: " + string.Join("; ", problems));
    }

    // Every key the reference documents (maps and lists included) must pass the validator run and check-config use.
    [Fact]
    public void Powerwatch_run_accepts_every_key_of_the_reference()
    {
        var root = ConfigReference.Roots.Single(r => r.Type == typeof(AgentOptions));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(ConfigReference.SampleConfiguration(root)).Build();
        var (_, problems) = ConfigValidator.BindAndValidate(configuration);
        var shape = problems
            .Where(p => p.Reason.StartsWith("unknown key", StringComparison.Ordinal) || p.Reason.Contains("' is not a ", StringComparison.Ordinal) || p.Reason.Contains("is out of range", StringComparison.Ordinal)
                || p.Reason.StartsWith("expected a", StringComparison.Ordinal) || p.Key == AgentOptions.Section)
            .ToList();
        Assert.True(shape.Count == 0, "Keys of docs/configuration.md that powerwatch run / check-config reject:\n  " + string.Join("\n  ", shape));
    }

    [Theory]
    [InlineData("PowerWatch:Devices:0:Endpiont")]
    [InlineData("PowerWatch:Mqtt:Tls:CaFiles")]
    [InlineData("PowerWatch:Devices:first:Id")]
    [InlineData("PowerWatch:Site:Extra")]
    public void A_key_missing_from_the_reference_is_reported(string key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, "x"), new("PowerWatch:Site", "dc1")]).Build();
        Assert.Equal(new[] { key }, UnknownKeys(configuration).Where(k => k != "PowerWatch:Site"));
    }

    [Theory]
    [InlineData("powerwatch:devices:3:workarounds:maxgap")]
    [InlineData("PowerWatch:Topology:Ats:0:Feeds:1")]
    [InlineData("PowerWatch:Alerts:AllowedCommands:gen-1:0")]
    [InlineData("PowerWatch:Alerts:Actions:page:Headers:Authorization")]
    [InlineData("PowerWatch:Alerts:Triggers:0:On:1")]
    [InlineData("PowerWatch:Ingest:Influx:Bucket")]
    public void Keys_below_lists_and_maps_match_the_reference(string key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, "x")]).Build();
        Assert.Empty(UnknownKeys(configuration));
    }

    private static List<string> UnknownKeys(IConfiguration configuration)
    {
        var patterns = ConfigReference.AllKeys().SelectMany(ConfigReference.Expansions).ToList();
        return
        [
            .. configuration.AsEnumerable()
                .Where(p => p.Value is not null)
                .Select(p => p.Key)
                .Where(k => !patterns.Any(p => ConfigReference.Matches(p, k)))
                .Order(StringComparer.Ordinal),
        ];
    }
}

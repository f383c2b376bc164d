using System.Text.RegularExpressions;
using PowerWatch.Agent.Tests.Dashboards;

namespace PowerWatch.Agent.Tests.Docs;

/// <summary>
/// Log event ids follow docs/architecture.md, "Log event ids": four digits AANN, AA the area of the folder the
/// message is logged from, each id used once. An operator filters a journal or the Windows event log by area.
/// </summary>
public sealed partial class EventIdConventionTests
{
    private static readonly (string Folder, int From, int To)[] Areas =
    [
        ("Hosting", 1000, 1099),
        ("Outputs", 1100, 1199),
        ("Ingest", 1200, 1299),
        ("Polling", 2000, 2099),
        ("Status", 3000, 3099),
        ("Inputs", 2000, 2099),
        ("Alerts/Actions", 4100, 4199),
        ("Alerts", 4000, 4099),
    ];

    [Fact]
    public void Every_log_event_id_is_unique_and_in_the_range_of_its_area()
    {
        var root = Path.Combine(GrafanaDashboards.RepositoryRoot(), "agent", "PowerWatch.Agent");
        var seen = new Dictionary<int, string>();
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            foreach (Match m in EventId().Matches(File.ReadAllText(file)))
            {
                var id = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (!seen.TryAdd(id, relative))
                {
                    problems.Add($"{relative}: event id {id} is also used in {seen[id]}");
                }

                var area = Areas.FirstOrDefault(a => relative.StartsWith(a.Folder + "/", StringComparison.Ordinal));
                if (area.Folder is null)
                {
                    problems.Add($"{relative}: event id {id} in a folder with no range (add one to docs/architecture.md and this test)");
                }
                else if (id < area.From || id > area.To)
                {
                    problems.Add($"{relative}: event id {id} is outside {area.Folder}'s range {area.From}-{area.To}");
                }
            }
        }

        Assert.True(seen.Count > 20, "found too few event ids: is the scan looking in the right place?");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [GeneratedRegex(@"EventId\s*=\s*(\d+)")]
    private static partial Regex EventId();
}

using System.Collections.Immutable;
using System.Text;

namespace PowerWatch.Core;

/// <summary>Renders the catalogue as the Markdown of docs/metrics.md (deterministic, LF line ends).</summary>
internal static class MetricCatalogMarkdown
{
    public static string Render(ImmutableArray<MetricDefinition> all)
    {
        var sb = new StringBuilder();
        sb.Append("# Metric catalogue\n\n");
        sb.Append("<!-- Generated from PowerWatch.Core MetricCatalog; do not edit by hand. ");
        sb.Append("Regenerate: POWERWATCH_UPDATE_DOCS=1 dotnet test tests/PowerWatch.Core.Tests --filter Catalogue_doc -->\n\n");
        sb.Append("Every metric name PowerWatch emits. Names follow Network UPS Tools where NUT has one. ");
        sb.Append("`{n}` stands for an outlet number from 1; `{name}` for a lower-case alarm identifier. ");
        sb.Append("Kinds: number (double), boolean, text (short string; when values are listed, one of them), ");
        sb.Append("status (space-separated NUT status tokens; unknown tokens are preserved).\n\n");
        sb.Append("Numbers leave the agent (status API, MQTT payloads, the status page's trends, /metrics) rounded half away from ");
        sb.Append("zero to the decimals of their unit, then written in the shortest form that reads back as the same double ");
        sb.Append("(`25.4`, never `25.400000000000002`): ");
        sb.Append(string.Join(", ", MetricResolution.DecimalsByUnit.Select(u => $"{u.Key} {u.Value}")));
        sb.Append("; no unit ").Append(MetricResolution.DefaultDecimals).Append(" (`MetricResolution`).\n");
        foreach (var group in all.GroupBy(d => d.Group))
        {
            sb.Append("\n## ").Append(GroupTitle(group.Key)).Append("\n\n");
            sb.Append("| Metric | Unit | Kind | Meaning | Values |\n");
            sb.Append("|---|---|---|---|---|\n");
            foreach (var d in group)
            {
                sb.Append("| `").Append(d.Name).Append("` | ")
                    .Append(d.Unit.Length == 0 ? "—" : d.Unit).Append(" | ")
                    .Append(KindText(d.Kind)).Append(" | ")
                    .Append(Escape(d.Description)).Append(" | ")
                    .Append(d.Values.IsDefaultOrEmpty ? string.Empty : string.Join(", ", d.Values.Select(v => "`" + v + "`")))
                    .Append(" |\n");
            }
        }

        return sb.ToString();
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string KindText(MetricKind kind) => kind switch
    {
        MetricKind.Number => "number",
        MetricKind.Boolean => "boolean",
        MetricKind.Text => "text",
        MetricKind.Status => "status",
        _ => kind.ToString(),
    };

    private static string GroupTitle(MetricGroup group) => group switch
    {
        MetricGroup.Device => "Any device",
        MetricGroup.Ups => "UPS",
        MetricGroup.Generator => "Generator",
        MetricGroup.Engine => "Engine and fuel",
        MetricGroup.Mains => "Mains (seen by a generator controller)",
        MetricGroup.Ats => "Automatic transfer switch",
        MetricGroup.Pdu => "Rack PDU and outlets",
        MetricGroup.Meter => "Power meter",
        MetricGroup.Failover => "Failover analysis (measurement `failover`; the agent computes these, devices never report them)",
        _ => group.ToString(),
    };
}

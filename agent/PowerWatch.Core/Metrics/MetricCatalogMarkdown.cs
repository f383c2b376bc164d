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

        sb.Append("\n## Renamed to NUT names\n\n");
        sb.Append("PowerWatch moved its UPS, transfer-switch, PDU and meter names to the names of Network UPS Tools ");
        sb.Append("(`docs/nut-names.txt`); one table, old name → new name, with what else changed. `powerwatch check-config` ");
        sb.Append("warns about an old name in a configuration, an alert rule or a dashboard query (`--dashboard FILE`) and names ");
        sb.Append("the new one. Names NUT has no name for keep PowerWatch's own names, documented above as its extension: the ");
        sb.Append("generator, engine and mains-as-seen-by-the-generator names (NUT has no generator namespace), the transfer ");
        sb.Append("switch's flags, delays and counters (`ats.*`), energy counters (`pdu.energy`, `meter.energy*`), reactive ");
        sb.Append("power, demand and THD (`meter.*`).\n\n");
        sb.Append(MetricRenames.RenderMarkdown());
        sb.Append("\n`ECO` is not a NUT status token. PowerWatch used to put it into `ups.status` for APC UPSStatus_BF bit 13 ");
        sb.Append("(high-efficiency mode); it now reports that bit as NUT's `apc_modbus` driver does, as the word `vendor:apc:HE` ");
        sb.Append("of `experimental.ups.mode.buzzwords` (NUT's place for vendor mode words until NUT settles ECO; empty when ");
        sb.Append("no mode word is set). A rule that looked for the `ECO` token looks for that word instead.\n");
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
        MetricGroup.Power => "Input and output (NUT names; UPS, transfer switch, PDU and meter)",
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

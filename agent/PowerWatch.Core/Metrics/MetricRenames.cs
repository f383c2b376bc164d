using System.Collections.Immutable;

namespace PowerWatch.Core;

/// <summary>
/// One rename of the move to Network UPS Tools names (docs/nut-names.txt): the name PowerWatch used before, the name
/// it uses now, and what else changed (unit, value set). <see cref="Old"/> and <see cref="New"/> may be patterns
/// (<c>outlet.{n}.state</c>).
/// </summary>
/// <param name="Old">The name before the NUT renames.</param>
/// <param name="New">The name now.</param>
/// <param name="Note">What else changed, or empty.</param>
public sealed record MetricRename(string Old, string New, string Note)
{
    /// <summary>
    /// True when the old name is still a catalogued name with another meaning (<c>outlet.{n}.power</c> was watts and
    /// is now NUT's apparent power in VA): a configuration using it may be right, so it is told, not refused.
    /// </summary>
    public bool OldNameReused => MetricCatalog.Contains(Old);
}

/// <summary>
/// The rename table of the move to NUT names (old → new), for check-config's warnings and docs/metrics.md. Names NUT
/// has no name for (generator, engine, mains, most transfer-switch flags, energy counters, reactive power, THD) keep
/// PowerWatch's own names, documented as its extension.
/// </summary>
public static class MetricRenames
{
    /// <summary>Every rename, grouped by device kind.</summary>
    public static ImmutableArray<MetricRename> All { get; } = Build();

    /// <summary>
    /// The rename of <paramref name="metric"/> when it is an old name (a concrete name such as <c>outlet.7.state</c>
    /// matches the pattern <c>outlet.{n}.state</c>; <see cref="MetricRename.New"/> is then made concrete too).
    /// </summary>
    public static bool TryFind(string metric, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MetricRename? rename)
    {
        ArgumentNullException.ThrowIfNull(metric);
        foreach (var r in All)
        {
            if (string.Equals(r.Old, metric, StringComparison.Ordinal))
            {
                rename = r;
                return true;
            }

            if (r.Old.Contains(MetricPattern.Number, StringComparison.Ordinal) && MetricPattern.Matches(r.Old, metric))
            {
                var n = int.Parse(metric.Split('.')[Array.IndexOf(r.Old.Split('.'), MetricPattern.Number)], System.Globalization.CultureInfo.InvariantCulture);
                rename = r with { Old = metric, New = MetricPattern.Substitute(r.New, n) };
                return true;
            }
        }

        rename = null;
        return false;
    }

    /// <summary>Renders the table as Markdown rows (| old | new | note |).</summary>
    internal static string RenderMarkdown()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("| Old name | NUT name | Note |\n|---|---|---|\n");
        foreach (var r in All)
        {
            sb.Append("| `").Append(r.Old).Append("` | `").Append(r.New).Append("` | ")
                .Append(r.Note.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
        }

        return sb.ToString();
    }

    private static ImmutableArray<MetricRename> Build()
    {
        var b = ImmutableArray.CreateBuilder<MetricRename>();

        // UPS.
        b.Add(new("ups.power.percent", "output.power.percent", "NUT's SPEC power.percent of the output domain."));
        b.Add(new("ups.status.change.cause", "input.transfer.reason", "Same APC UPSStatusChangeCause_EN values (system-init, …); NUT's value is opaque."));
        b.Add(new("ups.test.status", "ups.test.result", "Was APC ReplaceBatteryTestStatus_BF raw bits (number); now text: pending, in-progress, passed, failed, refused, aborted."));
        b.Add(new("output.energy", MetricNames.OutputEnergy, "Unit: was kWh, now Wh (NUT's experimental name and unit; the APC register as read)."));

        // Automatic transfer switch (NUT apc-ats-mib.c).
        b.Add(new("ats.position", MetricNames.InputSource, "Values: neutral, source1, source2 are now 0, 1, 2 (NUT input.source; 0 = neither source is PowerWatch's)."));
        b.Add(new("ats.source1.voltage", "input.1.voltage", ""));
        b.Add(new("ats.source1.frequency", "input.1.frequency", ""));
        b.Add(new("ats.source2.voltage", "input.2.voltage", ""));
        b.Add(new("ats.source2.frequency", "input.2.frequency", ""));
        b.Add(new("ats.load.current", "output.current", ""));

        // Rack PDU.
        b.Add(new("pdu.outlet.count", MetricNames.OutletCount, ""));
        b.Add(new("pdu.input.voltage", "input.voltage", ""));
        b.Add(new("pdu.input.current", "input.current", ""));
        b.Add(new("pdu.input.frequency", "input.frequency", ""));
        b.Add(new("pdu.power", "input.realpower", "W, as before."));
        b.Add(new("outlet.{n}.power", "outlet.{n}.realpower", "W, as before. The old name stays in the catalogue with NUT's meaning: apparent power in VA."));
        b.Add(new("outlet.{n}.state", "outlet.{n}.status", "Same values: on, off."));

        // Power meter.
        foreach (var p in new[] { "1", "2", "3" })
        {
            b.Add(new($"meter.voltage.l{p}n", $"input.L{p}-N.voltage", ""));
        }

        b.Add(new("meter.voltage.average", "input.voltage", "NUT: a quantity without phase context is the aggregate (average) of the phases."));
        foreach (var p in new[] { "1", "2", "3" })
        {
            b.Add(new($"meter.current.l{p}", $"input.L{p}.current", ""));
        }

        b.Add(new("meter.current.average", "input.current", "Average of the phases, as input.voltage."));
        b.Add(new("meter.power", "input.realpower", "W, as before."));
        foreach (var p in new[] { "1", "2", "3" })
        {
            b.Add(new($"meter.power.l{p}", $"input.L{p}.realpower", "W, as before."));
        }

        b.Add(new("meter.power.apparent", "input.power", "VA, as before."));
        foreach (var p in new[] { "1", "2", "3" })
        {
            b.Add(new($"meter.power.apparent.l{p}", $"input.L{p}.power", "VA, as before."));
        }

        b.Add(new("meter.power.factor", "input.powerfactor", ""));
        foreach (var p in new[] { "1", "2", "3" })
        {
            b.Add(new($"meter.power.factor.l{p}", $"input.L{p}.powerfactor", ""));
        }

        b.Add(new("meter.frequency", "input.frequency", ""));
        return b.ToImmutable();
    }
}

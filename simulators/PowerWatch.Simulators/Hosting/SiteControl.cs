using System.Globalization;
using System.Text;
using PowerWatch.Simulators.Scenarios;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// The text commands of the <c>serve</c> control channel, executed against a <see cref="SiteHost"/>. Every reply ends
/// with a line <c>ok</c> or <c>error: …</c>. Commands:
/// <list type="bullet">
/// <item><c>DEVICE.VERB [ARGS]</c> — a scenario event (the grammar of <see cref="SiteCommands"/>), e.g. <c>utility.fail</c>,
/// <c>utility.restore</c>, <c>generator.fault fail-to-start</c>, <c>ups.bias 1.4</c>, <c>pdu1.outlet 3 off</c>;</item>
/// <item><c>fault DEVICE SPEC</c> — a transport fault (<see cref="FaultSwitch.Parse"/>), e.g. <c>fault ups delay 2s</c>,
/// <c>fault ups crc</c>, <c>fault ups exception 06</c>, <c>fault ups none</c>;</item>
/// <item><c>status</c>, <c>devices</c>, <c>config</c> (agent configuration JSON), <c>help</c>.</item>
/// </list>
/// </summary>
public sealed class SiteControl
{
    private readonly SiteHost _host;

    public SiteControl(SiteHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <summary>Executes one command line; never throws for a bad command (the reply says <c>error: …</c>).</summary>
    public string Execute(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.Trim();
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return "error: empty command (try help)\n";
        }

        try
        {
            switch (parts[0])
            {
                case "help":
                    return Help + "ok\n";
                case "status":
                    return Status() + "ok\n";
                case "devices":
                    return _host.DescribeEndpoints() + "ok\n";
                case "config":
                    return _host.ToAgentConfigurationJson() + "\nok\n";
                case "fault":
                    if (parts.Length < 3)
                    {
                        return "error: fault DEVICE SPEC (e.g. fault ups delay 2s; fault ups none)\n";
                    }

                    var device = _host.Device(parts[1]);
                    device.Faults.Set(string.Join(' ', parts.Skip(2)));
                    return $"{device.Id} fault {device.Faults.Current}\nok\n";
                default:
                    var dot = parts[0].IndexOf('.', StringComparison.Ordinal);
                    if (dot <= 0 || dot == parts[0].Length - 1)
                    {
                        return $"error: unknown command '{parts[0]}' (try help)\n";
                    }

                    var action = new ScenarioAction(0, _host.Site.Elapsed, parts[0][..dot], parts[0][(dot + 1)..], parts.Skip(1).ToArray(), text);
                    var command = SiteCommands.Bind(_host.Site, action, "control");
                    _host.Site.Write(_ => command());
                    return "ok\n";
            }
        }
        catch (Exception ex) when (ex is ScenarioException or FormatException or ArgumentException or KeyNotFoundException)
        {
            return $"error: {ex.Message}\n";
        }
    }

    /// <summary>Command summary.</summary>
    public const string Help =
        "DEVICE.VERB [ARGS]   model event, e.g. utility.fail, utility.restore, utility.brownout 190, generator.fault fail-to-start,\n" +
        "                     generator.mode manual, generator.key 35705, ats.command 1, ups.bias 1.4, ups.load-step 80, pdu1.outlet 3 off\n" +
        "fault DEVICE SPEC    transport fault: none | delay 2s | timeout | crc | exception 06 | busy | wrong-tid | truncate | garbage | drop | drip 5ms\n" +
        "status               model summary\n" +
        "devices              endpoints, unit ids, profiles, faults\n" +
        "config               agent configuration JSON for these endpoints\n";

    private string Status() => _host.Site.Read(s =>
    {
        var sb = new StringBuilder();
        var ic = CultureInfo.InvariantCulture;
        sb.Append(ic, $"time      {s.Now:yyyy-MM-ddTHH:mm:ss}Z (elapsed {s.Elapsed:c})\n");
        sb.Append(ic, $"utility   {s.Utility.Condition} {s.Utility.Voltage:0.0} V {s.Utility.Frequency:0.00} Hz\n");
        sb.Append(ic, $"ats       {s.Ats.Position} transfers {s.Ats.TransferCount}{(s.Ats.FaultActive ? " FAULT" : string.Empty)}\n");
        sb.Append(ic, $"generator {s.Generator.State.ToText()} mode {s.Generator.Mode.ToText()} {s.Generator.PowerW / 1000:0.0} kW fuel {s.Generator.FuelPercent:0.0} %\n");
        sb.Append(ic, $"ups       {string.Join(' ', UpsStatusMapping.ToNutTokens(s.Ups.Status))} charge {s.Ups.ChargePercent:0.0} % runtime {s.Ups.ReportedRuntimeSeconds:0} s load {s.Ups.LoadPercent:0.0} %\n");
        foreach (var p in s.Pdus)
        {
            sb.Append(ic, $"{p.Name,-9} {p.PowerW:0} W {p.Voltage:0.0} V\n");
        }

        if (s.Meter is { } m)
        {
            sb.Append(ic, $"{m.Name,-9} {m.PowerW:0} W {m.ImportEnergyKwh:0.000} kWh\n");
        }

        return sb.ToString();
    });
}

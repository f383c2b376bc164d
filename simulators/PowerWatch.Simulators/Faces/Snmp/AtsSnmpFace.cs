using PowerWatch.Snmp;

namespace PowerWatch.Simulators.Faces.Snmp;

/// <summary>
/// The ATS as an APC rack ATS (AP44xx) card shows it: PowerNet-MIB automaticTransferSwitch (1.3.6.1.4.1.318.1.1.8;
/// SPEC-DEVICES §11). Source A is the model's source 1 (utility), source B its source 2 (generator).
/// atsStatusSelectedSource 5.1.2.0 (1 A, 2 B; during the open transition the source being left), redundancy 5.1.3.0
/// (2 fully redundant when both sources are available), source A/B status 5.1.12.0 / 5.1.13.0 (2 ok, 1 fail),
/// input table 5.3.2.1 (frequency Hz), input phase table 5.3.3.1 (voltage V), output tables 5.4.2.1 / 5.4.3.1
/// (voltage V, current 0.1 A, load VA, percent load of the 16 A rating). Traps: atsSourceSwitched (318.0.126:
/// mtrapargsInteger 0 = A, 1 = B, mtrapargsString02 the source name, mtrapargsString text), atsLostRedundancy
/// (.0.127) and atsRedundancyRestored (.0.128).
/// </summary>
public sealed class AtsSnmpFace : SnmpFace
{
    /// <summary>PowerNet-MIB automaticTransferSwitch.</summary>
    public static readonly Oid AtsMib = Oid.Parse("1.3.6.1.4.1.318.1.1.8");

    /// <summary>Current rating of the simulated AP4423 (atsIdentDeviceRating), A.</summary>
    public const int RatingAmps = 16;

    private static readonly Oid MtrapargsInteger = Oid.Parse("1.3.6.1.4.1.318.2.3.1.0");
    private static readonly Oid MtrapargsString02 = Oid.Parse("1.3.6.1.4.1.318.2.3.10.0");

    private readonly TransferSwitch _ats;
    private AtsPosition _lastSource = AtsPosition.Source1;
    private bool _redundant;

    public AtsSnmpFace(Site site)
        : base(site, (site ?? throw new ArgumentNullException(nameof(site))).Ats.Name, "ats", "apc-ats", Oid.Parse("1.3.6.1.4.1.318.1.3.11"),
            "APC Web/SNMP Management Card (MB:v3.9.2 PF:v6.8.2 PN:apc_hw05_aos_682.bin AF1:v6.8.2 AN1:apc_hw05_ats4g_682.bin MN:AP4423) simulated rack ATS", 318)
    {
        _ats = site.Ats;
        site.Read(s =>
        {
            _redundant = s.Ats.Source1Available && s.Ats.Source2Available;
            return 0;
        });
        site.EventOccurred += OnSiteEvent;
    }

    protected override void Render(SnmpObjectTreeBuilder view)
    {
        var a = _ats;
        if (a.Position != AtsPosition.Neutral)
        {
            _lastSource = a.Position;
        }

        var ident = AtsMib.Append(1);
        var nominalV = Site.Utility.Options.NominalVoltage;
        var nominalHz = Site.Utility.Options.NominalFrequency;
        view.Add(ident.Append(1, 0), "v2").Add(ident.Append(2, 0), "v6.8.2").Add(ident.Append(3, 0), "01/15/2024")
            .Add(ident.Append(4, 0), Site.Clock.Start.AddYears(-3).ToString("MM/dd/yyyy", System.Globalization.CultureInfo.InvariantCulture))
            .Add(ident.Append(5, 0), "AP4423").Add(ident.Append(6, 0), "5A2401000001")
            .Add(ident.Append(7, 0), Scaled(nominalV)).Add(ident.Append(8, 0), Scaled(nominalHz)).Add(ident.Append(9, 0), RatingAmps);

        var device = AtsMib.Append(5, 1);
        var ok = a.FaultActive ? 1 : 2;
        view.Add(device.Append(1, 0), 2).Add(device.Append(2, 0), _lastSource == AtsPosition.Source2 ? 2 : 1)
            .Add(device.Append(3, 0), a.Source1Available && a.Source2Available ? 2 : 1).Add(device.Append(4, 0), 2)
            .Add(device.Append(10, 0), ok).Add(device.Append(11, 0), 2)
            .Add(device.Append(12, 0), a.Source1Available ? 2 : 1).Add(device.Append(13, 0), a.Source2Available ? 2 : 1)
            .Add(device.Append(14, 0), 1).Add(device.Append(15, 0), a.OutputVoltage > 0 ? 2 : 1).Add(device.Append(16, 0), ok);

        var inputs = AtsMib.Append(5, 3);
        view.Add(inputs.Append(1, 0), 2);
        (double Volts, double Hertz, string Name)[] sources = [(a.Source1Voltage, a.Source1Frequency, "Source A"), (a.Source2Voltage, a.Source2Frequency, "Source B")];
        for (uint i = 1; i <= 2; i++)
        {
            var (volts, hertz, name) = sources[i - 1];
            var row = inputs.Append(2, 1);
            view.Add(row.Append(1, i), (int)i).Add(row.Append(2, i), 1).Add(row.Append(3, i), 2).Add(row.Append(4, i), Scaled(hertz))
                .Add(row.Append(5, i), 2).Add(row.Append(6, i), name);
            var phase = inputs.Append(3, 1);
            view.Add(phase.Append(1, i, 1), (int)i).Add(phase.Append(2, i, 1), 1).Add(phase.Append(3, i, 1), Scaled(volts));
        }

        var outputs = AtsMib.Append(5, 4);
        var va = a.OutputVoltage * a.LoadCurrent;
        view.Add(outputs.Append(1, 0), 1)
            .Add(outputs.Append(2, 1, 1, 1), 1).Add(outputs.Append(2, 1, 2, 1), 1).Add(outputs.Append(2, 1, 3, 1), 2).Add(outputs.Append(2, 1, 4, 1), Scaled(a.OutputFrequency));
        var outPhase = outputs.Append(3, 1);
        var percent = a.LoadCurrent / RatingAmps * 100;
        view.Add(outPhase.Append(1, 1, 1), 1).Add(outPhase.Append(2, 1, 1), 1).Add(outPhase.Append(3, 1, 1), Scaled(a.OutputVoltage))
            .Add(outPhase.Append(4, 1, 1), Scaled(a.LoadCurrent, 10)).Add(outPhase.Append(7, 1, 1), Scaled(va))
            .Add(outPhase.Append(10, 1, 1), Scaled(percent)).Add(outPhase.Append(13, 1, 1), Scaled(va))
            .Add(outPhase.Append(19, 1, 1), percent >= 100 ? 4 : percent >= 80 ? 3 : 1);
    }

    private void OnSiteEvent(object? sender, SimulationEvent e)
    {
        if (e.Device != _ats.Name)
        {
            return;
        }

        var (position, redundant) = Site.Read(s => (s.Ats.Position, s.Ats.Source1Available && s.Ats.Source2Available));
        if (e.Kind == "transfer" && e.Message.StartsWith("on ", StringComparison.Ordinal) && position != AtsPosition.Neutral)
        {
            var b = position == AtsPosition.Source2;
            RaiseTrap(UpsSnmpFace.ApcTraps.Append(126),
                new SnmpVariable(MtrapargsInteger, SnmpValue.Integer32(b ? 1 : 0)),
                new SnmpVariable(MtrapargsString02, SnmpValue.OctetString(b ? "Source B" : "Source A")),
                new SnmpVariable(UpsSnmpFace.MtrapargsString, SnmpValue.OctetString($"Automatic Transfer Switch: switched to {(b ? "Source B" : "Source A")}.")));
        }

        if (redundant != _redundant)
        {
            _redundant = redundant;
            RaiseTrap(UpsSnmpFace.ApcTraps.Append(redundant ? 128u : 127u),
                new SnmpVariable(UpsSnmpFace.MtrapargsString, SnmpValue.OctetString(redundant ? "Automatic Transfer Switch: redundancy restored." : "Automatic Transfer Switch: lost redundancy.")));
        }
    }
}

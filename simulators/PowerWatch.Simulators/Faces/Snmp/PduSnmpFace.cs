using PowerWatch.Snmp;

namespace PowerWatch.Simulators.Faces.Snmp;

/// <summary>The MIB a simulated PDU answers.</summary>
public enum PduMib
{
    /// <summary>APC rPDU2 (PowerNet-MIB 1.3.6.1.4.1.318.1.1.26), as AP8xxx switched/metered rack PDUs.</summary>
    ApcRpdu2,

    /// <summary>Raritan PDU2-MIB (1.3.6.1.4.1.13742.6), as PX2/PX3, scaled by each sensor's decimal digits.</summary>
    RaritanPdu2,
}

/// <summary>
/// A rack PDU over SNMP (SPEC-DEVICES §11), one inlet, one phase, N switched and metered outlets, from the same PDU
/// model as the Modbus face.
/// <para><b>APC rPDU2</b> (318.1.1.26): ident 2.1, device properties/status 4.2.1 / 4.3.1 (power 0.01 kW, apparent
/// power 0.01 kVA, power factor 0.01, energy 0.1 kWh), phase status 6.3.1 (current 0.1 A, voltage V, power 0.01 kW),
/// switched outlet status 9.2.3.1 (state 1 off, 2 on), metered outlet status 9.4.3.1 (current 0.1 A, power W, energy
/// 0.1 kWh). Traps rPDUOutletOn / rPDUOutletOff (318.0.268 / .269) when an outlet is switched.</para>
/// <para><b>Raritan PDU2-MIB</b> (13742.6): nameplate 3.2.1 / 3.2.2, inlet and outlet sensor configuration (units,
/// <b>decimal digits</b>: current 3, frequency 1, power factor 2, the rest 0) 3.3.4.1 / 3.5.4.1, measurements
/// 5.2.3.1 / 5.4.3.1 (available, state, value = reading × 10^digits, Unsigned32) by sensor type (1 rms current,
/// 4 rms voltage, 5 active power, 6 apparent power, 7 power factor, 8 active energy, 14 on/off, 23 frequency),
/// switch state 4.1.2.1.3 (7 on, 8 off). Trap outletSensorStateChange (13742.6.0.63) for the on/off sensor.</para>
/// </summary>
public sealed class PduSnmpFace : SnmpFace
{
    /// <summary>PowerNet-MIB rPDU2.</summary>
    public static readonly Oid Rpdu2 = Oid.Parse("1.3.6.1.4.1.318.1.1.26");

    /// <summary>Raritan PDU2-MIB pdu2.</summary>
    public static readonly Oid RaritanPdu2 = Oid.Parse("1.3.6.1.4.1.13742.6");

    private static readonly (uint Type, int Units, uint Digits)[] RaritanSensors =
        [(1, 2, 3), (4, 1, 0), (5, 3, 0), (6, 4, 0), (7, -1, 2), (8, 5, 0)];

    private readonly Pdu _pdu;
    private readonly bool[] _lastState;

    public PduSnmpFace(Site site, Pdu pdu, PduMib mib)
        : base(site, (pdu ?? throw new ArgumentNullException(nameof(pdu))).Name, "pdu", mib == PduMib.ApcRpdu2 ? "apc-rpdu2" : "raritan-pdu2",
            mib == PduMib.ApcRpdu2 ? Oid.Parse("1.3.6.1.4.1.318.1.3.4.6") : RaritanPdu2,
            mib == PduMib.ApcRpdu2
                ? "APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.8.2 PN:apc_hw05_aos_682.bin AF1:v6.8.2 AN1:apc_hw05_rpdu2g_682.bin MN:AP8853) simulated rack PDU"
                : "PX3-5190R simulated rack PDU",
            mib == PduMib.ApcRpdu2 ? 318u : 13742u)
    {
        ArgumentNullException.ThrowIfNull(site);
        _pdu = pdu;
        Variant = mib;
        _lastState = site.Read(_ => pdu.Outlets.Select(o => o.On).ToArray());
        site.EventOccurred += OnSiteEvent;
    }

    /// <summary>The MIB served.</summary>
    public PduMib Variant { get; }

    /// <summary>The PDU model served.</summary>
    public Pdu Pdu => _pdu;

    protected override void Render(SnmpObjectTreeBuilder view)
    {
        if (Variant == PduMib.ApcRpdu2)
        {
            RenderRpdu2(view);
        }
        else
        {
            RenderRaritan(view);
        }
    }

    private (double Va, double Pf) Apparent()
    {
        var pf = _pdu.Options.PowerFactor;
        return (_pdu.PowerW / pf, _pdu.PowerW > 0 ? pf : 0);
    }

    private void RenderRpdu2(SnmpObjectTreeBuilder view)
    {
        var p = _pdu;
        var n = p.Outlets.Count;
        var (va, pf) = Apparent();
        var r = Rpdu2;
        view.Add(r.Append(1, 0), 1);
        var ident = r.Append(2, 1);
        view.Add(ident.Append(1, 1), 1).Add(ident.Append(2, 1), 1).Add(ident.Append(3, 1), p.Name).Add(ident.Append(4, 1), "")
            .Add(ident.Append(5, 1), "02").Add(ident.Append(6, 1), "v6.8.2").Add(ident.Append(7, 1), "01/15/2024")
            .Add(ident.Append(8, 1), "AP8853").Add(ident.Append(9, 1), "5A2402000001");
        view.Add(r.Append(3, 0), 1);
        var props = r.Append(4, 2, 1);
        view.Add(props.Append(1, 1), 1).Add(props.Append(2, 1), 1).Add(props.Append(3, 1), p.Name).Add(props.Append(4, 1), n)
            .Add(props.Append(5, 1), n).Add(props.Append(6, 1), n).Add(props.Append(7, 1), 1).Add(props.Append(9, 1), 16);
        var status = r.Append(4, 3, 1);
        view.Add(status.Append(1, 1), 1).Add(status.Append(2, 1), 1).Add(status.Append(3, 1), p.Name).Add(status.Append(4, 1), 2)
            .Add(status.Append(5, 1), Scaled(p.PowerW, 0.1)).Add(status.Append(9, 1), Scaled(p.EnergyWh, 0.01))
            .Add(status.Append(16, 1), Scaled(va, 0.1)).Add(status.Append(17, 1), Scaled(pf, 100));
        view.Add(r.Append(5, 0), 1);
        var phase = r.Append(6, 3, 1);
        view.Add(phase.Append(1, 1), 1).Add(phase.Append(2, 1), 1).Add(phase.Append(3, 1), 1).Add(phase.Append(4, 1), 2)
            .Add(phase.Append(5, 1), Scaled(p.Current, 10)).Add(phase.Append(6, 1), Scaled(p.Voltage))
            .Add(phase.Append(7, 1), Scaled(p.PowerW, 0.1)).Add(phase.Append(8, 1), Scaled(va, 0.1)).Add(phase.Append(9, 1), Scaled(pf, 100));
        view.Add(r.Append(9, 1, 0), n).Add(r.Append(9, 3, 0), n);
        var switched = r.Append(9, 2, 3, 1);
        var metered = r.Append(9, 4, 3, 1);
        foreach (var o in p.Outlets)
        {
            var i = (uint)o.Number;
            var name = $"Outlet {o.Number}";
            view.Add(switched.Append(1, i), o.Number).Add(switched.Append(2, i), 1).Add(switched.Append(3, i), name)
                .Add(switched.Append(4, i), o.Number).Add(switched.Append(5, i), o.On ? 2 : 1).Add(switched.Append(6, i), 4);
            view.Add(metered.Append(1, i), o.Number).Add(metered.Append(2, i), 1).Add(metered.Append(3, i), name)
                .Add(metered.Append(4, i), o.Number).Add(metered.Append(5, i), 2).Add(metered.Append(6, i), Scaled(o.Current, 10))
                .Add(metered.Append(7, i), Scaled(o.PowerW)).Add(metered.Append(11, i), Scaled(o.EnergyWh, 0.01));
        }
    }

    private void RenderRaritan(SnmpObjectTreeBuilder view)
    {
        var p = _pdu;
        var (va, pf) = Apparent();
        var r = RaritanPdu2;
        view.Add(r.Append(3, 1, 0), 1);
        view.Add(r.Append(3, 2, 1, 1, 3, 1), "PX3-5190R").Add(r.Append(3, 2, 1, 1, 4, 1), "PX3A240100001");
        view.Add(r.Append(3, 2, 2, 1, 2, 1), 1).Add(r.Append(3, 2, 2, 1, 4, 1), p.Outlets.Count).Add(r.Append(3, 2, 2, 1, 13, 1), p.Name);

        // Inlet 1: configuration (units, decimal digits) and measurements.
        double[] inlet = [p.Current, p.Voltage, p.PowerW, va, pf, p.EnergyWh];
        for (var k = 0; k < RaritanSensors.Length; k++)
        {
            Sensor(view, r.Append(3, 3, 4, 1), r.Append(5, 2, 3, 1), [1, 1], RaritanSensors[k], inlet[k]);
        }

        Sensor(view, r.Append(3, 3, 4, 1), r.Append(5, 2, 3, 1), [1, 1], (23, 8, 1), p.Frequency);
        foreach (var o in p.Outlets)
        {
            var i = (uint)o.Number;
            view.Add(r.Append(3, 5, 3, 1, 2, 1, i), o.Number.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add(r.Append(3, 5, 3, 1, 3, 1, i), $"Outlet {o.Number}");
            var outletVa = o.PowerW / p.Options.PowerFactor;
            double[] values = [o.Current, o.On ? p.Voltage : 0, o.PowerW, outletVa, o.PowerW > 0 ? p.Options.PowerFactor : 0, o.EnergyWh];
            for (var k = 0; k < RaritanSensors.Length; k++)
            {
                Sensor(view, r.Append(3, 5, 4, 1), r.Append(5, 4, 3, 1), [1, i], RaritanSensors[k], values[k]);
            }

            // The on/off sensor: state on(7) / off(8), no numeric reading.
            view.Add(r.Append(3, 5, 4, 1, 6, 1, i, 14), -1).Add(r.Append(3, 5, 4, 1, 7, 1, i, 14), SnmpValue.Gauge32(0))
                .Add(r.Append(5, 4, 3, 1, 2, 1, i, 14), 1).Add(r.Append(5, 4, 3, 1, 3, 1, i, 14), o.On ? 7 : 8)
                .Add(r.Append(5, 4, 3, 1, 4, 1, i, 14), SnmpValue.Gauge32(0));
            view.Add(r.Append(4, 1, 2, 1, 3, 1, i), o.On ? 7 : 8);
        }
    }

    /// <summary>One Raritan sensor: units and decimal digits in the configuration table, available/state/value in the measurements table.</summary>
    private static void Sensor(SnmpObjectTreeBuilder view, Oid config, Oid measurements, uint[] index, (uint Type, int Units, uint Digits) sensor, double reading)
    {
        Oid At(Oid table, uint column) => table.Append(column).Append(index).Append(sensor.Type);
        view.Add(At(config, 6), sensor.Units).Add(At(config, 7), SnmpValue.Gauge32(sensor.Digits))
            .Add(At(measurements, 2), 1).Add(At(measurements, 3), 4)
            .Add(At(measurements, 4), Gauge(reading, Math.Pow(10, sensor.Digits)));
    }

    private void OnSiteEvent(object? sender, SimulationEvent e)
    {
        if (e.Device != _pdu.Name || e.Kind != "outlet")
        {
            return;
        }

        var states = Site.Read(_ => _pdu.Outlets.Select(o => o.On).ToArray());
        for (var k = 0; k < states.Length; k++)
        {
            if (states[k] == _lastState[k])
            {
                continue;
            }

            _lastState[k] = states[k];
            var n = (uint)(k + 1);
            if (Variant == PduMib.ApcRpdu2)
            {
                RaiseTrap(UpsSnmpFace.ApcTraps.Append(states[k] ? 268u : 269u),
                    new SnmpVariable(Oid.Parse("1.3.6.1.4.1.318.1.1.12.1.6.0"), SnmpValue.OctetString("5A2402000001")),
                    new SnmpVariable(Oid.Parse("1.3.6.1.4.1.318.1.1.12.1.1.0"), SnmpValue.OctetString(_pdu.Name)),
                    new SnmpVariable(Oid.Parse("1.3.6.1.4.1.318.1.1.12.3.3.1.1.1").Append(n), SnmpValue.Integer32((int)n)),
                    new SnmpVariable(Oid.Parse("1.3.6.1.4.1.318.1.1.12.3.3.1.1.2").Append(n), SnmpValue.OctetString($"Outlet {n}")),
                    new SnmpVariable(UpsSnmpFace.MtrapargsString, SnmpValue.OctetString($"Switched Rack PDU: Outlet {n} turned {(states[k] ? "on" : "off")}.")));
            }
            else
            {
                RaiseTrap(RaritanPdu2.Append(0, 63),
                    new SnmpVariable(RaritanPdu2.Append(3, 2, 2, 1, 13, 1), SnmpValue.OctetString(_pdu.Name)),
                    new SnmpVariable(RaritanPdu2.Append(3, 5, 3, 1, 2, 1, n), SnmpValue.OctetString(n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                    new SnmpVariable(RaritanPdu2.Append(5, 4, 3, 1, 3, 1, n, 14), SnmpValue.Integer32(states[k] ? 7 : 8)));
            }
        }
    }
}

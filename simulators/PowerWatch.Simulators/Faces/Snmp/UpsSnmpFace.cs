using PowerWatch.Snmp;

namespace PowerWatch.Simulators.Faces.Snmp;

/// <summary>
/// The UPS as an APC network management card shows it (SPEC-DEVICES §11): RFC 1628 UPS-MIB (1.3.6.1.2.1.33.1) and
/// APC PowerNet UPS (1.3.6.1.4.1.318.1.1.1), basic, advanced and high-precision objects, from the same model as the
/// Modbus and serial faces. Traps (PowerNet, enterprise 318, as the NMC sends them by default): upsOnBattery (.0.5)
/// when the UPS goes to battery, powerRestored (.0.9) when it is back on utility, lowBattery (.0.7) and
/// returnFromLowBattery (.0.11), each with mtrapargsString. OIDs and scales from UPS-MIB (RFC 1628) and PowerNet-MIB
/// (pysnmp-mibs mibs/apc/PowerNet-MIB, see SPEC-DEVICES §11).
/// </summary>
public sealed class UpsSnmpFace : SnmpFace
{
    /// <summary>UPS-MIB upsObjects.</summary>
    public static readonly Oid UpsMib = Oid.Parse("1.3.6.1.2.1.33.1");

    /// <summary>PowerNet-MIB ups (apc.products.hardware.ups).</summary>
    public static readonly Oid PowerNetUps = Oid.Parse("1.3.6.1.4.1.318.1.1.1");

    /// <summary>PowerNet trap enterprise: apc.0.N.</summary>
    public static readonly Oid ApcTraps = Oid.Parse("1.3.6.1.4.1.318.0");

    /// <summary>mtrapargsString.0, the text of every APC trap.</summary>
    public static readonly Oid MtrapargsString = Oid.Parse("1.3.6.1.4.1.318.2.3.3.0");

    private readonly Ups _ups;
    private readonly Dictionary<uint, uint> _alarmSince = [];
    private TimeSpan? _onBatterySince;
    private uint _lineBads;

    public UpsSnmpFace(Site site, Ups? ups = null)
        : base(site, (ups ?? site?.Ups ?? throw new ArgumentNullException(nameof(site))).Name, "ups", "ups-mib+powernet",
            Oid.Parse("1.3.6.1.4.1.318.1.3.27"), $"APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.8.2 PN:apc_hw05_aos_682.bin AF1:v6.8.2 AN1:apc_hw05_sumx_682.bin MN:AP9641) simulated Smart-UPS", 318)
    {
        _ups = ups ?? site!.Ups;
        _ups.StatusChanged += OnStatusChanged;
    }

    /// <summary>The UPS served.</summary>
    public Ups Ups => _ups;

    protected override void Render(SnmpObjectTreeBuilder view)
    {
        var u = _ups;
        var o = u.Options;
        var s = u.Status;
        var onBattery = (s & UpsStatus.OnBattery) != 0;
        var now = Site.Elapsed;
        var secondsOnBattery = onBattery && _onBatterySince is { } since ? (now - since).TotalSeconds : 0;
        var runtime = u.ReportedRuntimeSeconds;

        // RFC 1628 UPS-MIB.
        var ident = UpsMib.Append(1);
        view.Add(ident.Append(1, 0), "APC").Add(ident.Append(2, 0), $"Smart-UPS SRT {o.RatedApparentPowerVa:0}")
            .Add(ident.Append(3, 0), "UPS 09.8 (ID18)").Add(ident.Append(4, 0), "PowerWatch simulator")
            .Add(ident.Append(5, 0), u.Name).Add(ident.Append(6, 0), "");
        var battery = UpsMib.Append(2);
        var batteryStatus = u.Charge <= 0 && onBattery ? 4 : (s & UpsStatus.LowBattery) != 0 ? 3 : 2;
        view.Add(battery.Append(1, 0), batteryStatus).Add(battery.Append(2, 0), Scaled(secondsOnBattery))
            .Add(battery.Append(3, 0), (int)Math.Floor(runtime / 60)).Add(battery.Append(4, 0), Scaled(u.ChargePercent))
            .Add(battery.Append(5, 0), Scaled(u.BatteryVoltage, 10)).Add(battery.Append(7, 0), Scaled(u.Temperature));
        var input = UpsMib.Append(3);
        view.Add(input.Append(1, 0), SnmpValue.Counter32(_lineBads)).Add(input.Append(2, 0), 1)
            .Add(input.Append(3, 1, 1, 1), 1).Add(input.Append(3, 1, 2, 1), Scaled(u.InputFrequency, 10))
            .Add(input.Append(3, 1, 3, 1), Scaled(u.InputVoltage)).Add(input.Append(3, 1, 4, 1), Scaled(u.InputCurrent, 10))
            .Add(input.Append(3, 1, 5, 1), Scaled(u.InputPowerW));
        var output = UpsMib.Append(4);
        view.Add(output.Append(1, 0), OutputSource(s)).Add(output.Append(2, 0), Scaled(u.OutputFrequency, 10)).Add(output.Append(3, 0), 1)
            .Add(output.Append(4, 1, 1, 1), 1).Add(output.Append(4, 1, 2, 1), Scaled(u.OutputVoltage))
            .Add(output.Append(4, 1, 3, 1), Scaled(u.OutputCurrent, 10)).Add(output.Append(4, 1, 4, 1), Scaled(u.LoadW))
            .Add(output.Append(4, 1, 5, 1), Scaled(u.LoadPercent));
        var bypass = UpsMib.Append(5);
        view.Add(bypass.Append(1, 0), Scaled(u.InputFrequency, 10)).Add(bypass.Append(2, 0), 1)
            .Add(bypass.Append(3, 1, 1, 1), 1).Add(bypass.Append(3, 1, 2, 1), Scaled(u.InputVoltage));
        RenderAlarms(view, s, Ticks(now));
        view.Add(UpsMib.Append(7, 3, 0), u.LastSelfTest switch
        {
            SelfTestResult.Passed => 1,
            SelfTestResult.Failed => 3,
            SelfTestResult.Refused => 4,
            SelfTestResult.InProgress => 5,
            _ => 6,
        });
        var config = UpsMib.Append(9);
        view.Add(config.Append(1, 0), Scaled(o.NominalVoltage)).Add(config.Append(2, 0), Scaled(o.NominalFrequency, 10))
            .Add(config.Append(3, 0), Scaled(o.NominalVoltage)).Add(config.Append(4, 0), Scaled(o.NominalFrequency, 10))
            .Add(config.Append(5, 0), Scaled(o.RatedApparentPowerVa)).Add(config.Append(6, 0), Scaled(o.RatedPowerW))
            .Add(config.Append(7, 0), Scaled(o.LowBatteryRuntime.TotalMinutes));

        // APC PowerNet UPS.
        var apc = PowerNetUps;
        view.Add(apc.Append(1, 1, 1, 0), $"Smart-UPS SRT {o.RatedApparentPowerVa:0}").Add(apc.Append(1, 1, 2, 0), u.Name)
            .Add(apc.Append(1, 2, 1, 0), "UPS 09.8 (ID18)").Add(apc.Append(1, 2, 2, 0), Site.Clock.Start.AddYears(-2).ToString("MM/dd/yyyy", System.Globalization.CultureInfo.InvariantCulture))
            .Add(apc.Append(1, 2, 3, 0), "AS2601000001").Add(apc.Append(1, 2, 5, 0), $"SRT{o.RatedApparentPowerVa / 1000:0}KXLI");
        var apcBatteryStatus = u.InjectedFault == UpsFault.BatteryDisconnected ? 4 : (s & UpsStatus.LowBattery) != 0 ? 3 : 2;
        view.Add(apc.Append(2, 1, 1, 0), apcBatteryStatus).Add(apc.Append(2, 1, 2, 0), SnmpValue.TimeTicks((uint)Scaled(secondsOnBattery, 100)))
            .Add(apc.Append(2, 2, 1, 0), SnmpValue.Gauge32((uint)Scaled(u.ChargePercent))).Add(apc.Append(2, 2, 2, 0), SnmpValue.Gauge32((uint)Math.Max(0, Scaled(u.Temperature))))
            .Add(apc.Append(2, 2, 3, 0), SnmpValue.TimeTicks((uint)Scaled(Math.Floor(runtime), 100)))
            .Add(apc.Append(2, 2, 4, 0), (s & UpsStatus.ReplaceBattery) != 0 ? 2 : 1)
            .Add(apc.Append(2, 2, 7, 0), Scaled(u.NominalBatteryVoltage)).Add(apc.Append(2, 2, 8, 0), Scaled(u.BatteryVoltage))
            .Add(apc.Append(2, 3, 1, 0), Gauge(u.ChargePercent, 10)).Add(apc.Append(2, 3, 2, 0), Gauge(u.Temperature, 10))
            .Add(apc.Append(2, 3, 3, 0), Scaled(u.NominalBatteryVoltage, 10)).Add(apc.Append(2, 3, 4, 0), Scaled(u.BatteryVoltage, 10));
        view.Add(apc.Append(3, 1, 1, 0), 1)
            .Add(apc.Append(3, 2, 1, 0), Gauge(u.InputVoltage)).Add(apc.Append(3, 2, 4, 0), Gauge(u.InputFrequency))
            .Add(apc.Append(3, 2, 5, 0), FailCause(u))
            .Add(apc.Append(3, 3, 1, 0), Gauge(u.InputVoltage, 10)).Add(apc.Append(3, 3, 4, 0), Gauge(u.InputFrequency, 10));
        view.Add(apc.Append(4, 1, 1, 0), BasicOutputStatus(u))
            .Add(apc.Append(4, 2, 1, 0), Gauge(u.OutputVoltage)).Add(apc.Append(4, 2, 2, 0), Gauge(u.OutputFrequency))
            .Add(apc.Append(4, 2, 3, 0), Gauge(u.LoadPercent)).Add(apc.Append(4, 2, 4, 0), Gauge(u.OutputCurrent))
            .Add(apc.Append(4, 3, 1, 0), Gauge(u.OutputVoltage, 10)).Add(apc.Append(4, 3, 2, 0), Gauge(u.OutputFrequency, 10))
            .Add(apc.Append(4, 3, 3, 0), Gauge(u.LoadPercent, 10)).Add(apc.Append(4, 3, 4, 0), Gauge(u.OutputCurrent, 10));
        if (u.LastSelfTest != SelfTestResult.None)
        {
            // upsAdvTestDiagnosticsResults has no "never tested" value: absent until a test ran.
            view.Add(apc.Append(7, 2, 3, 0), u.LastSelfTest switch
            {
                SelfTestResult.Passed => 1,
                SelfTestResult.Failed => 2,
                SelfTestResult.InProgress => 4,
                _ => 3,
            });
        }
    }

    /// <summary>upsOutputSource (RFC 1628): 2 none, 3 normal, 4 bypass, 5 battery, 6 booster, 7 reducer.</summary>
    internal static int OutputSource(UpsStatus s) =>
        (s & UpsStatus.Off) != 0 ? 2
        : (s & UpsStatus.Bypass) != 0 ? 4
        : (s & UpsStatus.OnBattery) != 0 ? 5
        : (s & UpsStatus.Boost) != 0 ? 6
        : (s & UpsStatus.Trim) != 0 ? 7
        : 3;

    /// <summary>upsBasicOutputStatus (PowerNet): 2 onLine, 3 onBattery, 4 onSmartBoost, 7 off, 9 switchedBypass, 10 hardwareFailureBypass, 12 onSmartTrim.</summary>
    internal static int BasicOutputStatus(Ups u)
    {
        var s = u.Status;
        return (s & UpsStatus.Off) != 0 ? 7
            : (s & UpsStatus.Bypass) != 0 ? (u.InjectedFault == UpsFault.Inverter ? 10 : 9)
            : (s & UpsStatus.OnBattery) != 0 ? 3
            : (s & UpsStatus.Boost) != 0 ? 4
            : (s & UpsStatus.Trim) != 0 ? 12
            : 2;
    }

    /// <summary>upsAdvInputLineFailCause: 1 noTransfer, 2 highLineVoltage, 3 brownout, 4 blackout, 9 selfTest, 10 rateOfVoltageChange (frequency).</summary>
    private static int FailCause(Ups u) => u.LastTransferCause switch
    {
        TransferCause.HighInputVoltage => 2,
        TransferCause.LowInputVoltage => u.InputVoltage < 1 ? 4 : 3,
        TransferCause.SelfTest => 9,
        TransferCause.InputFrequency => 10,
        _ => 1,
    };

    /// <summary>
    /// upsAlarmsPresent and upsAlarmTable (RFC 1628 §upsAlarm): one row per present well-known alarm, upsAlarmId =
    /// the alarm's upsWellKnownAlarms number, upsAlarmTime = sysUpTime when it was first seen present.
    /// </summary>
    private void RenderAlarms(SnmpObjectTreeBuilder view, UpsStatus s, uint now)
    {
        var present = new List<uint>();
        void Alarm(bool on, uint wellKnown)
        {
            if (on)
            {
                present.Add(wellKnown);
            }
        }

        Alarm((s & UpsStatus.ReplaceBattery) != 0, 1);
        Alarm((s & UpsStatus.OnBattery) != 0, 2);
        Alarm((s & UpsStatus.LowBattery) != 0, 3);
        Alarm((s & UpsStatus.Overload) != 0, 8);
        Alarm((s & UpsStatus.Bypass) != 0, 9);
        Alarm((s & UpsStatus.Off) != 0, 14);
        Alarm((s & UpsStatus.Fault) != 0, 18);
        Alarm((s & UpsStatus.ForcedShutdown) != 0, 22);
        Alarm((s & UpsStatus.TestInProgress) != 0, 24);
        lock (_alarmSince)
        {
            foreach (var gone in _alarmSince.Keys.Except(present).ToList())
            {
                _alarmSince.Remove(gone);
            }

            var table = UpsMib.Append(6, 2, 1);
            foreach (var id in present)
            {
                if (!_alarmSince.TryGetValue(id, out var since))
                {
                    since = now;
                    _alarmSince[id] = since;
                }

                view.Add(table.Append(1, id), (int)id).Add(table.Append(2, id), SnmpValue.ObjectIdentifier(UpsMib.Append(6, 3, id)))
                    .Add(table.Append(3, id), SnmpValue.TimeTicks(since));
            }
        }

        view.Add(UpsMib.Append(6, 1, 0), SnmpValue.Gauge32((uint)present.Count));
    }

    private void OnStatusChanged(object? sender, UpsStatusChangedEventArgs e)
    {
        var was = e.Previous;
        var now = e.Current;
        bool Gained(UpsStatus flag) => (now & flag) != 0 && (was & flag) == 0;
        bool Lost(UpsStatus flag) => (now & flag) == 0 && (was & flag) != 0;
        if (Gained(UpsStatus.OnBattery))
        {
            Site.Read(_ =>
            {
                _onBatterySince = e.Elapsed;
                _lineBads++;
                return 0;
            });
            RaiseTrap(ApcTraps.Append(5), new SnmpVariable(MtrapargsString, SnmpValue.OctetString("UPS: On battery power in response to an input power problem.")));
        }
        else if (Lost(UpsStatus.OnBattery))
        {
            Site.Read(_ =>
            {
                _onBatterySince = null;
                return 0;
            });
            RaiseTrap(ApcTraps.Append(9), new SnmpVariable(MtrapargsString, SnmpValue.OctetString("UPS: No longer on battery power.")));
        }

        if (Gained(UpsStatus.LowBattery))
        {
            RaiseTrap(ApcTraps.Append(7), new SnmpVariable(MtrapargsString, SnmpValue.OctetString("UPS: The battery power is too low to continue to support the load.")));
        }
        else if (Lost(UpsStatus.LowBattery))
        {
            RaiseTrap(ApcTraps.Append(11), new SnmpVariable(MtrapargsString, SnmpValue.OctetString("UPS: The battery power is no longer low.")));
        }
    }
}

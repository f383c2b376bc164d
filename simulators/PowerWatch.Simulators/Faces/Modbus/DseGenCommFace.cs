using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// Deep Sea Electronics GenComm map (SPEC-DEVICES §3; profile <c>dse-gencomm</c>), holding registers (FC03),
/// register = page × 256 + offset. Served pages: 3 (status), 4 (instrumentation), 5 (engine state 1408),
/// 6 (power), 7 (clock, run time, energy, starts), 16 (system control) and 154 (named alarms, 73xx MkII order,
/// 20 registers). Every register of a served page that the model does not implement answers the §3.1 sentinel
/// "unimplemented" (0xFFFF; 0x7FFF for the s16 items of page 4). The only writable registers are the system-control
/// pair 4104/4105: key and 65535 − key in one FC16 write; a wrong complement, a lone word or an unsupported key
/// answers exception 03 and changes nothing.
/// </summary>
public sealed class DseGenCommFace : ModbusFace
{
    /// <summary>Model number of a DSE 7320 MkII (§3.2).</summary>
    public const ushort Model7320MkII = 32841;

    /// <summary>First register of the system-control key pair.</summary>
    public const ushort ControlKeyRegister = 4104;

    private const ushort Unimplemented = 0xFFFF;
    private const ushort UnimplementedS16 = 0x7FFF;
    private const int AlarmRegisters = 20;
    private static readonly int[] ServedPages = [3, 4, 5, 6, 7, 16, 154];
    private readonly Generator _generator;

    public DseGenCommFace(Site site, uint serialNumber = 12_345_678, ushort modelNumber = Model7320MkII)
        : base(site, site?.Generator.Name ?? throw new ArgumentNullException(nameof(site)), "generator", "dse-gencomm")
    {
        _generator = site.Generator;
        var holding = ModbusTable.HoldingRegisters;
        var page = new ushort[256];
        foreach (var p in ServedPages)
        {
            Array.Fill(page, Unimplemented);
            Store.SetRegisters(holding, (ushort)(p * 256), page);
        }

        // s16 items of page 4 the model has no value for.
        foreach (var address in (ushort[])[1058, 1072, 1075])
        {
            Store.SetRegister(holding, address, UnimplementedS16);
        }

        Store.SetRegisters(holding, 768, [1, modelNumber, (ushort)(serialNumber >> 16), (ushort)serialNumber]);

        // §3.6 capability bitmap: key 35700 + i supported when bit (15 − i mod 16) of register 4096 + i / 16 is set.
        var capabilities = new ushort[8];
        for (var i = 0; i < 128; i++)
        {
            if (Generator.SupportsKey(35700 + i))
            {
                capabilities[i / 16] |= (ushort)(1 << (15 - (i % 16)));
            }
        }

        Store.SetRegisters(holding, 4096, capabilities);
        Store.SetRegisters(holding, ControlKeyRegister, [0, 0]);
        Refresh();
    }

    /// <summary>The generator model served.</summary>
    public Generator Generator => _generator;

    protected override void Render()
    {
        var status = new ushort[3];
        var page4 = new ushort[67];
        var state = new ushort[1];
        var power = new ushort[23];
        var counters = new ushort[18];
        var alarms = new ushort[AlarmRegisters];
        Site.Read(site =>
        {
            var g = _generator;
            status[0] = (ushort)g.Mode;
            status[1] = Unimplemented;
            status[2] = DseStatusFlags.Encode(g.HasShutdown, g.HasElectricalTrip, g.HasWarning, g.HasControlledShutdown);

            page4[0] = U16(g.OilPressureKpa);
            page4[1] = S16(g.CoolantTemperature);
            page4[2] = S16(g.OilTemperature);
            page4[3] = U16(g.FuelPercent);
            page4[4] = U16(g.ChargeAlternatorVoltage * 10);
            page4[5] = U16(g.BatteryVoltage * 10);
            page4[6] = U16(g.EngineSpeed);
            page4[7] = U16(g.Frequency * 10);
            var phases = g.Options.Phases;
            for (var l = 0; l < 3; l++)
            {
                var present = l < phases;
                PutU32(page4, 8 + (2 * l), present ? U32(g.Voltage * 10) : 0);
                PutU32(page4, 14 + (2 * l), phases == 3 ? U32(g.VoltageLineToLine * 10) : 0);
                PutU32(page4, 20 + (2 * l), present ? U32(g.CurrentPerPhase * 10) : 0);
                PutS32(page4, 28 + (2 * l), present ? S32(g.PowerPerPhaseW) : 0);
            }

            PutU32(page4, 26, 0);
            page4[34] = UnimplementedS16;

            // Mains (the utility feed), shown as a balanced three-phase supply carrying the UPS input when on source 1.
            var utility = site.Utility;
            var onMains = site.Ats.Position == AtsPosition.Source1;
            var mainsW = onMains ? site.Ups.InputPowerW : 0;
            var mainsA = onMains ? site.Ats.LoadCurrent : 0;
            page4[35] = U16(utility.Frequency * 10);
            for (var l = 0; l < 3; l++)
            {
                PutU32(page4, 36 + (2 * l), U32(utility.Voltage * 10));
                PutU32(page4, 42 + (2 * l), U32(utility.Voltage * Math.Sqrt(3) * 10));
                PutU32(page4, 52 + (2 * l), U32(mainsA / 3 * 10));
                PutS32(page4, 60 + (2 * l), S32(mainsW / 3));
            }

            page4[48] = UnimplementedS16;
            page4[49] = g.Voltage > 0 ? (ushort)1 : (ushort)0;
            page4[50] = utility.Voltage > 0 ? (ushort)1 : (ushort)0;
            page4[51] = UnimplementedS16;
            PutU32(page4, 58, 0);
            page4[66] = Unimplemented;

            state[0] = (ushort)g.EngineState;

            PutS32(power, 0, S32(g.PowerW));
            var va = g.Options.PowerFactor > 0 ? g.PowerPerPhaseW / g.Options.PowerFactor : 0;
            var pf = Math.Clamp(g.Options.PowerFactor, 0, 1);
            var var = va * Math.Sqrt(1 - (pf * pf));
            for (var l = 0; l < 3; l++)
            {
                PutU32(power, 2 + (2 * l), l < phases ? U32(va) : 0);
                PutS32(power, 10 + (2 * l), l < phases ? S32(var) : 0);
            }

            for (var i = 16; i < 22; i++)
            {
                power[i] = Unimplemented;
            }

            power[8] = Unimplemented;
            power[9] = Unimplemented;
            power[22] = S16(g.LoadPercent * 10);

            PutU32(counters, 0, (uint)Math.Max(0, site.Now.ToUnixTimeSeconds()));
            for (var i = 2; i < 6; i++)
            {
                counters[i] = Unimplemented;
            }

            PutU32(counters, 6, U32(Math.Floor(g.RunTime.TotalSeconds)));
            PutU32(counters, 8, U32(g.EnergyKwh * 10));
            for (var i = 10; i < 16; i++)
            {
                counters[i] = Unimplemented;
            }

            PutU32(counters, 16, (uint)Math.Clamp(g.Starts, 0, uint.MaxValue));
            GeneratorText.PackPage154(g.Alarms, alarms);
            return 0;
        });
        var holding = ModbusTable.HoldingRegisters;
        Store.SetRegisters(holding, 772, status);
        Store.SetRegisters(holding, 1024, page4);
        Store.SetRegisters(holding, 1408, state);
        Store.SetRegisters(holding, 1536, power);
        Store.SetRegisters(holding, 1792, counters);
        Store.SetRegisters(holding, 39425, alarms);
        Store.SetRegisters(holding, ControlKeyRegister, [0, 0]);
    }

    protected override ModbusExceptionCode Accept(ModbusWrite write)
    {
        if (write.Table != ModbusTable.HoldingRegisters || !Touches(write, ControlKeyRegister, 2))
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        if (!Within(write, ControlKeyRegister, 2) || write.Count != 2)
        {
            return ModbusExceptionCode.IllegalDataValue;
        }

        var key = write.Registers.Span[0];
        var complement = write.Registers.Span[1];
        if (complement != (ushort)(ushort.MaxValue - key) || !Generator.SupportsKey(key))
        {
            return ModbusExceptionCode.IllegalDataValue;
        }

        return _generator.PressKey(key) ? ModbusExceptionCode.None : ModbusExceptionCode.IllegalDataValue;
    }
}

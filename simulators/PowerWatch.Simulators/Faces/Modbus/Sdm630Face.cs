using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// Eastron SDM630 input registers (SPEC-DEVICES §4; profile <c>eastron-sdm630</c>): IEEE-754 float32, big-endian,
/// high word first (ABCD), FC04. The single-phase meter model is presented on L1 (L2/L3 read 0; averages and sums
/// are those of the one live phase). Registers 0–375 are defined (unlisted parameters read 0.0), so any planned
/// block answers. The meter has no writable registers here (writes answer 02). On the simulated RTU bus it is served at
/// 8N1, the meter's factory default (9600 8N1, id 1; SPEC-DEVICES §4), not 8E1.
/// </summary>
public sealed class Sdm630Face : ModbusFace
{
    private const int Registers = 376;
    private readonly PowerMeter _meter;
    private double _maxDemand;

    public Sdm630Face(Site site, PowerMeter meter)
        : base(site, meter?.Name ?? throw new ArgumentNullException(nameof(meter)), "meter", "eastron-sdm630")
    {
        _meter = meter;
        Store.Define(ModbusTable.InputRegisters, 0, Registers);
        Refresh();
    }

    /// <summary>The meter model served.</summary>
    public PowerMeter Meter => _meter;

    /// <summary>Float32 as two registers, ABCD (high word first).</summary>
    public static void PutFloat(Span<ushort> registers, int address, double value)
    {
        var bits = BitConverter.SingleToUInt32Bits((float)value);
        registers[address] = (ushort)(bits >> 16);
        registers[address + 1] = (ushort)bits;
    }

    protected override void Render()
    {
        var r = new ushort[Registers];
        Site.Read(_ =>
        {
            var m = _meter;
            _maxDemand = Math.Max(_maxDemand, m.PowerW);
            PutFloat(r, 0x00, m.Voltage);
            PutFloat(r, 0x06, m.Current);
            PutFloat(r, 0x0C, m.PowerW);
            PutFloat(r, 0x12, m.ApparentPowerVa);
            PutFloat(r, 0x18, m.ReactivePowerVar);
            PutFloat(r, 0x1E, m.PowerFactor);
            PutFloat(r, 0x2A, m.Voltage);
            PutFloat(r, 0x2E, m.Current);
            PutFloat(r, 0x30, m.Current);
            PutFloat(r, 0x34, m.PowerW);
            PutFloat(r, 0x38, m.ApparentPowerVa);
            PutFloat(r, 0x3C, m.ReactivePowerVar);
            PutFloat(r, 0x3E, m.PowerFactor);
            PutFloat(r, 0x46, m.Frequency);
            PutFloat(r, 0x48, m.ImportEnergyKwh);
            PutFloat(r, 0x54, m.PowerW);
            PutFloat(r, 0x56, _maxDemand);
            PutFloat(r, 0x156, m.ImportEnergyKwh);
            PutFloat(r, 0x15A, m.ImportEnergyKwh);
            PutFloat(r, 0x166, m.ImportEnergyKwh);
            return 0;
        });
        Store.SetRegisters(ModbusTable.InputRegisters, 0, r);
    }

    protected override ModbusExceptionCode Accept(ModbusWrite write) => ModbusExceptionCode.IllegalDataAddress;
}

using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// Raritan/Legrand "Xerus" Modbus/TCP map (SPEC-DEVICES §9; profile <c>raritan-xerus-pdu</c>), holding registers read
/// with FC03 at 0-based addresses: 0–4 (register-set version, inlets, overcurrent protectors, outlets, transfer
/// switches), the inlet 1 block at 0x3000 and one outlet block per slot at 0x8000 + (n − 1) × 0x100, each 0x26 words:
/// +0x08 voltage, +0x0A current, +0x0C peak current, +0x0E inrush current (outlets), +0x10 unbalanced current, +0x12
/// active power, +0x14 apparent power, +0x16 power factor, +0x18 active energy (u64 Wh), +0x1C apparent energy (u64
/// VAh), +0x20 phase angle, +0x22 frequency, +0x24 reactive power; float32 big-endian, unscaled. All 48 slots are served
/// (slots above the outlet count read 0, so a client reading every slot gets no 02). No coils: the outlet-switching
/// coil map is not verified, so FC01/05/15 and every write answer 02, as does a read outside the blocks.
/// </summary>
public sealed class PduFace : ModbusFace
{
    /// <summary>Outlet slots served.</summary>
    public const int Slots = 48;

    /// <summary>Inlet 1 block.</summary>
    public const ushort InletBlock = 0x3000;

    /// <summary>Outlet 1 block.</summary>
    public const ushort OutletBlock = 0x8000;

    /// <summary>Distance between outlet blocks (unverified against the application note; SPEC-DEVICES §9 [U]).</summary>
    public const int OutletStride = 0x100;

    /// <summary>Words of one inlet or outlet block.</summary>
    public const int BlockWords = 0x26;

    /// <summary>Register-set version the simulator reports at register 0.</summary>
    public const ushort RegisterSetVersion = 1;

    private readonly Pdu _pdu;

    public PduFace(Site site, Pdu pdu)
        : base(site, pdu?.Name ?? throw new ArgumentNullException(nameof(pdu)), "pdu", "raritan-xerus-pdu")
    {
        _pdu = pdu;
        Store.Define(ModbusTable.HoldingRegisters, 0, 5);
        Store.Define(ModbusTable.HoldingRegisters, InletBlock, BlockWords);
        for (var i = 0; i < Slots; i++)
        {
            Store.Define(ModbusTable.HoldingRegisters, OutletAddress(i + 1), BlockWords);
        }

        Refresh();
    }

    /// <summary>The PDU model served.</summary>
    public Pdu Pdu => _pdu;

    /// <summary>First register of outlet <paramref name="number"/> (from 1).</summary>
    public static ushort OutletAddress(int number) => (ushort)(OutletBlock + ((number - 1) * OutletStride));

    protected override void Render()
    {
        var head = new ushort[5];
        var inlet = new ushort[BlockWords];
        var outlets = new ushort[Slots][];
        Site.Read(_ =>
        {
            var p = _pdu;
            var pf = p.Options.PowerFactor;
            head[0] = RegisterSetVersion;
            head[1] = 1;
            head[2] = 0;
            head[3] = (ushort)p.Outlets.Count;
            head[4] = 0;
            Measurements(inlet, p.Voltage, p.Current, p.PowerW, pf, p.EnergyWh, p.Frequency);
            for (var i = 0; i < Slots; i++)
            {
                outlets[i] = new ushort[BlockWords];
                if (i < p.Outlets.Count)
                {
                    var o = p.Outlets[i];
                    Measurements(outlets[i], o.On ? p.Voltage : 0, o.Current, o.PowerW, pf, o.EnergyWh, o.On ? p.Frequency : 0);
                }
            }

            return 0;
        });
        Store.SetRegisters(ModbusTable.HoldingRegisters, 0, head);
        Store.SetRegisters(ModbusTable.HoldingRegisters, InletBlock, inlet);
        for (var i = 0; i < Slots; i++)
        {
            Store.SetRegisters(ModbusTable.HoldingRegisters, OutletAddress(i + 1), outlets[i]);
        }
    }

    protected override ModbusExceptionCode Accept(ModbusWrite write) => ModbusExceptionCode.IllegalDataAddress;

    private static void Measurements(Span<ushort> block, double volts, double amps, double watts, double powerFactor, double energyWh, double hertz)
    {
        var loaded = watts > 0;
        var va = loaded ? watts / powerFactor : 0;
        PutF32(block, 0x08, volts);
        PutF32(block, 0x0A, amps);
        PutF32(block, 0x0C, amps);                                       // peak current: the model has no peaks
        PutF32(block, 0x12, watts);
        PutF32(block, 0x14, va);
        PutF32(block, 0x16, loaded ? powerFactor : 0);
        PutU64(block, 0x18, (ulong)Math.Max(0, Math.Round(energyWh)));
        PutU64(block, 0x1C, (ulong)Math.Max(0, Math.Round(energyWh / powerFactor)));
        PutF32(block, 0x20, loaded ? Math.Acos(Math.Clamp(powerFactor, 0, 1)) * 180 / Math.PI : 0);
        PutF32(block, 0x22, hertz);
        PutF32(block, 0x24, loaded ? Math.Sqrt(Math.Max(0, (va * va) - (watts * watts))) : 0);
    }

    private static void PutF32(Span<ushort> registers, int offset, double value) => PutU32(registers, offset, BitConverter.SingleToUInt32Bits((float)value));

    private static void PutU64(Span<ushort> registers, int offset, ulong value)
    {
        PutU32(registers, offset, (uint)(value >> 32));
        PutU32(registers, offset + 2, (uint)value);
    }
}

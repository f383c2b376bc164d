using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// PowerWatch rack PDU map v1 (SPEC-DEVICES §9; profile <c>powerwatch-pdu-v1</c>): input registers 0–7 (FC04) and the
/// outlet registers of all 48 slots, 100–195 (slots above the outlet count read 0, so a planned block over the
/// whole range never answers 02); coils 0–47 (FC01) read the outlet states and switch outlets (FC05/FC15) when
/// switching is enabled. A write to a slot above the outlet count answers 02; a write while switching is disabled
/// answers 01 (the coils are read-only then).
/// </summary>
public sealed class PduFace : ModbusFace
{
    /// <summary>Outlet slots of the map.</summary>
    public const int Slots = 48;

    private readonly Pdu _pdu;

    public PduFace(Site site, Pdu pdu)
        : base(site, pdu?.Name ?? throw new ArgumentNullException(nameof(pdu)), "pdu", "powerwatch-pdu-v1")
    {
        _pdu = pdu;
        Store.Define(ModbusTable.InputRegisters, 0, 8);
        Store.Define(ModbusTable.InputRegisters, 100, 2 * Slots);
        Store.Define(ModbusTable.Coils, 0, Slots);
        Refresh();
    }

    /// <summary>The PDU model served.</summary>
    public Pdu Pdu => _pdu;

    protected override void Render()
    {
        var head = new ushort[8];
        var outlets = new ushort[2 * Slots];
        var states = new bool[Slots];
        Site.Read(_ =>
        {
            var p = _pdu;
            head[0] = (ushort)p.Outlets.Count;
            PutU32(head, 1, U32(p.PowerW));
            head[3] = U16(p.Voltage * 10);
            head[4] = U16(p.Frequency * 100);
            PutU32(head, 5, U32(p.EnergyWh));
            head[7] = U16(p.Current * 100);
            for (var i = 0; i < p.Outlets.Count; i++)
            {
                var o = p.Outlets[i];
                outlets[2 * i] = U16(o.Current * 100);
                outlets[(2 * i) + 1] = U16(o.PowerW);
                states[i] = o.On;
            }

            return 0;
        });
        Store.SetRegisters(ModbusTable.InputRegisters, 0, head);
        Store.SetRegisters(ModbusTable.InputRegisters, 100, outlets);
        Store.SetBits(ModbusTable.Coils, 0, states);
    }

    protected override ModbusExceptionCode Accept(ModbusWrite write)
    {
        if (write.Table != ModbusTable.Coils || write.Start + write.Count > _pdu.Outlets.Count)
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        if (!_pdu.Options.SwitchingEnabled)
        {
            return ModbusExceptionCode.IllegalFunction;
        }

        var coils = write.Coils.Span;
        for (var i = 0; i < coils.Length; i++)
        {
            _pdu.SetOutlet(write.Start + i + 1, coils[i]);
        }

        return ModbusExceptionCode.None;
    }
}

using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// Socomec ATyS p M communication table (SPEC-DEVICES §8; profile <c>socomec-atys-pm</c>), holding registers read
/// with FC03 at the table's 0-based addresses: the status block 20480–20494 (network type, operating mode, switch
/// position, start-generator relays, priority, source states, test in progress, cycle counter; 20490–20494 read 0)
/// and the identification block 50000–50016 ("SOCO", product order id 300 = Atys). Both blocks are read-only in the
/// table, so every write answers 02; so does a read outside the two blocks. The transfer switch's timers and physics
/// are the model's; this face only renders them.
/// </summary>
public sealed class AtsFace : ModbusFace
{
    /// <summary>First register of the status block (0x5000).</summary>
    public const ushort StatusBlock = 20480;

    /// <summary>Words in the status block.</summary>
    public const int StatusWords = 15;

    /// <summary>First register of the identification block (0xC350).</summary>
    public const ushort IdentificationBlock = 50000;

    /// <summary>Words in the identification block.</summary>
    public const int IdentificationWords = 17;

    /// <summary>Product order id of the identification block for an ATyS (Countis 100, Protection 200, Atys 300, Diris 400).</summary>
    public const ushort AtysProductOrderId = 300;

    private readonly TransferSwitch _ats;

    public AtsFace(Site site)
        : base(site, site?.Ats.Name ?? throw new ArgumentNullException(nameof(site)), "ats", "socomec-atys-pm")
    {
        _ats = site.Ats;
        Store.Define(ModbusTable.HoldingRegisters, StatusBlock, StatusWords);
        Store.Define(ModbusTable.HoldingRegisters, IdentificationBlock, IdentificationWords);
        SetString(ModbusTable.HoldingRegisters, IdentificationBlock, 4, "SOCO");
        Store.SetRegisters(ModbusTable.HoldingRegisters, IdentificationBlock + 4, [AtysProductOrderId]);
        Refresh();
    }

    /// <summary>The transfer switch model served.</summary>
    public TransferSwitch TransferSwitch => _ats;

    /// <summary>Operating mode (20481) for the model's mode: 0x0010 auto, 0x0000 manual.</summary>
    internal static ushort OperatingMode(bool automatic) => automatic ? (ushort)0x0010 : (ushort)0x0000;

    /// <summary>Switch position (20482): 1 position 0, 2 position I, 3 position II.</summary>
    internal static ushort SwitchPosition(AtsPosition position) => position switch
    {
        AtsPosition.Source1 => 2,
        AtsPosition.Source2 => 3,
        _ => 1,
    };

    /// <summary>
    /// Source state (20486/20487): 2 available (within the model's voltage and frequency tolerance), 1 present (voltage
    /// but outside tolerance, e.g. a brownout or a generator still settling), 0 under threshold (no voltage).
    /// </summary>
    internal static ushort SourceState(bool available, double volts) => available ? (ushort)2 : volts > 0 ? (ushort)1 : (ushort)0;

    protected override void Render()
    {
        var r = new ushort[StatusWords];
        Site.Read(_ =>
        {
            var a = _ats;
            r[0] = 2;                                            // network type 2: 230–400 V
            r[1] = OperatingMode(a.Automatic);
            r[2] = SwitchPosition(a.Position);
            r[3] = 0;                                            // source 1 (utility) has no start relay
            r[4] = a.EngineStartContactClosed ? (ushort)1 : (ushort)0;
            r[5] = 1;                                            // priority: source 1
            r[6] = SourceState(a.Source1Available, a.Source1Voltage);
            r[7] = SourceState(a.Source2Available, a.Source2Voltage);
            r[8] = a.TestInProgress ? (ushort)0x0004 : (ushort)0; // TOL: test on load
            r[9] = (ushort)(a.TransferCount & 0xFFFF);
            return 0;
        });
        Store.SetRegisters(ModbusTable.HoldingRegisters, StatusBlock, r);
    }

    protected override ModbusExceptionCode Accept(ModbusWrite write) => ModbusExceptionCode.IllegalDataAddress;
}

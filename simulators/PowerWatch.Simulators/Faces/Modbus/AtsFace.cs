using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// PowerWatch ATS map v1 (SPEC-DEVICES §8; profile <c>powerwatch-ats-v1</c>): holding registers 0–13 (FC03) and the
/// command pair 100/101 (key and 65535 − key in one FC16; keys 1 test transfer, 2 retransfer now, 3 bypass delay).
/// A wrong complement, a lone word or an unknown key answers 03 and changes nothing; other writes answer 02.
/// </summary>
public sealed class AtsFace : ModbusFace
{
    /// <summary>First register of the command pair.</summary>
    public const ushort CommandRegister = 100;

    private readonly TransferSwitch _ats;

    public AtsFace(Site site)
        : base(site, site?.Ats.Name ?? throw new ArgumentNullException(nameof(site)), "ats", "powerwatch-ats-v1")
    {
        _ats = site.Ats;
        Store.Define(ModbusTable.HoldingRegisters, 0, 14);
        Store.Define(ModbusTable.HoldingRegisters, CommandRegister, 2);
        Refresh();
    }

    /// <summary>The transfer switch model served.</summary>
    public TransferSwitch TransferSwitch => _ats;

    protected override void Render()
    {
        var r = new ushort[14];
        Site.Read(_ =>
        {
            var a = _ats;
            r[0] = (ushort)a.StatusBits;
            r[1] = (ushort)a.Position;
            r[2] = U16(a.Source1Voltage * 10);
            r[3] = U16(a.Source1Frequency * 100);
            r[4] = U16(a.Source2Voltage * 10);
            r[5] = U16(a.Source2Frequency * 100);
            r[6] = U16(a.LoadCurrent * 10);
            r[7] = (ushort)(a.TransferCount & 0xFFFF);
            PutU32(r, 8, a.LastTransferTime is { } t ? (uint)Math.Clamp(t.ToUnixTimeSeconds(), 0, uint.MaxValue) : 0);
            r[10] = U16(a.LastTransferDuration.TotalMilliseconds);
            r[11] = Seconds(a.EngineStartDelayRemaining);
            r[12] = Seconds(a.RetransferDelayRemaining);
            r[13] = Seconds(a.CoolDownRemaining);
            return 0;
        });
        Store.SetRegisters(ModbusTable.HoldingRegisters, 0, r);
        Store.SetRegisters(ModbusTable.HoldingRegisters, CommandRegister, [0, 0]);
    }

    protected override ModbusExceptionCode Accept(ModbusWrite write)
    {
        if (write.Table != ModbusTable.HoldingRegisters || !Touches(write, CommandRegister, 2))
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        if (!Within(write, CommandRegister, 2) || write.Count != 2)
        {
            return ModbusExceptionCode.IllegalDataValue;
        }

        var key = write.Registers.Span[0];
        if (write.Registers.Span[1] != (ushort)(ushort.MaxValue - key))
        {
            return ModbusExceptionCode.IllegalDataValue;
        }

        return _ats.Command(key) ? ModbusExceptionCode.None : ModbusExceptionCode.IllegalDataValue;
    }

    private static ushort Seconds(TimeSpan? remaining) => remaining is { } r ? U16(Math.Ceiling(r.TotalSeconds)) : (ushort)0;
}

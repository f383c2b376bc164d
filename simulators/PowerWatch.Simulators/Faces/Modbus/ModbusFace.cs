using System.Buffers;
using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// A device model seen through a Modbus register map. The face owns a <see cref="ModbusDataStore"/> whose static part
/// (nameplate, settings, sentinels) is set once; the dynamic part is rendered from the model under the site lock
/// before every request served through <see cref="CreateHandler"/>. Client writes pass the store's
/// <see cref="ModbusDataStore.OnWrite"/> hook, where the face turns them into model commands or rejects them with an
/// exception code (nothing is applied then). Each face has its own <see cref="FaultSwitch"/>.
/// </summary>
public abstract class ModbusFace
{
    private readonly Lock _renderGate = new();

    protected ModbusFace(Site site, string deviceId, string kind, string profile)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        Site = site;
        DeviceId = deviceId;
        Kind = kind;
        Profile = profile;
        Store.OnWrite = OnWrite;
    }

    /// <summary>The simulated site the face renders.</summary>
    public Site Site { get; }

    /// <summary>Device id (the model's name), e.g. <c>ups</c>, <c>pdu1</c>.</summary>
    public string DeviceId { get; }

    /// <summary>Agent device kind: ups, generator, ats, pdu or meter.</summary>
    public string Kind { get; }

    /// <summary>Name of the agent profile (agent/profiles/NAME.json) that reads this face.</summary>
    public string Profile { get; }

    /// <summary>The register bank served to clients.</summary>
    public ModbusDataStore Store { get; } = new();

    /// <summary>Run-time fault switch of this face (consulted by every server serving it).</summary>
    public FaultSwitch Faults { get; } = new();

    /// <summary>Number of client writes the face accepted and applied to the model.</summary>
    public long CommandsAccepted => Interlocked.Read(ref _commandsAccepted);

    /// <summary>Number of client writes the face rejected with an exception code.</summary>
    public long CommandsRejected => Interlocked.Read(ref _commandsRejected);

    private long _commandsAccepted;
    private long _commandsRejected;

    /// <summary>A request handler that renders the model and then serves the store for <paramref name="unitIds"/> (none: any unit).</summary>
    public IModbusRequestHandler CreateHandler(params byte[] unitIds) => new RenderingHandler(this, new ModbusDataStoreHandler(Store, unitIds));

    /// <summary>Renders the model's current state into the store.</summary>
    public void Refresh()
    {
        lock (_renderGate)
        {
            Render();
        }
    }

    /// <summary>Writes the dynamic registers from the model (read the model through <see cref="Site.Read{T}"/>).</summary>
    protected abstract void Render();

    /// <summary>
    /// Called under the store lock for every client write, before it is applied: act on the model and return
    /// <see cref="ModbusExceptionCode.None"/>, or return an exception code (nothing is applied, nothing happens).
    /// </summary>
    protected abstract ModbusExceptionCode Accept(ModbusWrite write);

    /// <summary>Sets a u32 as two registers, high word first.</summary>
    protected static void PutU32(Span<ushort> registers, int offset, uint value)
    {
        registers[offset] = (ushort)(value >> 16);
        registers[offset + 1] = (ushort)value;
    }

    /// <summary>Sets an s32 as two registers, high word first.</summary>
    protected static void PutS32(Span<ushort> registers, int offset, int value) => PutU32(registers, offset, unchecked((uint)value));

    /// <summary>Rounds and clamps to the u16 range.</summary>
    protected static ushort U16(double value) => (ushort)Math.Clamp(Math.Round(value), 0, ushort.MaxValue);

    /// <summary>Rounds and clamps to the s16 range, as a register.</summary>
    protected static ushort S16(double value) => unchecked((ushort)(short)Math.Clamp(Math.Round(value), short.MinValue, short.MaxValue));

    /// <summary>Rounds and clamps to the u32 range.</summary>
    protected static uint U32(double value) => (uint)Math.Clamp(Math.Round(value), 0, uint.MaxValue);

    /// <summary>Rounds and clamps to the s32 range.</summary>
    protected static int S32(double value) => (int)Math.Clamp(Math.Round(value), int.MinValue, int.MaxValue);

    /// <summary>Writes <paramref name="text"/> as a Modbus string (2 characters per register, high byte first, NUL padded).</summary>
    protected void SetString(ModbusTable table, ushort address, int words, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var registers = new ushort[words];
        for (var i = 0; i < words * 2 && i < text.Length; i++)
        {
            var c = text[i] is >= ' ' and <= '~' ? (byte)text[i] : (byte)'?';
            registers[i / 2] |= (ushort)(i % 2 == 0 ? c << 8 : c);
        }

        Store.SetRegisters(table, address, registers);
    }

    /// <summary>Finds the value the write puts at <paramref name="address"/>, if it covers it.</summary>
    protected static bool TryGetWritten(ModbusWrite write, ushort address, out ushort value)
    {
        ArgumentNullException.ThrowIfNull(write);
        var index = address - write.Start;
        if (write.Table == ModbusTable.HoldingRegisters && index >= 0 && index < write.Registers.Length)
        {
            value = write.Registers.Span[index];
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>True when the write touches any address of [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    protected static bool Touches(ModbusWrite write, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(write);
        return write.Start < start + count && write.Start + write.Count > start;
    }

    /// <summary>True when every written address lies inside [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    protected static bool Within(ModbusWrite write, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(write);
        return write.Start >= start && write.Start + write.Count <= start + count;
    }

    private ModbusExceptionCode OnWrite(ModbusWrite write)
    {
        ModbusExceptionCode code;
        try
        {
            code = Accept(write);
        }
        catch (ArgumentException)
        {
            code = ModbusExceptionCode.IllegalDataValue;
        }

        if (code == ModbusExceptionCode.None)
        {
            Interlocked.Increment(ref _commandsAccepted);
        }
        else
        {
            Interlocked.Increment(ref _commandsRejected);
        }

        return code;
    }

    private sealed class RenderingHandler(ModbusFace face, IModbusRequestHandler inner) : IModbusRequestHandler
    {
        public bool TryHandle(byte unitId, ReadOnlySpan<byte> requestPdu, IBufferWriter<byte> responsePdu)
        {
            face.Refresh();
            return inner.TryHandle(unitId, requestPdu, responsePdu);
        }
    }
}

namespace PowerWatch.Modbus;

/// <summary>A write about to be applied to a <see cref="ModbusDataStore"/> (coils or holding registers).</summary>
public sealed record ModbusWrite(ModbusTable Table, ushort Start, ReadOnlyMemory<ushort> Registers, ReadOnlyMemory<bool> Coils)
{
    /// <summary>Number of coils or registers written.</summary>
    public int Count => Table == ModbusTable.Coils ? Coils.Length : Registers.Length;
}

/// <summary>Arguments of <see cref="ModbusDataStore.Written"/>.</summary>
public sealed class ModbusWriteEventArgs(ModbusWrite write) : EventArgs
{
    public ModbusWrite Write { get; } = write;
}

/// <summary>
/// Thread-safe register bank: coils, discrete inputs, input registers, holding registers, each a 65536-entry
/// table with a map of defined addresses. A Modbus read or write that touches an undefined address answers
/// exception 02 (unless <see cref="ZeroFillReadsStartingOnDefined"/> is set: then only a read starting on an
/// undefined address does). Local setters (<see cref="SetRegisters"/>, <see cref="SetBits"/>) define what they set and
/// bypass the hooks; Modbus writes go through <see cref="OnWrite"/> (veto with an exception code) and then raise
/// <see cref="Written"/>.
/// </summary>
public sealed class ModbusDataStore
{
    private readonly Lock _lock = new();
    private readonly bool[] _coils = new bool[0x10000];
    private readonly bool[] _discreteInputs = new bool[0x10000];
    private readonly ushort[] _inputRegisters = new ushort[0x10000];
    private readonly ushort[] _holdingRegisters = new ushort[0x10000];
    private readonly bool[][] _defined = [new bool[0x10000], new bool[0x10000], new bool[0x10000], new bool[0x10000]];

    /// <summary>Creates a store; with <paramref name="allDefined"/> every address of every table is defined (value 0).</summary>
    public ModbusDataStore(bool allDefined = false)
    {
        if (allDefined)
        {
            foreach (var d in _defined)
            {
                Array.Fill(d, true);
            }
        }
    }

    /// <summary>
    /// Called (under the store's lock, before anything is applied) for every Modbus write to coils or holding
    /// registers. Return <see cref="ModbusExceptionCode.None"/> to accept, or a code (e.g. 03) to reject the whole write.
    /// </summary>
    public Func<ModbusWrite, ModbusExceptionCode>? OnWrite { get; set; }

    /// <summary>
    /// When set, a Modbus read (registers or bits) whose first address is defined is answered, with 0 for every
    /// undefined address it spans; a read starting on an undefined address still answers 02. Writes are unaffected.
    /// APC 990-9840 note 4 behaves this way (SPEC-DEVICES §2.1).
    /// </summary>
    public bool ZeroFillReadsStartingOnDefined { get; set; }

    /// <summary>Raised after a Modbus write was applied (outside the lock).</summary>
    public event EventHandler<ModbusWriteEventArgs>? Written;

    /// <summary>Marks <paramref name="count"/> addresses from <paramref name="start"/> as defined.</summary>
    public void Define(ModbusTable table, ushort start, int count)
    {
        CheckRange(start, count);
        lock (_lock)
        {
            _defined[(int)table].AsSpan(start, count).Fill(true);
        }
    }

    /// <summary>Marks addresses as undefined (reads across them answer 02).</summary>
    public void Undefine(ModbusTable table, ushort start, int count)
    {
        CheckRange(start, count);
        lock (_lock)
        {
            _defined[(int)table].AsSpan(start, count).Clear();
        }
    }

    /// <summary>True when every address of the range is defined.</summary>
    public bool IsDefined(ModbusTable table, ushort start, int count)
    {
        if (count < 1 || start + count > 0x10000)
        {
            return false;
        }

        lock (_lock)
        {
            return !_defined[(int)table].AsSpan(start, count).Contains(false);
        }
    }

    /// <summary>Sets (and defines) registers of <see cref="ModbusTable.InputRegisters"/> or <see cref="ModbusTable.HoldingRegisters"/>.</summary>
    public void SetRegisters(ModbusTable table, ushort start, ReadOnlySpan<ushort> values)
    {
        var target = Registers(table);
        CheckRange(start, values.Length);
        lock (_lock)
        {
            values.CopyTo(target.AsSpan(start));
            _defined[(int)table].AsSpan(start, values.Length).Fill(true);
        }
    }

    public void SetRegister(ModbusTable table, ushort address, ushort value) => SetRegisters(table, address, [value]);

    /// <summary>Sets (and defines) bits of <see cref="ModbusTable.Coils"/> or <see cref="ModbusTable.DiscreteInputs"/>.</summary>
    public void SetBits(ModbusTable table, ushort start, ReadOnlySpan<bool> values)
    {
        var target = Bits(table);
        CheckRange(start, values.Length);
        lock (_lock)
        {
            values.CopyTo(target.AsSpan(start));
            _defined[(int)table].AsSpan(start, values.Length).Fill(true);
        }
    }

    public void SetBit(ModbusTable table, ushort address, bool value) => SetBits(table, address, [value]);

    /// <summary>Copies registers out regardless of the map.</summary>
    public void GetRegisters(ModbusTable table, ushort start, Span<ushort> destination)
    {
        var source = Registers(table);
        CheckRange(start, destination.Length);
        lock (_lock)
        {
            source.AsSpan(start, destination.Length).CopyTo(destination);
        }
    }

    public ushort GetRegister(ModbusTable table, ushort address)
    {
        Span<ushort> one = stackalloc ushort[1];
        GetRegisters(table, address, one);
        return one[0];
    }

    /// <summary>Copies bits out regardless of the map.</summary>
    public void GetBits(ModbusTable table, ushort start, Span<bool> destination)
    {
        var source = Bits(table);
        CheckRange(start, destination.Length);
        lock (_lock)
        {
            source.AsSpan(start, destination.Length).CopyTo(destination);
        }
    }

    public bool GetBit(ModbusTable table, ushort address)
    {
        Span<bool> one = stackalloc bool[1];
        GetBits(table, address, one);
        return one[0];
    }

    /// <summary>Modbus read of registers: 02 when any address is undefined (see <see cref="ZeroFillReadsStartingOnDefined"/>).</summary>
    public ModbusExceptionCode ReadRegisters(ModbusTable table, ushort start, Span<ushort> destination)
    {
        var source = Registers(table);
        lock (_lock)
        {
            return Read(table, source, start, destination);
        }
    }

    /// <summary>Modbus read of bits: 02 when any address is undefined (see <see cref="ZeroFillReadsStartingOnDefined"/>).</summary>
    public ModbusExceptionCode ReadBits(ModbusTable table, ushort start, Span<bool> destination)
    {
        var source = Bits(table);
        lock (_lock)
        {
            return Read(table, source, start, destination);
        }
    }

    /// <summary>Modbus write of holding registers: 02 when undefined, the hook's code when vetoed.</summary>
    public ModbusExceptionCode WriteHoldingRegisters(ushort start, ReadOnlySpan<ushort> values)
    {
        Span<ushort> none = default;
        return ReadWriteHoldingRegisters(start, values, 0, none);
    }

    /// <summary>
    /// FC 23 semantics, atomically: checks both ranges, writes <paramref name="values"/> at <paramref name="writeStart"/>,
    /// then reads <paramref name="destination"/>.Length registers at <paramref name="readStart"/>.
    /// </summary>
    public ModbusExceptionCode ReadWriteHoldingRegisters(ushort writeStart, ReadOnlySpan<ushort> values, ushort readStart, Span<ushort> destination)
    {
        ModbusWrite write;
        lock (_lock)
        {
            if (!Defined(ModbusTable.HoldingRegisters, writeStart, values.Length)
                || (destination.Length > 0 && !Readable(ModbusTable.HoldingRegisters, readStart, destination.Length)))
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }

            write = new ModbusWrite(ModbusTable.HoldingRegisters, writeStart, values.ToArray(), ReadOnlyMemory<bool>.Empty);
            var veto = OnWrite?.Invoke(write) ?? ModbusExceptionCode.None;
            if (veto != ModbusExceptionCode.None)
            {
                return veto;
            }

            values.CopyTo(_holdingRegisters.AsSpan(writeStart));
            if (destination.Length > 0)
            {
                _ = Read(ModbusTable.HoldingRegisters, _holdingRegisters, readStart, destination);
            }
        }

        Written?.Invoke(this, new ModbusWriteEventArgs(write));
        return ModbusExceptionCode.None;
    }

    /// <summary>Modbus write of coils: 02 when undefined, the hook's code when vetoed.</summary>
    public ModbusExceptionCode WriteCoils(ushort start, ReadOnlySpan<bool> values)
    {
        ModbusWrite write;
        lock (_lock)
        {
            if (!Defined(ModbusTable.Coils, start, values.Length))
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }

            write = new ModbusWrite(ModbusTable.Coils, start, ReadOnlyMemory<ushort>.Empty, values.ToArray());
            var veto = OnWrite?.Invoke(write) ?? ModbusExceptionCode.None;
            if (veto != ModbusExceptionCode.None)
            {
                return veto;
            }

            values.CopyTo(_coils.AsSpan(start));
        }

        Written?.Invoke(this, new ModbusWriteEventArgs(write));
        return ModbusExceptionCode.None;
    }

    /// <summary>Copies a Modbus read out (under the lock): 02 unless <see cref="Readable"/>; undefined addresses read as 0.</summary>
    private ModbusExceptionCode Read<T>(ModbusTable table, T[] source, ushort start, Span<T> destination)
        where T : struct
    {
        if (!Readable(table, start, destination.Length))
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        source.AsSpan(start, destination.Length).CopyTo(destination);
        var defined = _defined[(int)table].AsSpan(start, destination.Length);
        for (var i = defined.IndexOf(false); i >= 0 && i < defined.Length; i++)
        {
            if (!defined[i])
            {
                destination[i] = default;
            }
        }

        return ModbusExceptionCode.None;
    }

    /// <summary>Every address defined, or (<see cref="ZeroFillReadsStartingOnDefined"/>) the first one.</summary>
    private bool Readable(ModbusTable table, ushort start, int count) => ZeroFillReadsStartingOnDefined
        ? count >= 1 && start + count <= 0x10000 && _defined[(int)table][start]
        : Defined(table, start, count);

    private bool Defined(ModbusTable table, ushort start, int count) =>
        count >= 1 && start + count <= 0x10000 && !_defined[(int)table].AsSpan(start, count).Contains(false);

    private ushort[] Registers(ModbusTable table) => table switch
    {
        ModbusTable.InputRegisters => _inputRegisters,
        ModbusTable.HoldingRegisters => _holdingRegisters,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "not a register table"),
    };

    private bool[] Bits(ModbusTable table) => table switch
    {
        ModbusTable.Coils => _coils,
        ModbusTable.DiscreteInputs => _discreteInputs,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "not a bit table"),
    };

    private static void CheckRange(ushort start, int count)
    {
        if (count < 0 || start + count > 0x10000)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "range passes address 0xFFFF");
        }
    }
}

using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Decoding;

/// <summary>Result of asking an <see cref="IRegisterSource"/> for a range.</summary>
public enum RegisterLookup
{
    /// <summary>The range was not read in this poll (no reading is produced).</summary>
    Missing = 0,

    /// <summary>The range was read; the data is returned.</summary>
    Present = 1,

    /// <summary>The read covering the range failed (exception response); readings are produced with bad quality.</summary>
    Failed = 2,
}

/// <summary>Register data of one poll, as the agent fetched it.</summary>
public interface IRegisterSource
{
    /// <summary>Registers <paramref name="address"/>…+<paramref name="count"/>−1 of an input/holding table.</summary>
    RegisterLookup TryGetRegisters(RegisterTable table, int address, int count, out ReadOnlySpan<ushort> registers);

    /// <summary>Bits of a coil/discrete table.</summary>
    RegisterLookup TryGetBits(RegisterTable table, int address, int count, out ReadOnlySpan<bool> bits);
}

/// <summary>One contiguous read: table, start address and the registers (or bits) returned, or a failed read.</summary>
public sealed class RegisterBlock
{
    private RegisterBlock(RegisterTable table, int start, int count, ReadOnlyMemory<ushort> registers, ReadOnlyMemory<bool> bits, bool failed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, 65536);
        Table = table;
        Start = start;
        Count = count;
        Registers = registers;
        Bits = bits;
        IsFailed = failed;
    }

    public RegisterTable Table { get; }

    public int Start { get; }

    /// <summary>Registers or bits covered.</summary>
    public int Count { get; }

    public ReadOnlyMemory<ushort> Registers { get; }

    public ReadOnlyMemory<bool> Bits { get; }

    /// <summary>The read failed; every value inside it decodes with bad quality.</summary>
    public bool IsFailed { get; }

    public static RegisterBlock FromRegisters(RegisterTable table, int start, ReadOnlyMemory<ushort> registers)
    {
        if (table is RegisterTable.Coil or RegisterTable.DiscreteInput)
        {
            throw new ArgumentException("Coil and discrete tables hold bits; use FromBits.", nameof(table));
        }

        return new RegisterBlock(table, start, registers.Length, registers, default, failed: false);
    }

    public static RegisterBlock FromBits(RegisterTable table, int start, ReadOnlyMemory<bool> bits)
    {
        if (table is RegisterTable.InputRegister or RegisterTable.HoldingRegister)
        {
            throw new ArgumentException("Input and holding tables hold registers; use FromRegisters.", nameof(table));
        }

        return new RegisterBlock(table, start, bits.Length, default, bits, failed: false);
    }

    public static RegisterBlock Failed(RegisterTable table, int start, int count) =>
        new(table, start, count, default, default, failed: true);

    internal bool Covers(RegisterTable table, int address, int count) =>
        Table == table && address >= Start && address + count <= Start + Count;
}

/// <summary>A simple <see cref="IRegisterSource"/> over a list of blocks (later blocks win on overlap).</summary>
public sealed class RegisterBlockSet : IRegisterSource
{
    private readonly List<RegisterBlock> _blocks = [];

    public RegisterBlockSet()
    {
    }

    public RegisterBlockSet(IEnumerable<RegisterBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        _blocks.AddRange(blocks);
    }

    public IReadOnlyList<RegisterBlock> Blocks => _blocks;

    public void Add(RegisterBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        _blocks.Add(block);
    }

    public RegisterLookup TryGetRegisters(RegisterTable table, int address, int count, out ReadOnlySpan<ushort> registers)
    {
        for (var i = _blocks.Count - 1; i >= 0; i--)
        {
            var b = _blocks[i];
            if (b.Covers(table, address, count))
            {
                registers = b.IsFailed ? default : b.Registers.Span.Slice(address - b.Start, count);
                return b.IsFailed ? RegisterLookup.Failed : RegisterLookup.Present;
            }
        }

        registers = default;
        return RegisterLookup.Missing;
    }

    public RegisterLookup TryGetBits(RegisterTable table, int address, int count, out ReadOnlySpan<bool> bits)
    {
        for (var i = _blocks.Count - 1; i >= 0; i--)
        {
            var b = _blocks[i];
            if (b.Covers(table, address, count))
            {
                bits = b.IsFailed ? default : b.Bits.Span.Slice(address - b.Start, count);
                return b.IsFailed ? RegisterLookup.Failed : RegisterLookup.Present;
            }
        }

        bits = default;
        return RegisterLookup.Missing;
    }
}

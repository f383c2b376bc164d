namespace PowerWatch.Fuzz;

/// <summary>Feeds one input to a parser.</summary>
internal delegate void FuzzEntry(ReadOnlySpan<byte> input);

/// <summary>
/// One parser under fuzz and its property: for any input of at most <see cref="MaxInput"/> bytes (longer inputs are
/// cut, as every reader of ours caps what it buffers), the parser returns or throws its own protocol exception
/// (<see cref="Expected"/>), never another exception, never loops without progress, and allocates at most
/// <see cref="AllocationBudget"/> bytes. A violation escapes <see cref="Check"/> as an exception: a crash to AFL++,
/// a failure to the corpus replay test.
/// </summary>
internal sealed class FuzzTarget
{
    public required string Name { get; init; }

    /// <summary>What is fuzzed, for the runner's listing and docs/fuzzing.md.</summary>
    public required string Parser { get; init; }

    public required FuzzEntry Entry { get; init; }

    /// <summary>The parser's own protocol exceptions; anything else is a finding.</summary>
    public required Func<Exception, bool> Expected { get; init; }

    /// <summary>Largest input fed (bytes); a protocol parser sees at most one frame's worth of buffer.</summary>
    public int MaxInput { get; init; } = 4096;

    /// <summary>Allocation allowed regardless of the input's length (bytes).</summary>
    public long AllocationBase { get; init; } = 256 * 1024;

    /// <summary>Allocation allowed per input byte (bytes).</summary>
    public long AllocationPerByte { get; init; } = 64;

    public long AllocationBudget(int length) => AllocationBase + AllocationPerByte * length;

    /// <summary>Runs the target once so one-time initialisation (static tables, JSON contexts) is not counted.</summary>
    public void Warm()
    {
        try
        {
            Entry([]);
        }
        catch (Exception e) when (Expected(e))
        {
        }
    }

    /// <summary>Feeds <paramref name="input"/> (cut to <see cref="MaxInput"/>) and asserts the property.</summary>
    public void Check(ReadOnlySpan<byte> input)
    {
        if (input.Length > MaxInput)
        {
            input = input[..MaxInput];
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            Entry(input);
        }
        catch (Exception e) when (Expected(e))
        {
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationBudget(input.Length))
        {
            throw new FuzzPropertyException($"{Name}: {allocated} bytes allocated for a {input.Length}-byte input (budget {AllocationBudget(input.Length)})");
        }
    }
}

/// <summary>A property of a fuzz target does not hold (unbounded allocation, a loop that makes no progress).</summary>
internal sealed class FuzzPropertyException : Exception
{
    public FuzzPropertyException(string message)
        : base(message)
    {
    }

    public FuzzPropertyException()
    {
    }

    public FuzzPropertyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

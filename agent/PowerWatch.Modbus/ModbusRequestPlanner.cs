namespace PowerWatch.Modbus;

/// <summary>A contiguous address range of one table: <see cref="Start"/>, <see cref="Count"/> items.</summary>
public readonly record struct ModbusRange(ushort Start, int Count)
{
    /// <summary>One past the last address (up to 65536).</summary>
    public int End => Start + Count;
}

/// <summary>Options of <see cref="ModbusRequestPlanner"/>.</summary>
public sealed record PlannerOptions
{
    /// <summary>Largest read: 125 for registers (FC 3/4), 2000 for bits (FC 1/2).</summary>
    public int MaxRegistersPerRequest { get; init; } = ModbusLimits.MaxReadRegisters;

    /// <summary>Largest run of unwanted addresses that may be read to merge two neighbouring fields.</summary>
    public int MaxGap { get; init; }

    /// <summary>Device quirk: one read per field, no merging at all.</summary>
    public bool OneRequestPerField { get; init; }

    /// <summary>Addresses never to read unless wanted (devices that answer 02 for undefined addresses); a merge never spans one.</summary>
    public IReadOnlySet<ushort>? ForbiddenAddresses { get; init; }

    /// <summary>Defaults for bit tables (coils, discrete inputs): 2000 per request.</summary>
    public static PlannerOptions ForBits() => new() { MaxRegistersPerRequest = ModbusLimits.MaxReadBits };
}

/// <summary>
/// Pure, deterministic request planner: covers wanted fields of one table with the fewest reads.
/// A field is never split across reads. Fields contained in other fields are dropped first; the rest,
/// sorted by start, have increasing ends, so every read covers a contiguous run of them and the greedy
/// "extend while feasible" partition is optimal.
/// </summary>
public static class ModbusRequestPlanner
{
    public static IReadOnlyList<ModbusRange> Plan(IEnumerable<ModbusRange> wanted, PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRegistersPerRequest < 1)
        {
            throw new ArgumentException("MaxRegistersPerRequest must be at least 1", nameof(options));
        }

        if (options.MaxGap < 0)
        {
            throw new ArgumentException("MaxGap must not be negative", nameof(options));
        }

        var fields = wanted.Distinct().ToList();
        foreach (var f in fields)
        {
            if (f.Count < 1 || f.End > 0x10000)
            {
                throw new ArgumentException($"field {f.Start}+{f.Count} is empty or passes address 0xFFFF", nameof(wanted));
            }

            if (f.Count > options.MaxRegistersPerRequest)
            {
                throw new ArgumentException($"field {f.Start}+{f.Count} is larger than MaxRegistersPerRequest {options.MaxRegistersPerRequest}", nameof(wanted));
            }
        }

        // Sort by start, longest first on ties, so containment is easy to drop.
        fields.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Count.CompareTo(a.Count));
        if (options.OneRequestPerField)
        {
            return fields;
        }

        var kept = new List<ModbusRange>(fields.Count);
        var maxEnd = -1;
        foreach (var f in fields)
        {
            if (f.End <= maxEnd)
            {
                continue; // contained in a field already kept
            }

            kept.Add(f);
            maxEnd = f.End;
        }

        var plan = new List<ModbusRange>();
        var i = 0;
        while (i < kept.Count)
        {
            var start = kept[i].Start;
            var end = kept[i].End;
            var j = i + 1;
            while (j < kept.Count)
            {
                var next = kept[j];
                var gapStart = end;
                var gapEnd = next.Start; // unused addresses [gapStart, gapEnd)
                if (next.End - start > options.MaxRegistersPerRequest
                    || gapEnd - gapStart > options.MaxGap
                    || SpansForbidden(gapStart, gapEnd, options.ForbiddenAddresses))
                {
                    break;
                }

                end = next.End;
                j++;
            }

            plan.Add(new ModbusRange(start, end - start));
            i = j;
        }

        return plan;
    }

    private static bool SpansForbidden(int from, int to, IReadOnlySet<ushort>? forbidden)
    {
        if (forbidden is null || from >= to)
        {
            return false;
        }

        for (var a = from; a < to; a++)
        {
            if (forbidden.Contains((ushort)a))
            {
                return true;
            }
        }

        return false;
    }
}

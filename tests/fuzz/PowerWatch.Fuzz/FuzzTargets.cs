using PowerWatch.Fuzz.Targets;

namespace PowerWatch.Fuzz;

/// <summary>Every fuzz target, by name (tests/fuzz/corpus/NAME holds its kept corpus).</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
        [.. ModbusTargets.All, .. WireTargets.All, .. SerialUpsTargets.All, .. TextTargets.All];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}

using PowerWatch.Core.Decoding;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Tests;

internal static class Repo
{
    /// <summary>The repository root, found by walking up from the test binaries to PowerWatch.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Profiles => Path.Combine(Root, "agent", "profiles");

    public static string MetricsDoc => Path.Combine(Root, "docs", "metrics.md");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PowerWatch.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PowerWatch.sln not found above " + AppContext.BaseDirectory);
    }
}

internal static class Shipped
{
    public static DeviceProfile Load(string fileName)
    {
        var path = Path.Combine(Repo.Profiles, fileName);
        return ProfileLoader.Parse(File.ReadAllText(path), fileName).GetProfileOrThrow();
    }
}

internal static class Decode
{
    public static readonly DateTimeOffset At = new(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<Reading> Holding(DeviceProfile profile, params (int Start, ushort[] Registers)[] blocks) =>
        Run(profile, blocks.Select(b => RegisterBlock.FromRegisters(RegisterTable.HoldingRegister, b.Start, b.Registers)));

    public static IReadOnlyList<Reading> Run(DeviceProfile profile, IEnumerable<RegisterBlock> blocks) =>
        new ProfileDecoder(profile, "dev-1").Decode(new RegisterBlockSet(blocks), At, 7);

    public static Reading Single(this IReadOnlyList<Reading> readings, string metric)
    {
        var matches = readings.Where(r => r.Metric == metric).ToList();
        Assert.True(matches.Count == 1, $"expected one '{metric}' reading, got {matches.Count}: [{string.Join(", ", readings.Select(r => r.Metric))}]");
        return matches[0];
    }

    public static double Number(this IReadOnlyList<Reading> readings, string metric)
    {
        var r = readings.Single(metric);
        Assert.Equal(Quality.Good, r.Quality);
        return r.Value.Number;
    }

    public static string Text(this IReadOnlyList<Reading> readings, string metric)
    {
        var r = readings.Single(metric);
        Assert.Equal(Quality.Good, r.Quality);
        return r.Value.Text;
    }

    public static bool Bool(this IReadOnlyList<Reading> readings, string metric)
    {
        var r = readings.Single(metric);
        Assert.Equal(Quality.Good, r.Quality);
        return r.Value.Boolean;
    }

    /// <summary>Registers holding an ASCII string, 2 chars per register, high byte first, NUL padded.</summary>
    public static ushort[] Ascii(string text, int words)
    {
        var regs = new ushort[words];
        for (var i = 0; i < text.Length && i / 2 < words; i++)
        {
            regs[i / 2] |= (ushort)(i % 2 == 0 ? text[i] << 8 : text[i]);
        }

        return regs;
    }
}

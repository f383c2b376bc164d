using System.Runtime.CompilerServices;
using PowerWatch.Agent.Cli;

namespace PowerWatch.Agent.Tests.Configuration;

/// <summary>
/// Data-driven cases (Telegraf style): each <c>testcases/&lt;case&gt;/config.json</c> is a realistically broken
/// configuration file and <c>expected.txt</c> the exact lines <c>check-config</c> prints for it (after the file name):
/// one line per root cause, devices named by id, reasons with the allowed range or an example.
/// Set <c>POWERWATCH_UPDATE_TESTCASES=1</c> to write expected.txt from the current output (then review the diff).
/// </summary>
public sealed class BrokenConfigTestCases
{
    public static TheoryData<string> Cases() => [.. Directory.EnumerateDirectories(Root()).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Broken_configuration_is_reported_with_one_clear_line_per_cause(string name)
    {
        var directory = Path.Combine(Root(), name);
        var problems = PowerWatchCommandLine.LoadAndValidate(Path.Combine(directory, "config.json"), out var options);
        var actual = string.Join('\n', problems.Select(p => p.ToString(options))) + "\n";
        var expectedPath = Path.Combine(directory, "expected.txt");
        if (Environment.GetEnvironmentVariable("POWERWATCH_UPDATE_TESTCASES") == "1")
        {
            File.WriteAllText(expectedPath, actual);
        }

        Assert.NotEqual("\n", actual);
        Assert.Equal(File.ReadAllText(expectedPath).ReplaceLineEndings("\n"), actual);
    }

    [Fact]
    public void There_are_at_least_25_broken_files()
    {
        Assert.True(Cases().Count >= 25);
    }

    private static string Root([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "testcases");
}

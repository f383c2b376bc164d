namespace PowerWatch.Fuzz.Tests;

/// <summary>
/// Every input of every kept corpus (tests/fuzz/corpus/TARGET: the golden vectors the fuzzer started from and what
/// AFL++ found that covers new code, minimised) goes through its target and the property holds: only the parser's
/// own protocol exception, no progress-less loop, allocation within the target's budget. No fuzzer runs here.
/// </summary>
public sealed class CorpusReplayTests
{
    private static string CorpusRoot => Path.Combine(AppContext.BaseDirectory, "corpus");

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_corpus_input_keeps_the_property(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var files = Directory.GetFiles(Path.Combine(CorpusRoot, name));
        Assert.NotEmpty(files);
        target.Warm();
        var failures = new List<string>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            try
            {
                target.Check(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failures.Add($"{Path.GetFileName(file)}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {files.Length} inputs of corpus/{name} break the property:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void Every_corpus_directory_belongs_to_a_target()
    {
        var orphans = Directory.GetDirectories(CorpusRoot).Select(Path.GetFileName).Where(d => FuzzTargets.Find(d!) is null).ToList();
        Assert.True(orphans.Count == 0, "corpus directories without a target: " + string.Join(", ", orphans));
    }

    [Fact]
    public void Corpora_stay_small()
    {
        var files = Directory.GetFiles(CorpusRoot, "*", SearchOption.AllDirectories);
        var bytes = files.Sum(f => new FileInfo(f).Length);
        Assert.True(files.Length <= 3000 && bytes <= 4 * 1024 * 1024, $"{files.Length} files, {bytes} bytes: minimise with tests/fuzz/run.sh cmin");
    }
}

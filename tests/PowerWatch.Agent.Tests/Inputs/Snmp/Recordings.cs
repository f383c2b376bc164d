using System.Globalization;

namespace PowerWatch.Agent.Tests.Inputs.Snmp;

/// <summary>
/// The recorded walks of real devices in <c>recordings/</c> (served by snmpsimd, community = file base name) and the
/// readings worked out by hand for each profile in <c>recordings/expected/&lt;profile&gt;.&lt;recording&gt;.txt</c>.
/// </summary>
internal static class Recordings
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Inputs", "Snmp", "recordings");

    /// <summary>Base names of the recordings (each one a community of the snmpsimd fixture).</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. System.IO.Directory.EnumerateFiles(Directory, "*.snmprec").Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal)];

    /// <summary>(profile id, recording) of every expected-readings file.</summary>
    public static IReadOnlyList<(string Profile, string Recording)> Expectations { get; } =
        [.. System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "expected"), "*.txt")
            .Select(f => Path.GetFileNameWithoutExtension(f)!)
            .Select(n => (n[..n.IndexOf('.', StringComparison.Ordinal)], n[(n.IndexOf('.', StringComparison.Ordinal) + 1)..]))
            .Order()];

    /// <summary>The lines <c>OID|type|value</c> of one recording, by OID.</summary>
    public static IReadOnlyDictionary<string, (string Type, string Value)> Read(string recording)
    {
        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(Directory, recording + ".snmprec")))
        {
            var parts = line.Split('|', 3);
            result.Add(parts[0], (parts[1], parts[2]));
        }

        return result;
    }

    /// <summary>
    /// The readings expected from polling <paramref name="recording"/> with <paramref name="profile"/>: metric → value
    /// text (a number in invariant culture, or a text value such as <c>on</c>). <c>#</c> starts a comment.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Expected(string profile, string recording)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = Path.Combine(Directory, "expected", $"{profile}.{recording}.txt");
        foreach (var raw in File.ReadLines(path))
        {
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash < 0 ? raw : raw[..hash]).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(eq > 0, $"{path}: '{raw}' is not 'metric = value'");
            Assert.True(result.TryAdd(line[..eq].Trim(), line[(eq + 1)..].Trim()), $"{path}: '{line[..eq].Trim()}' listed twice");
        }

        return result;
    }

    /// <summary>True when <paramref name="text"/> is a number (the expected value of a numeric metric).</summary>
    public static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.MegatecQ1;
using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.Agent.Tests.Inputs.SerialUps;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.MegatecQ1;

/// <summary>
/// Data-driven cases (Telegraf style): each <c>testcases/&lt;case&gt;/</c> holds the UPS's reply to each command
/// (<c>Q1.txt</c>, optional <c>F.txt</c>, <c>I.txt</c>; CR added when the file has none; a missing file means the
/// UPS echoes the command) and <c>expected.json</c>, the readings of one slow poll as metric → value text.
/// </summary>
public sealed class MegatecQ1TestCases
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Root()).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Testcase_readings_equal_expected_json(string name)
    {
        var dir = Path.Combine(Root(), name);
        byte[]? Reply(string command)
        {
            var file = Path.Combine(dir, command + ".txt");
            if (!File.Exists(file))
            {
                return null;
            }

            var text = File.ReadAllText(file).TrimEnd('\n');
            return Encoding.ASCII.GetBytes(text.EndsWith('\r') ? text : text + "\r");
        }

        var link = new ScriptedLink(cmd => Reply(Encoding.ASCII.GetString(cmd).TrimEnd('\r')) ?? cmd);
        var time = new ManualTimeProvider();
        await using var input = new MegatecQ1Input("ups", _ => Task.FromResult<ISerialUpsLink>(link), new MegatecQ1Options(), TimeSpan.FromMilliseconds(500), time);

        var readings = await input.PollAsync(new PollRequest(true, time.GetUtcNow(), 1, false), CancellationToken.None);

        var expected = JsonSerializer.Deserialize<SortedDictionary<string, string>>(File.ReadAllText(Path.Combine(dir, "expected.json")))!;
        var actual = new SortedDictionary<string, string>(readings.ToDictionary(r => r.Metric, r => r.Value.ToString()), StringComparer.Ordinal);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (metric, value) in expected)
        {
            // Numbers are compared to 3 decimals (the JSON holds them rounded); everything else exactly.
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var e))
            {
                Assert.True(double.TryParse(actual[metric], NumberStyles.Float, CultureInfo.InvariantCulture, out var a), $"{metric}: '{actual[metric]}' is not a number");
                Assert.Equal(e, a, 3);
            }
            else
            {
                Assert.Equal(value, actual[metric]);
            }
        }
    }

    private static string Root([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "testcases");
}

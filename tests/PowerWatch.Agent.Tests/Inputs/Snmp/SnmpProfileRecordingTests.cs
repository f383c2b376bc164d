using System.Globalization;
using PowerWatch.Core;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.Snmp;

/// <summary>
/// Every shipped SNMP PDU/ATS profile polled with the agent's snmp input against recorded walks of real devices served
/// by a real snmpsimd: each poll must give exactly the readings worked out by hand from the raw values and the MIB
/// (recordings/expected), no more and no fewer.
/// </summary>
public sealed class SnmpProfileRecordingTests
{
    private static readonly string[] PduAndAtsProfiles =
        ["apc-rpdu", "apc-rpdu2", "apc-rack-ats", "eaton-epdu-marlin", "eaton-ats16", "raritan-px-pdu2-mib", "servertech-sentry4"];

    [Fact]
    public void Every_shipped_snmp_pdu_and_ats_profile_has_a_recording_that_proves_it()
    {
        var proven = Recordings.Expectations.Select(e => e.Profile).ToHashSet(StringComparer.Ordinal);
        foreach (var id in PduAndAtsProfiles)
        {
            Assert.Contains(id, proven);
        }

        foreach (var profile in proven)
        {
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "profiles", profile + ".json")), $"expected readings name profile '{profile}', which does not ship");
        }
    }

    [PeerFact("snmpsimd")]
    public async Task Each_profile_reads_its_recordings_as_the_mib_says()
    {
        await using var sim = await Snmpsimd.StartAsync(Recordings.Directory);
        var failures = new List<string>();
        foreach (var (profile, recording) in Recordings.Expectations)
        {
            await using var input = sim.Input(profile + ".json", recording, device: "dev");
            var readings = await Snmpsimd.PollAsync(input);
            failures.AddRange(Compare($"{profile} × {recording}", Recordings.Expected(profile, recording), readings));
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static IEnumerable<string> Compare(string what, IReadOnlyDictionary<string, string> expected, IReadOnlyList<Reading> readings)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in readings)
        {
            if (!seen.Add(r.Metric))
            {
                yield return $"{what}: {r.Metric} read twice";
            }
            else if (!expected.TryGetValue(r.Metric, out var want))
            {
                yield return $"{what}: unexpected reading {r.Metric} = {r.Value} ({r.Quality})";
            }
            else if (r.Quality != Quality.Good || !MetricCatalog.TryFind(r.Metric, out var def) || def.Unit != r.Unit)
            {
                yield return $"{what}: {r.Metric} has quality {r.Quality} and unit '{r.Unit}'";
            }
            else if (Mismatch(r.Value, want) is { } got)
            {
                yield return $"{what}: {r.Metric} = {got}, expected {want}";
            }
        }

        foreach (var missing in expected.Keys.Where(k => !seen.Contains(k)).Order(StringComparer.Ordinal))
        {
            yield return $"{what}: no reading for {missing} (expected {expected[missing]})";
        }
    }

    /// <summary>The value as text when it differs from <paramref name="want"/> (numbers to 1e-9 relative), else null.</summary>
    private static string? Mismatch(ReadingValue value, string want)
    {
        if (value.TryGetNumber(out var number))
        {
            return Recordings.TryNumber(want, out var w) && Math.Abs(number - w) <= 1e-9 * Math.Max(1, Math.Abs(w))
                ? null
                : number.ToString("R", CultureInfo.InvariantCulture);
        }

        if (value.TryGetBoolean(out var flag))
        {
            return string.Equals(want, flag ? "true" : "false", StringComparison.Ordinal) ? null : flag.ToString();
        }

        return value.TryGetText(out var text) && string.Equals(text, want, StringComparison.Ordinal) ? null : value.ToString();
    }
}

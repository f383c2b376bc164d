using System.Text;
using PowerWatch.Agent.Cli;
using PowerWatch.Agent.Inputs.Nut;
using PowerWatch.Core.Profiles;
using PowerWatch.Influx;
using PowerWatch.Simulators.Scenarios;

namespace PowerWatch.Fuzz.Targets;

/// <summary>
/// Text read from outside: the NUT network protocol (agent Inputs/Nut), InfluxDB error bodies
/// (agent/PowerWatch.Influx), device profiles (PowerWatch.Core), the configuration file (the agent's check-config path)
/// and scenario files (PowerWatch.Simulators).
/// </summary>
internal static class TextTargets
{
    private static readonly Lazy<string> ConfigPath = new(() =>
        Path.Combine(Path.GetTempPath(), $"powerwatch-fuzz-config-{Environment.ProcessId}.json"));

    public static IEnumerable<FuzzTarget> All =>
    [
        new()
        {
            Name = "nut",
            Parser = "upsd reply lines (UTF-8, LF, CR trimmed, 8192-character cap) through NutProtocol.Split, ThrowIfError, ParseVar and NutDeviceInput.Map",
            Entry = Nut,
            Expected = static e => e is NutProtocolException or NutErrorException,
        },
        new()
        {
            Name = "influx-error",
            Parser = "InfluxErrorParser: ExtractMessage (1.x/2.x JSON, plain text), IsPartialWrite, DroppedCount, RejectedLines against the batch",
            Entry = InfluxError,
            Expected = static _ => false,
        },
        new()
        {
            Name = "profile",
            Parser = "ProfileLoader.Parse (JSON → validated device profile, problems with line and column)",
            Entry = static input => ProfileLoader.Parse(Encoding.UTF8.GetString(input), "fuzz.json"),
            Expected = static _ => false,
            MaxInput = 32768, // the largest shipped profile is 20 KB
            AllocationBase = 4 * 1024 * 1024,
            AllocationPerByte = 1024,
        },
        new()
        {
            Name = "config",
            Parser = "check-config's loader: ConfigFile.Load (syntax, duplicate keys) and ConfigValidator.BindAndValidate, each problem formatted",
            Entry = Config,
            Expected = static _ => false,
            MaxInput = 32768,
            AllocationBase = 16 * 1024 * 1024,
            AllocationPerByte = 2048,
        },
        new()
        {
            Name = "scenario",
            Parser = "ScenarioParser.Parse (scenario files: timed events and expectations)",
            Entry = static input => ScenarioParser.Parse(Encoding.UTF8.GetString(input), "fuzz.scn"),
            Expected = static e => e is ScenarioException,
            MaxInput = 16384,
            AllocationBase = 1024 * 1024,
            AllocationPerByte = 512,
        },
    ];

    private static void Nut(ReadOnlySpan<byte> input)
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in Encoding.UTF8.GetString(input).Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length > NutProtocol.MaxLineLength)
            {
                throw new NutProtocolException("reply line too long"); // NutClient refuses it while reading
            }

            var words = NutProtocol.Split(line);
            NutProtocol.ThrowIfError(words);
            if (words.Count >= 2 && words[0] is "BEGIN" or "END")
            {
                continue;
            }

            var (name, value) = NutProtocol.ParseVar(words, words.Count > 1 ? words[1] : "ups");
            vars[name] = value;
        }

        NutDeviceInput.Map("ups", vars, DateTimeOffset.UnixEpoch, 1);
    }

    /// <summary>The input is the error body; its lines are also the batch the error names.</summary>
    private static void InfluxError(ReadOnlySpan<byte> input)
    {
        var body = Encoding.UTF8.GetString(input);
        var message = InfluxErrorParser.ExtractMessage(body, null);
        _ = InfluxErrorParser.ExtractMessage(body, "header error");
        _ = InfluxErrorParser.IsPartialWrite(message);
        if (InfluxErrorParser.DroppedCount(message) is < 0)
        {
            throw new FuzzPropertyException("negative dropped count");
        }

        foreach (var rejected in InfluxErrorParser.RejectedLines(message, input))
        {
            if (rejected.Index < 0)
            {
                throw new FuzzPropertyException($"rejected line index {rejected.Index}");
            }
        }

        InfluxErrorParser.RejectedLines(body, input);
    }

    private static void Config(ReadOnlySpan<byte> input)
    {
        File.WriteAllBytes(ConfigPath.Value, input.ToArray());
        var problems = PowerWatchCommandLine.LoadAndValidate(ConfigPath.Value, out var options);
        foreach (var problem in problems)
        {
            _ = problem.ToString(options);
        }
    }
}

using System.CommandLine;
using PowerWatch.Agent.Configuration;

namespace PowerWatch.Agent.Cli;

/// <summary>The <c>powerwatch</c> verbs.</summary>
internal static class PowerWatchCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("PowerWatch: power-chain telemetry agent for UPS, generator, ATS and PDU hardware");
        root.Subcommands.Add(Run());
        root.Subcommands.Add(CheckConfig());
        root.Subcommands.Add(Ingest.IngestCommand.Create());
        root.Subcommands.Add(StatusTokenCommand.Create());
        return root;
    }

    private static Command Run()
    {
        var config = new Option<FileInfo>("--config", "-c") { Description = "configuration file (JSON); environment variables (PowerWatch__Site=...) override it", Required = true };
        var statusUrl = new Option<string?>("--status-url") { Description = "status page and API address (overrides PowerWatch:Status:Url), e.g. http://127.0.0.1:8481" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "log lines with the full category and event id and whole exceptions (default: time, level, short source, message)" };
        var command = new Command("run", "Run the agent: poll the configured devices and serve the status API");
        command.Options.Add(config);
        command.Options.Add(statusUrl);
        command.Options.Add(verbose);
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(config)!;
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(statusUrl) is { } url)
            {
                overrides["PowerWatch:Status:Url"] = url;
            }

            if (parse.GetValue(verbose))
            {
                overrides[Hosting.OperatorConsoleFormatter.VerboseKey] = "true";
            }

            return await Hosting.AgentHost.RunAsync(file.FullName, overrides, ct);
        });
        return command;
    }

    private static Command CheckConfig()
    {
        var file = new Argument<FileInfo>("file") { Description = "configuration file (JSON)" };
        var command = new Command("check-config", "Validate a configuration file (with PowerWatch__… environment overrides, as run applies them) and the profiles its devices name; print every problem with its key path");
        var dashboards = new Option<FileInfo[]>("--dashboard")
        {
            Description = "also check a Grafana dashboard (JSON) for metric names from before the NUT names; repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        command.Arguments.Add(file);
        command.Options.Add(dashboards);
        command.SetAction(async (parse, ct) =>
        {
            var f = parse.GetValue(file)!;
            var problems = LoadAndValidate(f.FullName, environment: true, out var options).ToList();
            await WarnAboutOldNamesAsync(f, problems.Count == 0 ? options : null, parse.GetValue(dashboards) ?? [], ct);
            var profileProblems = new List<Core.Profiles.ProfileProblem>();
            if (problems.Count == 0)
            {
                // The profiles the devices name, as `run` will load them.
                var (_, fileProblems, deviceProblems) = await Hosting.AgentServices.LoadProfilesForAsync(options, ct);
                profileProblems.AddRange(fileProblems);
                problems.AddRange(deviceProblems);
            }

            if (problems.Count == 0 && profileProblems.Count == 0)
            {
                await Console.Out.WriteLineAsync($"{f.Name}: OK");
                return 0;
            }

            foreach (var p in profileProblems)
            {
                await Console.Error.WriteLineAsync(p.ToString());
            }

            foreach (var p in problems)
            {
                await Console.Error.WriteLineAsync($"{f.Name}: {p.ToString(options)}");
            }

            await Console.Error.WriteLineAsync($"{f.Name}: {problems.Count + profileProblems.Count} problem(s)");
            return 1;
        });
        return command;
    }

    /// <summary>
    /// Prints a warning (not a problem: the exit code does not change) for each metric name from before the NUT names in
    /// the configuration's alert rules and in each dashboard; an unreadable dashboard is a warning too.
    /// </summary>
    private static async Task WarnAboutOldNamesAsync(FileInfo config, AgentOptions? options, FileInfo[] dashboards, CancellationToken ct)
    {
        if (options is not null)
        {
            foreach (var w in OldMetricNames.InConfiguration(options))
            {
                await Console.Error.WriteLineAsync($"{config.Name}: warning: {w.ToString(options)}");
            }
        }

        foreach (var d in dashboards)
        {
            string text;
            try
            {
                text = await File.ReadAllTextAsync(d.FullName, ct);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"{d.Name}: warning: not read ({e.Message})");
                continue;
            }
            catch (UnauthorizedAccessException e)
            {
                await Console.Error.WriteLineAsync($"{d.Name}: warning: not read ({e.Message})");
                continue;
            }

            foreach (var w in OldMetricNames.InDashboard(text))
            {
                await Console.Error.WriteLineAsync($"{d.Name}: warning: {w}");
            }
        }
    }

    /// <summary>Loads a JSON configuration file; a file that is not valid JSON is itself a problem.</summary>
    public static IReadOnlyList<ConfigProblem> LoadAndValidate(string path, out AgentOptions options) =>
        LoadAndValidate(path, environment: false, out options);

    /// <summary>
    /// Loads a JSON configuration file, with <paramref name="environment"/> the <c>PowerWatch__…</c> environment
    /// variables over it as <c>run</c> applies them; a file that is not valid JSON is itself a problem.
    /// </summary>
    public static IReadOnlyList<ConfigProblem> LoadAndValidate(string path, bool environment, out AgentOptions options)
    {
        options = new AgentOptions();
        if (ConfigFile.Load(path, environment, [], out var configuration) is { } problem)
        {
            return [problem];
        }

        var (bound, problems) = ConfigValidator.BindAndValidate(configuration);
        options = bound;
        return problems;
    }
}

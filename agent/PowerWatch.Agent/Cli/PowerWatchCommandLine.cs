using System.CommandLine;
using Microsoft.Extensions.Configuration;
using PowerWatch.Agent.Configuration;

namespace PowerWatch.Agent.Cli;

/// <summary>The <c>powerwatch</c> verbs.</summary>
public static class PowerWatchCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("PowerWatch: power-chain telemetry agent for UPS, generator, ATS and PDU hardware");
        root.Subcommands.Add(CheckConfig());
        return root;
    }

    private static Command CheckConfig()
    {
        var file = new Argument<FileInfo>("file") { Description = "configuration file (JSON)" };
        var command = new Command("check-config", "Validate a configuration file and print every problem with its key path");
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            var f = parse.GetValue(file)!;
            var problems = LoadAndValidate(f.FullName, out _);
            if (problems.Count == 0)
            {
                Console.Out.WriteLine($"{f.Name}: OK");
                return 0;
            }

            foreach (var p in problems)
            {
                Console.Error.WriteLine($"{f.Name}: {p.Key}: {p.Reason}");
            }

            Console.Error.WriteLine($"{f.Name}: {problems.Count} problem(s)");
            return 1;
        });
        return command;
    }

    /// <summary>Loads a JSON configuration file; a file that is not valid JSON is itself a problem.</summary>
    public static IReadOnlyList<ConfigProblem> LoadAndValidate(string path, out AgentOptions options)
    {
        options = new AgentOptions();
        IConfiguration configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
        }
        catch (FileNotFoundException)
        {
            return [new ConfigProblem("(file)", "not found")];
        }
        catch (InvalidDataException ex)
        {
            return [new ConfigProblem("(file)", ex.InnerException?.Message ?? ex.Message)];
        }

        var (bound, problems) = ConfigValidator.BindAndValidate(configuration);
        options = bound;
        return problems;
    }
}

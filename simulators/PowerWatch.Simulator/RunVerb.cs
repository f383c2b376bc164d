using System.CommandLine;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Scenarios;

namespace PowerWatch.Simulator;

/// <summary><c>powerwatch-sim run &lt;scenario&gt; [--site file] [--speed N]</c>: headless scenario run.</summary>
internal static class RunVerb
{
    public const int ExitFailedExpectation = 1;
    public const int ExitInvalidInput = 2;

    public static Command Create()
    {
        var scenario = new Argument<FileInfo>("scenario") { Description = "scenario file (see simulators/README.md for the grammar)" };
        var site = new Option<FileInfo?>("--site") { Description = "site description JSON (default: the demo site)" };
        var speed = new Option<double>("--speed")
        {
            Description = "pace the run at N × real time (0 = as fast as possible)",
            DefaultValueFactory = _ => 0,
        };
        var quiet = new Option<bool>("--quiet") { Description = "print only the expectation results" };
        var command = new Command("run", "run a scenario headless and report its expectations") { scenario, site, speed, quiet };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(scenario)!, parse.GetValue(site), parse.GetValue(speed), parse.GetValue(quiet), ct));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo scenarioFile, FileInfo? siteFile, double speed, bool quiet, CancellationToken cancellationToken)
    {
        if (speed < 0 || double.IsNaN(speed) || double.IsInfinity(speed))
        {
            await Console.Error.WriteLineAsync("--speed must be 0 (unpaced) or a positive factor").ConfigureAwait(false);
            return ExitInvalidInput;
        }

        Scenario scenario;
        SiteDescription? site = null;
        try
        {
            scenario = await ScenarioParser.LoadAsync(scenarioFile.FullName, cancellationToken).ConfigureAwait(false);
            if (siteFile is not null)
            {
                site = await SiteDescription.LoadAsync(siteFile.FullName, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ScenarioException or SiteConfigurationException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitInvalidInput;
        }

        var options = new ScenarioRunOptions
        {
            Site = site,
            PaceWith = speed > 0 ? TimeProvider.System : null,
            Speed = speed > 0 ? speed : 1,
            Source = scenarioFile.Name,
            OnEvent = quiet ? null : e => Console.Out.WriteLine($"{Durations.Format(e.Elapsed),12}  {e.Device,-10} {e.Kind,-9} {e.Message}"),
        };

        ScenarioResult result;
        try
        {
            result = await ScenarioRunner.RunAsync(scenario, options, cancellationToken).ConfigureAwait(false);
        }
        catch (ScenarioException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitInvalidInput;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return ExitFailedExpectation;
        }

        foreach (var r in result.Expectations)
        {
            await Console.Out.WriteLineAsync($"{(r.Passed ? "PASS" : "FAIL")}  line {r.Expectation.Line}: {r.Expectation.Text}  -- {r.Detail}").ConfigureAwait(false);
        }

        var passed = result.Expectations.Count(r => r.Passed);
        await Console.Out.WriteLineAsync($"{scenario.Name}: {passed}/{result.Expectations.Count} expectations passed after {Durations.Format(result.Elapsed)} simulated").ConfigureAwait(false);
        return result.Passed ? 0 : ExitFailedExpectation;
    }
}

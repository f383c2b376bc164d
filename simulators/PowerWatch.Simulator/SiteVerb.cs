using System.CommandLine;
using PowerWatch.Simulators;

namespace PowerWatch.Simulator;

/// <summary><c>powerwatch-sim site [--site file]</c>: validates a site file and prints it with every default filled in.</summary>
internal static class SiteVerb
{
    public static Command Create()
    {
        var site = new Option<FileInfo?>("--site") { Description = "site description JSON (default: the demo site)" };
        var command = new Command("site", "print the effective site description (the demo site by default)") { site };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var file = parse.GetValue(site);
                var description = file is null ? new SiteDescription() : await SiteDescription.LoadAsync(file.FullName, ct).ConfigureAwait(false);
                await Console.Out.WriteLineAsync(description.ToJson()).ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is SiteConfigurationException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return RunVerb.ExitInvalidInput;
            }
        });
        return command;
    }
}

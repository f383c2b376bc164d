using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PowerWatch.Agent.Alerts;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting.Windows;
using PowerWatch.Agent.Outputs;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Polling;
using PowerWatch.Agent.Status;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Agent.Hosting;

/// <summary>The agent's services, one <c>Add…</c> per area, in the order data flows through them.</summary>
internal static class AgentServices
{
    /// <summary>
    /// Everything the agent runs: host basics, the reading hub, polling, outputs (decided here from
    /// <paramref name="options"/>), alerts and the status page's trends.
    /// </summary>
    public static IServiceCollection AddPowerWatchAgent(this IServiceCollection services, AgentOptions options, IReadOnlyDictionary<string, DeviceProfile> profiles) =>
        services
            .AddPowerWatchHost()
            .AddPowerWatchPipeline()
            .AddPowerWatchPolling(profiles)
            .AddPowerWatchOutputs(options)
            .AddPowerWatchAlerts()
            .AddPowerWatchTrends();

    /// <summary>Options (validated at start), the clock, health, systemd notification and the Windows service lifetime.</summary>
    public static IServiceCollection AddPowerWatchHost(this IServiceCollection services)
    {
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AgentHealth>();
        services.AddSingleton(_ => new SystemdNotifier(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")));
        services.AddHostedService<SystemdNotifyService>();
        services.AddPowerWatchWindowsService();
        return services;
    }

    /// <summary>
    /// The reading hub between pollers and consumers, and the clock of device I/O (the agent's clock unless the host
    /// says otherwise: the demo runs wall-clock I/O on a fast site clock).
    /// </summary>
    public static IServiceCollection AddPowerWatchPipeline(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new DeviceIoTime(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ReadingHub(sp.GetRequiredService<DeviceIoTime>().HoldDuringPoll, [AlertService.Consumer]));
        return services;
    }

    /// <summary>Loads every profile in a directory; any problem is fatal and reported with file, JSON path and reason.</summary>
    public static async Task<(IReadOnlyDictionary<string, DeviceProfile> Profiles, IReadOnlyList<ProfileProblem> Problems)> LoadProfilesAsync(string directory, CancellationToken cancellationToken)
    {
        var results = await ProfileLoader.LoadDirectoryAsync(directory, cancellationToken);
        var problems = results.SelectMany(r => r.Problems).ToList();
        var profiles = results.Where(r => r.Profile is not null).ToDictionary(r => r.Profile!.Id, r => r.Profile!, StringComparer.Ordinal);
        return (profiles, problems);
    }

    /// <summary>
    /// Loads the profiles of the configured directory and checks every device against them (through its input).
    /// Profile file problems keep their file and JSON path; configuration problems name their key.
    /// </summary>
    public static async Task<(IReadOnlyDictionary<string, DeviceProfile> Profiles, IReadOnlyList<ProfileProblem> ProfileProblems, IReadOnlyList<ConfigProblem> ConfigProblems)> LoadProfilesForAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = ResolveProfileDirectory(options.ProfileDirectory);
        if (!Directory.Exists(directory))
        {
            var how = Path.IsPathRooted(options.ProfileDirectory) ? "" : " (a relative ProfileDirectory is looked up in the working directory, then next to the executable)";
            return (new Dictionary<string, DeviceProfile>(), [], [new ConfigProblem($"{AgentOptions.Section}:ProfileDirectory", $"directory '{directory}' not found{how}")]);
        }

        var (profiles, problems) = await LoadProfilesAsync(directory, cancellationToken);
        var config = new List<ConfigProblem>();
        for (var i = 0; i < options.Devices.Count; i++)
        {
            var device = options.Devices[i];
            if (Inputs.InputRegistry.BuiltIn.Find(device.Input) is { } input)
            {
                config.AddRange(input.ValidateProfiles(device, $"{AgentOptions.Section}:Devices:{i}", profiles, directory));
            }
        }

        return (profiles, problems, config);
    }

    /// <summary>Resolves the profile directory: as given if it exists, else next to the executable.</summary>
    public static string ResolveProfileDirectory(string configured)
    {
        if (Path.IsPathRooted(configured) || Directory.Exists(configured))
        {
            return Path.GetFullPath(configured);
        }

        return Path.Combine(AppContext.BaseDirectory, configured);
    }

    /// <summary>Validates against the inputs this host registered (a host may add inputs to <see cref="Inputs.InputRegistry.BuiltIn"/>).</summary>
    private sealed class AgentOptionsValidator(Inputs.InputRegistry inputs) : IValidateOptions<AgentOptions>
    {
        public ValidateOptionsResult Validate(string? name, AgentOptions options)
        {
            var problems = ConfigValidator.Validate(options, inputs);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => p.ToString()));
        }
    }
}

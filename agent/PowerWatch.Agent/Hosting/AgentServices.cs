using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting.Windows;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Polling;
using PowerWatch.Agent.Status;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Agent.Hosting;

/// <summary>Service registration for the agent (the composition root calls these).</summary>
public static class AgentServices
{
    /// <summary>The alert service's subscription name on the <see cref="ReadingHub"/> (results are held for it, see <see cref="DeviceIoTime"/>).</summary>
    internal const string AlertConsumer = "alerts";

    /// <summary>
    /// Registers options (validated at start), the reading hub, the runtime (pollers per endpoint), the polling
    /// service, health and systemd notification.
    /// </summary>
    public static IServiceCollection AddPowerWatchAgent(this IServiceCollection services, IReadOnlyDictionary<string, DeviceProfile> profiles)
    {
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        // Device I/O on the agent's clock unless the host says otherwise (the demo: wall-clock I/O on a fast site clock).
        services.TryAddSingleton(sp => new DeviceIoTime(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AgentHealth>();
        services.AddSingleton(sp => new ReadingHub(sp.GetRequiredService<DeviceIoTime>().HoldDuringPoll, [AlertConsumer]));
        services.AddSingleton(sp => AgentRuntime.Build(
            sp.GetRequiredService<IOptions<AgentOptions>>().Value,
            profiles,
            sp.GetRequiredService<ReadingHub>(),
            sp.GetRequiredService<AgentHealth>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            io: sp.GetRequiredService<DeviceIoTime>()));
        services.AddHostedService<PollingService>();
        services.AddMqttPublishing();
        PowerWatch.Agent.Alerts.AlertServices.AddPowerWatchAlerts(services);
        services.AddSingleton<IValidateOptions<AgentOptions>, AlertActionsOptionsValidator>();
        services.AddPowerWatchTrends();
        services.AddSingleton(sp => new PowerWatch.Agent.Alerts.Actions.AlertActionDispatcher(
            sp.GetRequiredService<IOptions<AgentOptions>>().Value.Alerts,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<PowerWatch.Agent.Alerts.Actions.AlertActionDispatcher>(),
            sp.GetService<PowerWatch.Agent.Outputs.IEventPublisher>(),
            sp.GetRequiredService<AgentRuntime>().FindModbusTarget));
        services.AddSingleton(_ => new SystemdNotifier(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")));
        services.AddHostedService<SystemdNotifyService>();
        services.AddPowerWatchWindowsService();
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
    /// Loads the profiles of the configured directory and checks every Modbus device's profile against them.
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
            if (device.Input == "modbus" && device.Profile is { Length: > 0 } name && !profiles.ContainsKey(name))
            {
                config.Add(new ConfigProblem($"{AgentOptions.Section}:Devices:{i}:Profile", $"'{name}' is not a profile in {directory} (known: {string.Join(", ", profiles.Keys.Order(StringComparer.Ordinal))})"));
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

    private sealed class AlertActionsOptionsValidator : IValidateOptions<AgentOptions>
    {
        public ValidateOptionsResult Validate(string? name, AgentOptions options)
        {
            var a = options.Alerts;
            var problems = PowerWatch.Agent.Alerts.Actions.AlertActionValidation.Validate(a.Actions, a.Triggers,
                a.Rules.Select((r, i) => ($"{AgentOptions.Section}:Alerts:Rules:{i}", (IReadOnlyList<string>)r.Actions)), a.ActionQueueCapacity).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    private sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
    {
        public ValidateOptionsResult Validate(string? name, AgentOptions options)
        {
            var problems = ConfigValidator.Validate(options);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => p.ToString()));
        }
    }
}

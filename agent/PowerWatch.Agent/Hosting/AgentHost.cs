using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Status;
using Microsoft.Extensions.Hosting;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Agent.Hosting;

/// <summary>
/// The agent's composition root: configuration → validation → profiles → services (<see cref="AgentServices"/>, one
/// <c>Add…</c> per area) → status API on Kestrel (loopback by default). <c>powerwatch run</c> and the demo both start here.
/// </summary>
public static class AgentHost
{
    /// <summary>Loads, validates and runs the agent until cancelled; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string configPath, IEnumerable<KeyValuePair<string, string?>> overrides, CancellationToken cancellationToken, Action<IServiceCollection>? configure = null)
    {
        var name = Path.GetFileName(configPath);
        if (ConfigFile.Load(configPath, environment: true, overrides, out var configuration) is { } fileProblem)
        {
            await Console.Error.WriteLineAsync($"{name}: {fileProblem.ToString(null)}");
            return 2;
        }

        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                await Console.Error.WriteLineAsync($"{name}: {p.ToString(options)}");
            }

            return 2;
        }

        var (profiles, profileProblems, deviceProblems) = await AgentServices.LoadProfilesForAsync(options, cancellationToken);
        if (profileProblems.Count > 0 || deviceProblems.Count > 0)
        {
            foreach (var p in profileProblems)
            {
                await Console.Error.WriteLineAsync($"{p.File}: {p.Path}: {p.Reason}");
            }

            foreach (var p in deviceProblems)
            {
                await Console.Error.WriteLineAsync($"{name}: {p.ToString(options)}");
            }

            return 2;
        }

        await using var app = Build(configuration, options, profiles, configure);
        await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, cancellationToken);
        return 0;
    }

    public static WebApplication Build(IConfiguration configuration, AgentOptions options, IReadOnlyDictionary<string, DeviceProfile> profiles, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddSimpleConsoleIfAbsent();
        builder.Logging.AddFilter("Microsoft.AspNetCore", Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.WebHost.UseUrls(options.Status.Enabled ? options.Status.Url : "http://127.0.0.1:0");
        builder.Services.AddPowerWatchAgent(options, profiles);
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        if (options.Status.Enabled)
        {
            app.MapPowerWatchStatus();
        }

        return app;
    }
}

internal static class LoggingExtensions
{
    public static void AddSimpleConsoleIfAbsent(this Microsoft.Extensions.Logging.ILoggingBuilder logging) =>
        Microsoft.Extensions.Logging.ConsoleLoggerExtensions.AddSimpleConsole(logging, o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
}

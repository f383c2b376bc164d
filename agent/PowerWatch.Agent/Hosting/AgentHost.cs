using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Status;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Agent.Hosting;

/// <summary>Builds the agent's web host (status API on Kestrel, loopback by default) around the polling services.</summary>
public static class AgentHost
{
    public static WebApplication Build(IConfiguration configuration, AgentOptions options, IReadOnlyDictionary<string, DeviceProfile> profiles, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddSimpleConsoleIfAbsent();
        builder.Logging.AddFilter("Microsoft.AspNetCore", Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.WebHost.UseUrls(options.Status.Enabled ? options.Status.Url : "http://127.0.0.1:0");
        builder.Services.AddPowerWatchAgent(profiles);
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

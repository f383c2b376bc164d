using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PowerWatch.Agent.Hosting.Windows;

/// <summary>Registers the Windows service lifetime and the event log when the process runs as a Windows service.</summary>
internal static class WindowsServiceRegistration
{
    /// <summary>The event log source install.ps1 registers (Application log).</summary>
    public const string EventLogSource = "PowerWatch";

    /// <summary>
    /// When started by the service control manager: replaces the console lifetime with the service handshake and logs
    /// to the Windows event log (source <see cref="EventLogSource"/>). Elsewhere: does nothing.
    /// </summary>
    public static IServiceCollection AddPowerWatchWindowsService(this IServiceCollection services)
    {
        if (!OperatingSystem.IsWindows() || !WindowsServiceLifetime.IsWindowsService())
        {
            return services;
        }

        services.AddSingleton<IHostLifetime, WindowsServiceLifetime>();
        services.AddLogging(AddEventLog);
        return services;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static void AddEventLog(ILoggingBuilder logging) =>
        logging.AddEventLog(settings => SetSource(settings));

    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static void SetSource(Microsoft.Extensions.Logging.EventLog.EventLogSettings settings) => settings.SourceName = EventLogSource;
}

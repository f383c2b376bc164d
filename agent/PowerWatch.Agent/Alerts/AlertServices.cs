using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PowerWatch.Agent.Alerts;

/// <summary>Registration of the alert engine and failover analyzer service.</summary>
public static class AlertServices
{
    public static IServiceCollection AddPowerWatchAlerts(this IServiceCollection services)
    {
        services.AddSingleton<AlertService>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<AlertService>());
        return services;
    }
}

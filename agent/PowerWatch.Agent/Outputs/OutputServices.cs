using Microsoft.Extensions.DependencyInjection;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Outputs.Mqtt;

namespace PowerWatch.Agent.Outputs;

/// <summary>Registration of the outputs, decided once from the configuration.</summary>
internal static class OutputServices
{
    /// <summary>
    /// The MQTT output when <c>PowerWatch:Mqtt:Enabled</c>, else a <see cref="NullPublisher"/>: alerts and events are
    /// still handled locally (status page, actions), nothing is published.
    /// </summary>
    public static IServiceCollection AddPowerWatchOutputs(this IServiceCollection services, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mqtt.Enabled)
        {
            return services.AddMqttOutput(options);
        }

        services.AddSingleton<NullPublisher>();
        services.AddSingleton<IAlertPublisher>(sp => sp.GetRequiredService<NullPublisher>());
        services.AddSingleton<IEventPublisher>(sp => sp.GetRequiredService<NullPublisher>());
        return services;
    }
}

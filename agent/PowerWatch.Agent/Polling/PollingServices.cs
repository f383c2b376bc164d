using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Agent.Polling;

/// <summary>Registration of the inputs, the endpoint client pool and the pollers.</summary>
internal static class PollingServices
{
    /// <summary>
    /// The input registry (<see cref="InputRegistry.BuiltIn"/> unless the host registered another), the host's
    /// <see cref="EndpointClientPool"/>, the <see cref="InputContext"/> the inputs and write actions are built from,
    /// the runtime (one poller per endpoint) and the service that runs the pollers.
    /// </summary>
    public static IServiceCollection AddPowerWatchPolling(this IServiceCollection services, IReadOnlyDictionary<string, DeviceProfile> profiles)
    {
        services.TryAddSingleton(InputRegistry.BuiltIn);
        services.AddSingleton<EndpointClientPool>();
        services.AddSingleton(sp => new InputContext(
            sp.GetRequiredService<IOptions<AgentOptions>>().Value,
            profiles,
            sp.GetRequiredService<EndpointClientPool>(),
            sp.GetRequiredService<DeviceIoTime>().Transport));
        services.AddSingleton(sp => AgentRuntime.Build(
            sp.GetRequiredService<IOptions<AgentOptions>>().Value,
            profiles,
            sp.GetRequiredService<ReadingHub>(),
            sp.GetRequiredService<AgentHealth>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<DeviceIoTime>(),
            sp.GetRequiredService<InputRegistry>(),
            sp.GetRequiredService<EndpointClientPool>()));
        services.AddHostedService<PollingService>();
        return services;
    }
}

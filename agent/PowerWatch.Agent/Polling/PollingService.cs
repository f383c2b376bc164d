using Microsoft.Extensions.Hosting;

namespace PowerWatch.Agent.Polling;

/// <summary>Runs every endpoint poller concurrently until the host stops (bulkheads: one loop per endpoint).</summary>
internal sealed class PollingService : BackgroundService
{
    private readonly AgentRuntime _runtime;

    public PollingService(AgentRuntime runtime)
    {
        _runtime = runtime;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_runtime.Pollers.Select(p => Task.Run(() => p.RunAsync(stoppingToken), stoppingToken)));
}

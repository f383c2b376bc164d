using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Agent.Polling;

/// <summary>
/// The agent's devices, grouped into one poller per transport endpoint (one bus, one loop), each device read by
/// the input its configuration names (<see cref="InputRegistry"/>). Built once at start-up from validated options
/// and loaded profiles; owns the inputs, not the endpoint clients (those belong to the host's <see cref="EndpointClientPool"/>).
/// </summary>
internal sealed class AgentRuntime : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned;

    private AgentRuntime(AgentOptions options, IReadOnlyList<DeviceState> devices, IReadOnlyList<EndpointPoller> pollers, List<IAsyncDisposable> owned)
    {
        Options = options;
        Devices = devices;
        Pollers = pollers;
        _owned = owned;
    }

    public AgentOptions Options { get; }

    public IReadOnlyList<DeviceState> Devices { get; }

    public IReadOnlyList<EndpointPoller> Pollers { get; }

    public DeviceState? Find(string id) => Devices.FirstOrDefault(d => d.Id == id);

    /// <param name="time">The agent's clock: poll schedule, back-off, reading timestamps.</param>
    /// <param name="io">Clock of device I/O (timeouts, pauses, connect delays) and the optional hold around each poll; default: <paramref name="time"/>, no hold.</param>
    /// <param name="inputs">The inputs this host knows; default: <see cref="InputRegistry.BuiltIn"/>.</param>
    /// <param name="clients">The host's endpoint client pool (shared with the write actions); default: one owned by this runtime.</param>
    public static AgentRuntime Build(AgentOptions options, IReadOnlyDictionary<string, DeviceProfile> profiles, ReadingHub hub, AgentHealth health, TimeProvider time, ILoggerFactory loggers,
        DeviceIoTime? io = null, InputRegistry? inputs = null, EndpointClientPool? clients = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        inputs ??= InputRegistry.BuiltIn;
        var owned = new List<IAsyncDisposable>();
        if (clients is null)
        {
            clients = new EndpointClientPool();
            owned.Add(clients);
        }

        var context = new InputContext(options, profiles, clients, io?.Transport ?? time);
        var states = new List<DeviceState>();
        var pollers = new List<EndpointPoller>();
        var backoff = new PollBackoff();
        var logger = loggers.CreateLogger<EndpointPoller>();

        var parsed = options.Devices.Select(d =>
        {
            return DeviceEndpoint.TryParse(d.Endpoint, out var endpoint, out var error)
                ? (Device: d, Endpoint: endpoint!)
                : throw new InvalidOperationException($"device '{d.Id}': {error}");
        }).ToList();

        foreach (var group in parsed.GroupBy(p => p.Endpoint.TransportKey, StringComparer.Ordinal))
        {
            var polled = new List<PolledDevice>();
            foreach (var (device, endpoint) in group)
            {
                var factory = inputs.Find(device.Input)
                    ?? throw new InvalidOperationException($"device '{device.Id}': input '{device.Input}' is not available in this build (known: {string.Join(", ", inputs.Names)})");

                // Inputs are owned here and disposed before the pool's shared clients (the runtime is disposed first).
                var created = factory.Create(device, endpoint, context);
                owned.Insert(0, created.Input);
                var state = new DeviceState(device.Id, device.Kind, device.Model ?? created.Model ?? device.Input, endpoint.ToString(), device.PollInterval);
                states.Add(state);
                polled.Add(new PolledDevice(state, created.Input, device.SlowPollInterval));
            }

            // Random.Shared: the pollers run concurrently and System.Random is not thread-safe (a shared instance can
            // collapse to returning 0 under contention, which would remove the jitter exactly when many devices fail together).
            pollers.Add(new EndpointPoller(group.Key, polled, hub, health, time, backoff, Random.Shared, logger, io?.HoldDuringPoll));
        }

        return new AgentRuntime(options, states, pollers, owned);
    }

    private static T Own<T>(List<IAsyncDisposable> owned, T item)
        where T : IAsyncDisposable
    {
        owned.Add(item);
        return item;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var o in _owned)
        {
            try
            {
                await o.DisposeAsync();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Best effort on shutdown.
            }
        }
    }
}

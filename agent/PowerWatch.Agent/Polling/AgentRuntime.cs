using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.MegatecQ1;
using PowerWatch.Agent.Inputs.Modbus;
using PowerWatch.Agent.Inputs.Nut;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;

namespace PowerWatch.Agent.Polling;

/// <summary>
/// The agent's devices, grouped into one poller per transport endpoint, with the shared clients they own.
/// Built once at start-up from validated options and loaded profiles.
/// </summary>
public sealed class AgentRuntime : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned;
    private readonly Dictionary<string, Alerts.Actions.ModbusCommandTarget> _modbusTargets;

    private AgentRuntime(AgentOptions options, IReadOnlyList<DeviceState> devices, IReadOnlyList<EndpointPoller> pollers, List<IAsyncDisposable> owned, Dictionary<string, Alerts.Actions.ModbusCommandTarget> modbusTargets)
    {
        _modbusTargets = modbusTargets;
        Options = options;
        Devices = devices;
        Pollers = pollers;
        _owned = owned;
    }

    public AgentOptions Options { get; }

    public IReadOnlyList<DeviceState> Devices { get; }

    public IReadOnlyList<EndpointPoller> Pollers { get; }

    public DeviceState? Find(string id) => Devices.FirstOrDefault(d => d.Id == id);

    /// <summary>The shared client, unit id and profile of a Modbus device (for allow-listed modbus-write actions); null otherwise.</summary>
    internal Alerts.Actions.ModbusCommandTarget? FindModbusTarget(string id) => _modbusTargets.GetValueOrDefault(id);

    /// <param name="time">The agent's clock: poll schedule, back-off, reading timestamps.</param>
    /// <param name="io">Clock of device I/O (timeouts, pauses, connect delays) and the optional hold around each poll; default: <paramref name="time"/>, no hold.</param>
    public static AgentRuntime Build(AgentOptions options, IReadOnlyDictionary<string, DeviceProfile> profiles, ReadingHub hub, AgentHealth health, TimeProvider time, ILoggerFactory loggers, Func<DeviceOptions, DeviceEndpoint, IDeviceInput>? extraInputs = null, DeviceIoTime? io = null)
    {
        var transport = io?.Transport ?? time;
        var owned = new List<IAsyncDisposable>();
        var states = new List<DeviceState>();
        var pollers = new List<EndpointPoller>();
        var random = new Random();
        var backoff = new PollBackoff();
        var logger = loggers.CreateLogger<EndpointPoller>();
        var modbusTargets = new Dictionary<string, Alerts.Actions.ModbusCommandTarget>(StringComparer.Ordinal);

        var parsed = options.Devices.Select(d =>
        {
            return DeviceEndpoint.TryParse(d.Endpoint, out var endpoint, out var error)
                ? (Device: d, Endpoint: endpoint!)
                : throw new InvalidOperationException($"device '{d.Id}': {error}");
        }).ToList();

        foreach (var group in parsed.GroupBy(p => p.Endpoint.TransportKey, StringComparer.Ordinal))
        {
            var first = group.First();
            var polled = new List<PolledDevice>();
            IModbusClient? modbus = null;
            NutClient? nut = null;
            foreach (var (device, endpoint) in group)
            {
                DeviceProfile? profile = null;
                if (device.Input == "modbus" && (device.Profile is null || !profiles.TryGetValue(device.Profile, out profile)))
                {
                    throw new InvalidOperationException($"device '{device.Id}': profile '{device.Profile}' not found (known: {string.Join(", ", profiles.Keys.Order(StringComparer.Ordinal))})");
                }

                IDeviceInput input;
                switch (device.Input)
                {
                    case "modbus":
                        modbus ??= Own(owned, ModbusEndpoints.CreateClient(endpoint, device.Serial, new ModbusClientOptions
                        {
                            // Retries happen per device in the input (none for a suspect device); the client's timeout
                            // is the longest any device on this endpoint asked for.
                            Timeout = group.Max(g => g.Device.Timeout),
                            Retries = 0,
                            TimeProvider = transport,
                        }));
                        var workarounds = profile!.Workarounds;
                        var planner = new PlannerOptions
                        {
                            MaxRegistersPerRequest = Math.Min(device.Workarounds.MaxRegistersPerRequest ?? workarounds.MaxRegistersPerRequest, workarounds.MaxRegistersPerRequest),
                            MaxGap = device.Workarounds.MaxGap,
                            OneRequestPerField = device.Workarounds.OneRequestPerField || workarounds.OneRequestPerField,
                        };
                        var pause = device.Workarounds.PauseBetweenRequests > workarounds.PauseBetweenRequests ? device.Workarounds.PauseBetweenRequests : workarounds.PauseBetweenRequests;
                        input = new ModbusDeviceInput(device.Id, modbus, device.UnitId, profile, planner, pause, device.Retries, transport);
                        modbusTargets[device.Id] = new Alerts.Actions.ModbusCommandTarget(modbus, device.UnitId, profile);
                        break;
                    case "nut":
                        nut ??= Own(owned, new NutClient(endpoint.Host, endpoint.Port, device.Username, device.Password, device.Timeout, transport));
                        input = new NutDeviceInput(device.Id, endpoint.Path, nut);
                        break;
                    case "megatec-q1":
                    case "apc-smart":
                        input = Own(owned, SerialUpsInputs.Create(device, endpoint, transport, device.MegatecQ1));
                        break;
                    default:
                        input = extraInputs?.Invoke(device, endpoint)
                            ?? throw new InvalidOperationException($"device '{device.Id}': input '{device.Input}' is not available in this build");
                        Own(owned, input);
                        break;
                }

                var state = new DeviceState(device.Id, device.Kind, device.Model ?? profile?.Model ?? device.Input, endpoint.ToString(), device.PollInterval);
                states.Add(state);
                polled.Add(new PolledDevice(state, input, device.SlowPollInterval));
            }

            pollers.Add(new EndpointPoller(first.Endpoint.TransportKey, polled, hub, health, time, backoff, random, logger, io?.HoldDuringPoll));
        }

        return new AgentRuntime(options, states, pollers, owned, modbusTargets);
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

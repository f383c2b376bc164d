using PowerWatch.Agent.Alerts.Actions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;

namespace PowerWatch.Agent.Inputs.Modbus;

/// <summary>The <c>modbus</c> input: a device read through a register profile over Modbus TCP, RTU over TCP or a serial bus.</summary>
internal sealed class ModbusInputFactory : IInputFactory
{
    /// <summary>The input's name (also the default of <c>Devices:n:Input</c>).</summary>
    public const string InputName = "modbus";

    public string Name => InputName;

    /// <summary>
    /// Profiles PowerWatch once shipped and retired, with the profile that replaces each: the project's own ATS and PDU
    /// maps, which no real device speaks (docs/profiles.md, "Retired maps").
    /// </summary>
    internal static IReadOnlyDictionary<string, string> RetiredProfiles { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["powerwatch-ats-v1"] = "socomec-atys-pm",
        ["powerwatch-pdu-v1"] = "raritan-xerus-pdu",
    };

    public IEnumerable<ConfigProblem> Validate(DeviceOptions device, string key)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (string.IsNullOrWhiteSpace(device.Profile))
        {
            yield return new($"{key}:Profile", "required for modbus devices (e.g. apc-smart-ups-modbus)");
        }
    }

    public IEnumerable<ConfigProblem> ValidateProfiles(DeviceOptions device, string key, IReadOnlyDictionary<string, DeviceProfile> profiles, string directory)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(profiles);
        if (device.Profile is { Length: > 0 } name && !profiles.ContainsKey(name))
        {
            var retired = RetiredProfiles.TryGetValue(name, out var replacement)
                ? $"; it is retired (a map PowerWatch invented, no real device speaks it): use '{replacement}'"
                : string.Empty;
            yield return new($"{key}:Profile", $"'{name}' is not a profile in {directory}{retired} (known: {string.Join(", ", profiles.Keys.Order(StringComparer.Ordinal))})");
        }
        else if (device.Profile is { Length: > 0 } other && profiles[other].Protocol != ProfileProtocol.Modbus)
        {
            yield return new($"{key}:Profile", $"'{other}' is a profile of protocol '{profiles[other].Protocol.ToString().ToLowerInvariant()}', not of a Modbus device: set Input to that protocol's input");
        }
    }

    public CreatedInput Create(DeviceOptions device, DeviceEndpoint endpoint, InputContext context)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        var profile = Profile(device, context.Profiles);
        var client = Client(device, endpoint, context);
        var workarounds = profile.Workarounds;
        var planner = new PlannerOptions
        {
            MaxRegistersPerRequest = Math.Min(device.Workarounds.MaxRegistersPerRequest ?? workarounds.MaxRegistersPerRequest, workarounds.MaxRegistersPerRequest),
            MaxGap = device.Workarounds.MaxGap,
            OneRequestPerField = device.Workarounds.OneRequestPerField || workarounds.OneRequestPerField,
        };
        var pause = device.Workarounds.PauseBetweenRequests > workarounds.PauseBetweenRequests ? device.Workarounds.PauseBetweenRequests : workarounds.PauseBetweenRequests;
        return new CreatedInput(new ModbusDeviceInput(device.Id, client, device.UnitId, profile, planner, pause, device.Retries, context.Transport), profile.Model);
    }

    /// <summary>
    /// The client, unit id and profile of the Modbus device <paramref name="deviceId"/> for allow-listed
    /// <c>modbus-write</c> actions: the endpoint's client from the pool, the one its poller uses. Null when the
    /// device is not a Modbus device of this configuration.
    /// </summary>
    internal static ModbusCommandTarget? FindTarget(string deviceId, InputContext context)
    {
        var device = context.Options.Devices.FirstOrDefault(d => d.Id == deviceId && d.Input == InputName);
        if (device is null || !DeviceEndpoint.TryParse(device.Endpoint, out var endpoint, out _) || device.Profile is null
            || !context.Profiles.TryGetValue(device.Profile, out var profile))
        {
            return null;
        }

        return new ModbusCommandTarget(Client(device, endpoint!, context), device.UnitId, profile);
    }

    private static DeviceProfile Profile(DeviceOptions device, IReadOnlyDictionary<string, DeviceProfile> profiles) =>
        device.Profile is not null && profiles.TryGetValue(device.Profile, out var profile)
            ? profile
            : throw new InvalidOperationException($"device '{device.Id}': profile '{device.Profile}' not found (known: {string.Join(", ", profiles.Keys.Order(StringComparer.Ordinal))})");

    /// <summary>
    /// The one client of the device's endpoint. Retries happen per device in the input (none for a suspect device);
    /// the client's timeout is the longest any device on this endpoint asked for.
    /// </summary>
    private static IModbusClient Client(DeviceOptions device, DeviceEndpoint endpoint, InputContext context) =>
        context.Clients.GetOrAdd("modbus " + endpoint.TransportKey, () => ModbusEndpoints.CreateClient(endpoint, device.Serial, new ModbusClientOptions
        {
            Timeout = context.Options.Devices
                .Where(d => d.Input == InputName && DeviceEndpoint.TryParse(d.Endpoint, out var e, out _) && e!.TransportKey == endpoint.TransportKey)
                .Max(d => d.Timeout),
            Retries = 0,
            TimeProvider = context.Transport,
        }));
}

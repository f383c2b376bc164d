using PowerWatch.Agent.Configuration;
using PowerWatch.Core.Profiles;
using PowerWatch.Snmp;

namespace PowerWatch.Agent.Inputs.Snmp;

/// <summary>The <c>snmp</c> input: a UPS card, rack PDU or rack ATS read over SNMP (<c>udp://host:161</c>) through an SNMP profile.</summary>
internal sealed class SnmpInputFactory : IInputFactory
{
    /// <summary>The input's name (<c>Devices:n:Input</c>).</summary>
    public const string InputName = "snmp";

    public string Name => InputName;

    public IEnumerable<ConfigProblem> Validate(DeviceOptions device, string key)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (string.IsNullOrWhiteSpace(device.Profile))
        {
            yield return new($"{key}:Profile", "required for snmp devices (e.g. ietf-ups-mib or apc-powernet-ups)");
        }

        if (DeviceEndpoint.TryParse(device.Endpoint, out var endpoint, out _) && endpoint!.Kind != EndpointKind.Udp)
        {
            yield return new($"{key}:Endpoint", $"'{device.Endpoint}': an snmp device is reached over UDP (udp://host:161)");
        }

        foreach (var (k, reason) in device.Snmp.Problems($"{key}:Snmp"))
        {
            yield return new(k, reason);
        }
    }

    public IEnumerable<ConfigProblem> ValidateProfiles(DeviceOptions device, string key, IReadOnlyDictionary<string, DeviceProfile> profiles, string directory)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(profiles);
        if (device.Profile is not { Length: > 0 } name)
        {
            yield break;
        }

        if (!profiles.TryGetValue(name, out var profile))
        {
            var known = profiles.Values.Where(p => p.Protocol == ProfileProtocol.Snmp).Select(p => p.Id).Order(StringComparer.Ordinal);
            yield return new($"{key}:Profile", $"'{name}' is not a profile in {directory} (SNMP profiles: {string.Join(", ", known)})");
        }
        else if (profile.Protocol != ProfileProtocol.Snmp)
        {
            yield return new($"{key}:Profile", $"'{name}' is a register profile, not an SNMP profile (\"protocol\": \"snmp\")");
        }
    }

    public CreatedInput Create(DeviceOptions device, DeviceEndpoint endpoint, InputContext context)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(context);
        var profile = context.Profiles[device.Profile!];
        var options = device.Snmp.ToClientOptions(device.Timeout, device.Retries, context.Transport);
        var client = new SnmpClient(endpoint.Host, endpoint.Port, options);
        var input = new SnmpDeviceInput(device.Id, endpoint.TransportKey, client, new SnmpProfileDecoder(profile, device.Id));
        SnmpTrapListener.Attach(input, device.Snmp.Community ?? string.Empty, context);
        return new CreatedInput(input, profile.Model);
    }
}

using PowerWatch.Agent.Configuration;

namespace PowerWatch.Agent.Inputs.Nut;

/// <summary>The <c>nut</c> input: a UPS served by NUT's upsd (<c>nut://host:port/ups</c>).</summary>
internal sealed class NutInputFactory : IInputFactory
{
    public string Name => "nut";

    public CreatedInput Create(DeviceOptions device, DeviceEndpoint endpoint, InputContext context)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(context);
        var client = context.Clients.GetOrAdd("nut " + endpoint.TransportKey,
            () => new NutClient(endpoint.Host, endpoint.Port, device.Username, device.Password, device.Timeout, context.Transport));
        return new CreatedInput(new NutDeviceInput(device.Id, endpoint.Path, client));
    }
}

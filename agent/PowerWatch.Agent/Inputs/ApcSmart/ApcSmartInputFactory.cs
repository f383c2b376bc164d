using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Inputs.SerialUps;

namespace PowerWatch.Agent.Inputs.ApcSmart;

/// <summary>The <c>apc-smart</c> input: an APC Smart-UPS speaking the Smart protocol over a serial line or a TCP serial server.</summary>
internal sealed class ApcSmartInputFactory : IInputFactory
{
    public string Name => "apc-smart";

    public CreatedInput Create(DeviceOptions device, DeviceEndpoint endpoint, InputContext context)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        return new CreatedInput(new ApcSmartInput(device.Id, SerialUpsLink.Connector(endpoint, device.Serial), device.Timeout, context.Transport));
    }
}

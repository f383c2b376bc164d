using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Inputs.SerialUps;

namespace PowerWatch.Agent.Inputs.MegatecQ1;

/// <summary>The <c>megatec-q1</c> input: a UPS speaking Megatec/Voltronic Q1 over a serial line or a TCP serial server.</summary>
internal sealed class MegatecQ1InputFactory : IInputFactory
{
    public string Name => "megatec-q1";

    public IEnumerable<ConfigProblem> Validate(DeviceOptions device, string key)
    {
        ArgumentNullException.ThrowIfNull(device);
        string? problem = null;
        try
        {
            device.MegatecQ1.ParseRuntimeCal();
        }
        catch (FormatException ex)
        {
            problem = ex.Message[(ex.Message.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        }

        return problem is null ? [] : [new ConfigProblem($"{key}:MegatecQ1:RuntimeCal", problem)];
    }

    public CreatedInput Create(DeviceOptions device, DeviceEndpoint endpoint, InputContext context)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        return new CreatedInput(new MegatecQ1Input(device.Id, SerialUpsLink.Connector(endpoint, device.Serial), device.MegatecQ1, device.Timeout, context.Transport, device.Workarounds.PauseAfterConnect));
    }
}

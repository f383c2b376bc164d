using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Inputs.ApcSmart;
using PowerWatch.Agent.Inputs.MegatecQ1;
using PowerWatch.Agent.Inputs.SerialUps;

namespace PowerWatch.Agent.Inputs;

/// <summary>Creates the serial UPS inputs (<c>megatec-q1</c>, <c>apc-smart</c>) for <see cref="Polling.AgentRuntime"/>.</summary>
public static class SerialUpsInputs
{
    /// <summary>Input names this factory knows.</summary>
    public static IReadOnlyList<string> Names { get; } = ["megatec-q1", "apc-smart"];

    /// <summary>
    /// The input for <paramref name="device"/>; <paramref name="q1"/> carries the Q1 battery-estimation options
    /// (defaults when null: charge from voltage, no runtime).
    /// </summary>
    public static IDeviceInput Create(DeviceOptions device, DeviceEndpoint endpoint, TimeProvider time, MegatecQ1Options? q1 = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        var connect = SerialUpsLink.Connector(endpoint, device.Serial);
        return device.Input switch
        {
            "megatec-q1" => new MegatecQ1Input(device.Id, connect, q1 ?? new MegatecQ1Options(), device.Timeout, time, device.Workarounds.PauseAfterConnect),
            "apc-smart" => new ApcSmartInput(device.Id, connect, device.Timeout, time),
            _ => throw new ArgumentException($"device '{device.Id}': input '{device.Input}' is not a serial UPS input", nameof(device)),
        };
    }
}

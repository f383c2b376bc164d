using PowerWatch.Agent.Configuration;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Agent.Inputs;

/// <summary>
/// One input protocol (<c>Devices:n:Input</c>): its name, the checks of a device's options that only this input
/// knows, and how to build the <see cref="IDeviceInput"/> of a device. Each input folder has one factory and adds
/// it with one line to <see cref="InputRegistry.BuiltIn"/>; nothing outside the folder names the input.
/// </summary>
internal interface IInputFactory
{
    /// <summary>The value of <c>Devices:n:Input</c> that selects this input.</summary>
    string Name { get; }

    /// <summary>Problems in the options of <paramref name="device"/> that only this input knows (key prefix <paramref name="key"/>, e.g. <c>PowerWatch:Devices:3</c>); none by default.</summary>
    IEnumerable<ConfigProblem> Validate(DeviceOptions device, string key) => [];

    /// <summary>Problems between <paramref name="device"/> and the loaded profiles (<paramref name="directory"/> named in messages); none by default (inputs without profiles).</summary>
    IEnumerable<ConfigProblem> ValidateProfiles(DeviceOptions device, string key, IReadOnlyDictionary<string, DeviceProfile> profiles, string directory) => [];

    /// <summary>Builds the input of one device; clients shared by an endpoint come from <see cref="InputContext.Clients"/>.</summary>
    CreatedInput Create(DeviceOptions device, DeviceEndpoint endpoint, InputContext context);
}

/// <summary>A device's input and the model name it reports when the configuration names none (a profile's model).</summary>
internal sealed record CreatedInput(IDeviceInput Input, string? Model = null);

/// <summary>What a factory may use to build an input: the whole configuration, the profiles, the shared clients and the clock of device I/O.</summary>
/// <param name="Options">The validated configuration (all devices: a shared client is sized for every device on its endpoint).</param>
/// <param name="Profiles">Loaded device profiles by id.</param>
/// <param name="Clients">The host's endpoint client pool (shared with the write actions).</param>
/// <param name="Transport">Clock of device I/O: timeouts, pauses, connect delays.</param>
internal sealed record InputContext(AgentOptions Options, IReadOnlyDictionary<string, DeviceProfile> Profiles, EndpointClientPool Clients, TimeProvider Transport);

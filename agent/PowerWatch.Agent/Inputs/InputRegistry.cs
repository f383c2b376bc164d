using PowerWatch.Agent.Inputs.ApcSmart;
using PowerWatch.Agent.Inputs.MegatecQ1;
using PowerWatch.Agent.Inputs.Modbus;
using PowerWatch.Agent.Inputs.Nut;
using PowerWatch.Agent.Inputs.Snmp;

namespace PowerWatch.Agent.Inputs;

/// <summary>
/// The inputs this build knows, by name. Immutable: a host (or a test) that needs another input builds its own
/// registry with <see cref="With"/> and registers it in place of <see cref="BuiltIn"/>.
/// </summary>
internal sealed class InputRegistry
{
    private readonly Dictionary<string, IInputFactory> _factories;

    public InputRegistry(IEnumerable<IInputFactory> factories)
    {
        ArgumentNullException.ThrowIfNull(factories);
        _factories = new(StringComparer.Ordinal);
        foreach (var f in factories)
        {
            if (!_factories.TryAdd(f.Name, f))
            {
                throw new ArgumentException($"input '{f.Name}' is registered twice", nameof(factories));
            }
        }
    }

    /// <summary>Every input shipped with the agent: one line per input folder.</summary>
    public static InputRegistry BuiltIn { get; } = new(
    [
        new ModbusInputFactory(),
        new NutInputFactory(),
        new MegatecQ1InputFactory(),
        new ApcSmartInputFactory(),
        new SnmpInputFactory(),
    ]);

    /// <summary>Input names, in registration order.</summary>
    public IReadOnlyList<string> Names => [.. _factories.Keys];

    /// <summary>The factory of <paramref name="name"/>, or null.</summary>
    public IInputFactory? Find(string name) => _factories.GetValueOrDefault(name);

    /// <summary>A registry with these inputs and <paramref name="factory"/>.</summary>
    public InputRegistry With(IInputFactory factory) => new([.. _factories.Values, factory]);
}

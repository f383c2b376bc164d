namespace PowerWatch.Simulators;

/// <summary>The <c>generator.state</c> values of the metric catalogue (DESIGN.md).</summary>
public enum GeneratorState
{
    Stopped,
    Starting,
    Cranking,
    Warming,
    Available,
    OnLoad,
    Cooling,
    Failed,
}

namespace PowerWatch.Core.Decoding;

/// <summary>
/// Derives <c>generator.state</c> (<see cref="GeneratorStates"/>) from what a controller reports. Pure.
/// Rules: any engine-stopping alarm → failed; otherwise by engine state: stopped/post-run → stopped, pre-start →
/// starting, warming-up → warming, running → on-load when the generator carries load (≥ 1 % or &gt; 0.1 kW) else
/// available, cooling-down → cooling. DSE does not distinguish cranking from pre-start, so this never yields
/// cranking; a simulator or a richer controller may.
/// </summary>
public static class GeneratorStateRules
{
    /// <summary>Load above which a running generator is "on-load", in % of full power.</summary>
    public const double OnLoadPercent = 1.0;

    /// <summary>Power above which a running generator is "on-load", in kW.</summary>
    public const double OnLoadKiloWatts = 0.1;

    /// <summary>The derived state, or null when the engine state is not one of <see cref="EngineStates"/>.</summary>
    public static string? Derive(string engineState, double? loadPercent, double? powerKiloWatts, double? shutdownAlarms)
    {
        if (shutdownAlarms is > 0)
        {
            return GeneratorStates.Failed;
        }

        return engineState switch
        {
            EngineStates.Stopped or EngineStates.PostRun => GeneratorStates.Stopped,
            EngineStates.PreStart => GeneratorStates.Starting,
            EngineStates.WarmingUp => GeneratorStates.Warming,
            EngineStates.Running => loadPercent >= OnLoadPercent || powerKiloWatts > OnLoadKiloWatts
                ? GeneratorStates.OnLoad
                : GeneratorStates.Available,
            EngineStates.CoolingDown => GeneratorStates.Cooling,
            _ => null,
        };
    }
}

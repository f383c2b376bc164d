namespace PowerWatch.Simulators;

/// <summary>Model-level generator faults (SPEC-DEVICES §10).</summary>
public enum GeneratorFault
{
    None,

    /// <summary>Every crank attempt fails; after the last one the fail-to-start shutdown alarm latches.</summary>
    FailToStart,

    /// <summary>Once available the frequency hunts with growing amplitude; outside ±5 % for the trip delay → shutdown.</summary>
    FailToStabilise,

    /// <summary>The load reads 120 % of rating while the generator is on load → kW overload electrical trip.</summary>
    Overload,

    /// <summary>Sets the fuel level to the low-fuel threshold (the alarm raises at once; the engine stops when empty).</summary>
    LowFuel,
}

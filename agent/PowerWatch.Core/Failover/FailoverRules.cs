namespace PowerWatch.Core.Failover;

/// <summary>Failover phase of one UPS. Wire names in <see cref="FailoverUpsState.Phase"/>.</summary>
public static class FailoverPhases
{
    public const string Normal = "normal";
    public const string UtilityLost = "utility-lost";
    public const string GeneratorStarting = "generator-starting";
    public const string GeneratorAvailable = "generator-available";
    public const string OnGenerator = "on-generator";
    public const string GeneratorUnavailable = "generator-unavailable";

    /// <summary>
    /// How urgently an operator must act in a phase (higher = sooner); a site's state is its most urgent UPS phase.
    /// An unknown phase ranks with utility-lost rather than below normal.
    /// </summary>
    public static int Urgency(string phase) => phase switch
    {
        GeneratorUnavailable => 5,
        UtilityLost => 4,
        GeneratorStarting => 3,
        GeneratorAvailable => 2,
        OnGenerator => 1,
        Normal => 0,
        _ => 4,
    };
}

/// <summary>Rule ids of the conditions the analyzer raises (alert ids are <c>{rule}:{device}</c>).</summary>
public static class FailoverRules
{
    public const string UtilityLost = "utility-lost";
    public const string GeneratorStartRequired = "generator-start-required";
    public const string GeneratorLate = "generator-late";
    public const string GeneratorFailedToStart = "generator-failed-to-start";
    public const string GeneratorUnstable = "generator-unstable";
    public const string TransferFailed = "ats-not-transferred";
    public const string MarginLow = "failover-margin";
    public const string DepletionBeforeGenerator = "battery-depletes-before-generator";
    public const string FuelHoursLow = "generator-fuel-hours";
    public const string GeneratorOverload = "generator-overload";
    public const string RuntimeDisagreement = "runtime-disagreement";
    public const string RetransferCompleted = "retransfer-completed";
    public const string LoadLost = "load-lost";
    public const string GeneratorFailedToStabilise = "generator-failed-to-stabilise";
    public const string GeneratorTripped = "generator-tripped";

    /// <summary>Every rule id the analyzer can raise (for shelving ahead and the docs).</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        UtilityLost, GeneratorStartRequired, GeneratorLate, GeneratorFailedToStart, GeneratorFailedToStabilise, GeneratorTripped,
        GeneratorUnstable, TransferFailed, MarginLow, DepletionBeforeGenerator, FuelHoursLow, GeneratorOverload, RuntimeDisagreement,
        RetransferCompleted, LoadLost,
    ];
}

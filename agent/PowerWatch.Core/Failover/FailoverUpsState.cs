using PowerWatch.Core.Alerts;

namespace PowerWatch.Core.Failover;

/// <summary>The failover picture of one UPS (the <c>failover</c> state: status API and MQTT).</summary>
public sealed record FailoverUpsState
{
    public required string Ups { get; init; }

    public string? Ats { get; init; }

    public string? Generator { get; init; }

    public required string Phase { get; init; }

    public bool UtilityLost { get; init; }

    public DateTimeOffset? UtilityLostAt { get; init; }

    public bool OnBattery { get; init; }

    public double? RuntimeReportedSeconds { get; init; }

    public double? RuntimeEstimatedSeconds { get; init; }

    /// <summary>observed | learned | none.</summary>
    public string RuntimeEstimateSource { get; init; } = "none";

    /// <summary>The more pessimistic of reported and estimated runtime (what the margin uses).</summary>
    public double? RuntimeUsedSeconds { get; init; }

    /// <summary>reported | estimate | none.</summary>
    public string RuntimeUsed { get; init; } = "none";

    /// <summary>Generator state text, or <c>unknown</c> when its readings are stale.</summary>
    public required string GeneratorState { get; init; }

    /// <summary>Seconds the generator still needs to carry the load; null = it cannot (failed, not in auto, unknown).</summary>
    public double? GeneratorNeedSeconds { get; init; }

    /// <summary>Runtime used − generator need; null when the generator cannot carry the load or runtime is unknown.</summary>
    public double? MarginSeconds { get; init; }

    public DateTimeOffset? StartDeadline { get; init; }

    /// <summary>When the battery is projected to be empty (on battery only).</summary>
    public DateTimeOffset? DepletionAt { get; init; }

    public double? FuelHoursRemaining { get; init; }

    /// <summary>normal | on-battery | at-risk | unknown | critical | load-lost (<see cref="Verdicts"/>).</summary>
    public string Verdict { get; init; } = Verdicts.Unknown;

    public int VerdictCode => Verdicts.Code(Verdict);

    /// <summary>Seconds until the battery is empty (the runtime used), only while on battery.</summary>
    public double? SecondsLeft { get; init; }

    /// <summary>Why the verdict is what it is, in one sentence with the values.</summary>
    public string Cause { get; init; } = "";

    /// <summary>The one thing to do now.</summary>
    public string Action { get; init; } = "";

    /// <summary>docs/runbook.md section for the verdict; null when nothing is wrong.</summary>
    public string? Runbook { get; init; }

    public DateTimeOffset At { get; init; }
}

/// <summary>What one evaluation produced: the per-UPS states, the active conditions and one-shot events.</summary>
/// <param name="Notes">Per alert id, what the condition is now (for an alert whose condition has ended: "what changed, the value now").</param>
public sealed record FailoverEvaluation(
    IReadOnlyList<FailoverUpsState> States,
    IReadOnlyList<AlertCondition> Conditions,
    IReadOnlyList<AlertCondition> Events,
    SiteVerdict Site,
    IReadOnlyDictionary<string, string> Notes);

using System.Globalization;

namespace PowerWatch.Core.Failover;

/// <summary>
/// The verdict on one UPS or on the site, worst last. Wire names in <see cref="FailoverUpsState.Verdict"/>, on MQTT
/// (<c>verdict</c>), in InfluxDB (<c>failover.verdict</c>) and in Prometheus as <see cref="Code"/>
/// (<c>powerwatch_site_verdict</c>): normal 0, on-battery 1, at-risk 2, unknown 3, critical 4, load-lost 5.
/// </summary>
public static class Verdicts
{
    /// <summary>Utility present (or the generator carries the load): nothing to do.</summary>
    public const string Normal = "normal";

    /// <summary>On battery; the generator is expected to take the load in time.</summary>
    public const string OnBattery = "on-battery";

    /// <summary>On battery and the margin is below its warning level, or the generator is late.</summary>
    public const string AtRisk = "at-risk";

    /// <summary>A device the verdict depends on is silent: never shown as safe.</summary>
    public const string Unknown = "unknown";

    /// <summary>The margin is below its critical level, or the generator cannot carry the load.</summary>
    public const string Critical = "critical";

    /// <summary>A UPS output is off (or every PDU it feeds is dead) while it should carry load.</summary>
    public const string LoadLost = "load-lost";

    /// <summary>Every verdict, best first (the index is the code).</summary>
    public static IReadOnlyList<string> All { get; } = [Normal, OnBattery, AtRisk, Unknown, Critical, LoadLost];

    /// <summary>Numeric code (higher = worse); an unrecognised name ranks as unknown, never as safe.</summary>
    public static int Code(string verdict) => verdict switch
    {
        Normal => 0,
        OnBattery => 1,
        AtRisk => 2,
        Critical => 4,
        LoadLost => 5,
        _ => 3,
    };
}

/// <summary>
/// The site's verdict: the worst UPS verdict (ties: the least time left), the time left to the first battery
/// depletion, the cause and the one action to take now, with the runbook section that explains it.
/// </summary>
public sealed record SiteVerdict
{
    public required string Verdict { get; init; }

    public int Code => Verdicts.Code(Verdict);

    /// <summary>Seconds until the first UPS battery of the site is empty (only while a UPS is on battery).</summary>
    public double? SecondsLeft { get; init; }

    public DateTimeOffset? DepletionAt { get; init; }

    /// <summary>Which runtime <see cref="SecondsLeft"/> is: reported, estimate (the lower of the two is used), or none.</summary>
    public string RuntimeSource { get; init; } = "none";

    public required string Cause { get; init; }

    public required string Action { get; init; }

    /// <summary>Runbook section (docs/runbook.md anchor) that explains the verdict; null when nothing is wrong.</summary>
    public string? Runbook { get; init; }

    /// <summary>The UPS whose verdict is the site's (null when no chain is configured).</summary>
    public string? Ups { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary>The site verdict from the per-UPS states (<c>unknown</c> when no power chain is configured).</summary>
    public static SiteVerdict From(IReadOnlyList<FailoverUpsState> states, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count == 0)
        {
            return new SiteVerdict
            {
                Verdict = Verdicts.Unknown,
                Cause = "No power chain is configured (Topology:Ats), so the agent cannot judge the site.",
                Action = "Configure the chain (ATS, generator, UPS) to get a verdict; until then read the devices below.",
                Runbook = "where-to-look",
                At = now,
            };
        }

        var worst = states.OrderByDescending(s => Verdicts.Code(s.Verdict)).ThenBy(s => s.SecondsLeft ?? double.MaxValue).First();
        var first = states.Where(s => s.SecondsLeft is not null).MinBy(s => s.SecondsLeft!.Value);
        return new SiteVerdict
        {
            Verdict = worst.Verdict,
            SecondsLeft = first?.SecondsLeft,
            DepletionAt = first?.DepletionAt,
            RuntimeSource = first?.RuntimeUsed ?? "none",
            Cause = worst.Cause,
            Action = worst.Action,
            Runbook = worst.Runbook,
            Ups = worst.Ups,
            At = now,
        };
    }
}

/// <summary>What one UPS's verdict is decided from (gathered by the analyzer for one evaluation).</summary>
internal readonly record struct VerdictInputs
{
    public required string Ups { get; init; }

    public required string Ats { get; init; }

    public string? Generator { get; init; }

    public bool UpsFresh { get; init; }

    public bool GeneratorFresh { get; init; }

    /// <summary>Why the load is lost (output off, PDUs dead), or null.</summary>
    public string? LoadLost { get; init; }

    public bool OnBattery { get; init; }

    public bool UtilityLost { get; init; }

    public bool OnGenerator { get; init; }

    public double? UtilityLostSeconds { get; init; }

    public required string GeneratorState { get; init; }

    public string? GeneratorMode { get; init; }

    /// <summary>The generator failure condition raised this evaluation (failed to start, to stabilise, tripped), or null.</summary>
    public string? GeneratorFailure { get; init; }

    public bool GeneratorLate { get; init; }

    public double? NeedSeconds { get; init; }

    public double? RuntimeSeconds { get; init; }

    public required string RuntimeSource { get; init; }

    public double? MarginSeconds { get; init; }
}

/// <summary>Decides one UPS's verdict, cause and action (pure).</summary>
internal static class VerdictRules
{
    private const string ShedAndShutdown = "Shed non-essential load now and start the orderly shutdown of hosts that cannot ride it out; send someone to the generator and the ATS.";

    public static (string Verdict, string Cause, string Action, string? Runbook) Decide(in VerdictInputs x, FailoverOptions o)
    {
        var gen = x.Generator ?? "(none)";
        if (!x.UpsFresh)
        {
            return (Verdicts.Unknown, $"No data from {x.Ups}: the agent cannot see its load or battery.",
                "Check the UPS at its front panel and its network/serial link; treat its load as at risk until data returns.", "comms-lost");
        }

        if (x.LoadLost is { } why)
        {
            return (Verdicts.LoadLost, $"Load lost on {x.Ups}: {why}.",
                "Restore power to the load: find why the UPS output is off, then restart hosts in order once power is stable.", "load-lost");
        }

        var onBatteryOutage = x.OnBattery || (x.UtilityLost && !x.OnGenerator);
        if (!onBatteryOutage)
        {
            return x.OnGenerator
                ? (Verdicts.Normal, $"Generator {gen} carries the load{Since(" since the utility was lost ", x.UtilityLostSeconds)}; {x.Ups} is on line.",
                    "Watch fuel, generator alarms and stability; confirm the generator on site.", "the-first-five-minutes-of-a-utility-outage")
                : (Verdicts.Normal, $"Utility present; {x.Ups} on line.", "No action needed.", null);
        }

        var left = x.RuntimeSeconds is { } r ? $"battery empty in {Duration(r)} ({x.RuntimeSource})" : "battery runtime unknown";
        if (x.Generator is not null && !x.GeneratorFresh)
        {
            return (Verdicts.Unknown, $"{x.Ups} on battery ({left}) and no data from generator {gen}: whether it will take the load is unknown.",
                "Send someone to the generator now to confirm it is starting; prepare to shed load.", "comms-lost");
        }

        if (x.NeedSeconds is null)
        {
            var why2 = x.Generator is null ? "no generator feeds " + x.Ats
                : x.GeneratorFailure is { } failure ? $"generator {gen} {Describe(failure)} (state {x.GeneratorState})"
                : $"generator {gen} cannot carry the load (state {x.GeneratorState}{(x.GeneratorMode is { } m && x.GeneratorState == "stopped" ? ", mode " + m : "")})";
            return (Verdicts.Critical, $"{Capital(why2)}; {x.Ups} on battery, {left}.", ShedAndShutdown, x.GeneratorFailure ?? FailoverRules.MarginLow);
        }

        if (x.RuntimeSeconds is null)
        {
            return (Verdicts.Unknown, $"{x.Ups} on battery and its runtime is unknown; generator {gen} {x.GeneratorState}.",
                "Read the runtime at the UPS front panel; prepare to shed load.", FailoverRules.MarginLow);
        }

        var m2 = x.MarginSeconds!.Value;
        var margin = $"margin {Duration(m2)}: {left}, generator {gen} needs {Duration(x.NeedSeconds.Value)} ({x.GeneratorState})";
        if (m2 < o.MarginCritical.TotalSeconds)
        {
            return (Verdicts.Critical, Capital(margin) + ".", ShedAndShutdown, m2 < 0 ? FailoverRules.DepletionBeforeGenerator : FailoverRules.MarginLow);
        }

        if (m2 < o.MarginWarning.TotalSeconds)
        {
            return (Verdicts.AtRisk, Capital(margin) + ".", "Shed non-essential load to stretch the runtime; send someone to the generator.", FailoverRules.MarginLow);
        }

        if (x.GeneratorLate)
        {
            return (Verdicts.AtRisk, $"Generator {gen} late: not available{Since(" ", x.UtilityLostSeconds)} after the utility loss ({x.GeneratorState}); {left}.",
                "Send someone to the generator; watch the margin.", FailoverRules.GeneratorLate);
        }

        return (Verdicts.OnBattery, $"Utility lost at {x.Ats}{Since(" ", x.UtilityLostSeconds)} ago; {x.Ups} on battery, {left}; generator {gen} {x.GeneratorState}, on load in about {Duration(x.NeedSeconds.Value)}.",
            "Watch the generator start and the transfer; no action needed if it takes the load.", "the-first-five-minutes-of-a-utility-outage");
    }

    /// <summary>"95 s", "4 min 05 s", "1 h 02 min".</summary>
    public static string Duration(double seconds)
    {
        var s = Math.Round(seconds);
        var sign = s < 0 ? "−" : "";
        s = Math.Abs(s);
        return s < 120 ? sign + s.ToString("0", CultureInfo.InvariantCulture) + " s"
            : s < 7200 ? string.Create(CultureInfo.InvariantCulture, $"{sign}{Math.Floor(s / 60):0} min {s % 60:00} s")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}{Math.Floor(s / 3600):0} h {Math.Floor(s % 3600 / 60):00} min");
    }

    private static string Since(string prefix, double? seconds) => seconds is { } s ? prefix + Duration(s) : "";

    private static string Describe(string failureRule) => failureRule switch
    {
        FailoverRules.GeneratorFailedToStart => "failed to start",
        FailoverRules.GeneratorFailedToStabilise => "failed to stabilise",
        FailoverRules.GeneratorTripped => "tripped",
        _ => "failed",
    };

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}

using PowerWatch.Core.Failover;

namespace PowerWatch.Core.Alerts;

/// <summary>Finds the alert another alert is a consequence of.</summary>
public interface IAlertCauses
{
    /// <summary>The id of the active alert that <c>{rule}:{device}</c> is a consequence of, or null (a root cause).</summary>
    string? CauseOf(string rule, string device, Func<string, bool> isActive);
}

/// <summary>
/// Causes derived from the configured power chain (utility → ATS ← generator; ATS → UPS → PDUs), not from a list
/// kept per alert: a consequence folds under the first ACTIVE alert upstream of it that explains it.
/// <list type="bullet">
/// <item>Generator: late, start-required, the controller's failed / shutdown / alarm flags and instability fold under
/// the analyzer's failure (failed to start, failed to stabilise, tripped) of the same generator.</item>
/// <item>UPS during an outage of its ATS: margin, depletion-before-generator, runtime low, low battery and the charge
/// projection fold under what keeps the generator from the load (its failure, then the ATS not transferring, then
/// the generator left out of auto or late); without one of those they fold under the UPS's own failover margin. On
/// battery folds under the utility loss.</item>
/// <item>Overload: the UPS's overload flag and bypass fold under its high load; a PDU's overload under its UPS's.</item>
/// <item>A PDU that goes silent or dead folds under the load loss of the UPS feeding it.</item>
/// </list>
/// The relation is acyclic by construction: a cause is always an alert of a rule ranked before (upstream of) the
/// consequence, and a root (utility lost, generator failure, load lost, comms lost of a UPS …) has no cause.
/// </summary>
public sealed class ChainCauses : IAlertCauses
{
    private static readonly string[] GeneratorFailures =
    [
        FailoverRules.GeneratorFailedToStart, FailoverRules.GeneratorFailedToStabilise, FailoverRules.GeneratorTripped,
    ];

    private static readonly HashSet<string> GeneratorConsequences = new(StringComparer.Ordinal)
    {
        FailoverRules.GeneratorLate, FailoverRules.GeneratorStartRequired, FailoverRules.GeneratorUnstable,
        "generator-failed", "generator-shutdown-alarm", "generator-alarm",
    };

    private static readonly HashSet<string> BatteryConsequences = new(StringComparer.Ordinal)
    {
        FailoverRules.MarginLow, FailoverRules.DepletionBeforeGenerator, "ups-runtime-low", "ups-low-battery", "ups-charge-projection",
    };

    private readonly Dictionary<string, FailoverChain> _chainOfUps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FailoverChain> _chainOfGenerator = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _upsOfPdu = new(StringComparer.Ordinal);

    public ChainCauses(IEnumerable<FailoverChain> chains, IReadOnlyDictionary<string, IReadOnlyList<string>>? pdus = null)
    {
        ArgumentNullException.ThrowIfNull(chains);
        foreach (var chain in chains)
        {
            foreach (var ups in chain.Ups)
            {
                _chainOfUps[ups] = chain;
            }

            if (chain.Generator is not null)
            {
                _chainOfGenerator[chain.Generator] = chain;
            }
        }

        foreach (var (ups, list) in pdus ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            foreach (var pdu in list)
            {
                _upsOfPdu[pdu] = ups;
            }
        }
    }

    public string? CauseOf(string rule, string device, Func<string, bool> isActive)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(isActive);
        string? First(string dev, params ReadOnlySpan<string> rules)
        {
            foreach (var r in rules)
            {
                var id = AlertIds.Make(r, dev);
                if (r != rule || dev != device)
                {
                    if (isActive(id))
                    {
                        return id;
                    }
                }
                else
                {
                    // Only rules ranked before this one can be its cause.
                    return null;
                }
            }

            return null;
        }

        if (GeneratorConsequences.Contains(rule) && _chainOfGenerator.ContainsKey(device))
        {
            // The controller's generic "alarm active" flag (a low-fuel or maintenance warning that may predate the
            // outage) explains neither the start request nor a late start: only failures do.
            return rule is FailoverRules.GeneratorStartRequired or FailoverRules.GeneratorLate
                ? First(device, [.. GeneratorFailures, "generator-failed", "generator-shutdown-alarm", FailoverRules.GeneratorUnstable, FailoverRules.GeneratorLate, FailoverRules.GeneratorStartRequired])
                : First(device, [.. GeneratorFailures, "generator-failed", "generator-shutdown-alarm", FailoverRules.GeneratorUnstable, "generator-alarm",
                    FailoverRules.GeneratorLate, FailoverRules.GeneratorStartRequired]);
        }

        if (_chainOfUps.TryGetValue(device, out var chain))
        {
            if (rule == "ups-on-battery")
            {
                return First(chain.Ats, FailoverRules.UtilityLost, FailoverRules.TransferFailed, "ats-neutral");
            }

            if (BatteryConsequences.Contains(rule))
            {
                // During an outage (utility lost, or this UPS on battery) the battery runs down because the generator
                // is not taking the load: its failure, the ATS not transferring, the generator left out of auto, or late.
                var outage = isActive(AlertIds.Make(FailoverRules.UtilityLost, chain.Ats)) || isActive(AlertIds.Make("ups-on-battery", device));
                string? upstream = null;
                if (outage)
                {
                    upstream = chain.Generator is { } gen ? First(gen, [.. GeneratorFailures]) : null;
                    upstream ??= First(chain.Ats, FailoverRules.TransferFailed);
                    upstream ??= chain.Generator is { } g2 ? First(g2, "generator-not-auto", FailoverRules.GeneratorLate) : null;
                }

                return upstream ?? (rule == FailoverRules.MarginLow ? null : First(device, FailoverRules.MarginLow, rule));
            }

            if (rule is "ups-overload-flag" or "ups-bypass")
            {
                return First(device, "ups-overload", "ups-overload-flag", "ups-bypass");
            }

            return null;
        }

        if (_upsOfPdu.TryGetValue(device, out var feeding))
        {
            return rule switch
            {
                "pdu-overload" => First(feeding, "ups-overload", "ups-overload-flag"),
                "comms-lost" => First(feeding, FailoverRules.LoadLost),
                _ => null,
            };
        }

        if (rule == "ats-neutral")
        {
            return First(device, FailoverRules.TransferFailed);
        }

        return null;
    }
}

using PowerWatch.Core;
using PowerWatch.SerialUps.ApcSmart;

namespace PowerWatch.Agent.Inputs.ApcSmart;

/// <summary>
/// What APC Smart status bits and alert characters (wire formats in PowerWatch.SerialUps) mean as NUT
/// <c>ups.status</c> tokens (NUT-AS; SPEC-DEVICES §6).
/// </summary>
internal static class ApcSmartUpsStatus
{
    /// <summary><c>Q</c>: two hex digits → NUT tokens by bit (0 CAL, 1 TRIM, 2 BOOST, 3 OL, 4 OB, 5 OVER, 6 LB, 7 RB); null when malformed.</summary>
    public static UpsStatus? Parse(string reply)
    {
        if (ApcSmartProtocol.ParseStatusBits(reply) is not { } bits)
        {
            return null;
        }

        var tokens = new List<string>(4);
        for (var bit = 0; bit < 8; bit++)
        {
            if ((bits & (1 << bit)) != 0)
            {
                tokens.Add(ApcSmartFields.StatusBits[bit]);
            }
        }

        return UpsStatus.From(tokens);
    }

    /// <summary>How an alert changes <c>ups.status</c> (NUT-AS <c>alert_handler</c>); alerts without a status meaning return it unchanged.</summary>
    public static UpsStatus Apply(UpsStatus status, ApcSmartAlert alert)
    {
        ArgumentNullException.ThrowIfNull(status);
        return alert switch
        {
            ApcSmartAlert.LineFail => status.Without(UpsStatusTokens.OnLine).With(UpsStatusTokens.OnBattery),
            ApcSmartAlert.BackOnLine => status.Without(UpsStatusTokens.OnBattery).With(UpsStatusTokens.OnLine),
            ApcSmartAlert.LowBattery => status.With(UpsStatusTokens.LowBattery),
            ApcSmartAlert.LowBatteryCleared => status.Without(UpsStatusTokens.LowBattery),
            ApcSmartAlert.Abnormal => status.With(UpsStatusTokens.Overload),
            ApcSmartAlert.AbnormalCleared => status.Without(UpsStatusTokens.Overload),
            ApcSmartAlert.ReplaceBattery => status.With(UpsStatusTokens.ReplaceBattery),
            ApcSmartAlert.TurningOff => status.With(UpsStatusTokens.ForcedShutdown),
            _ => status,
        };
    }
}

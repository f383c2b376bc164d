using System.Globalization;
using System.Text;
using PowerWatch.Core;

namespace PowerWatch.Agent.Inputs.ApcSmart;

/// <summary>Unsolicited APC Smart alert characters (SPEC §6; AU-DOC, NUT-AS <c>alert_handler</c>). Values are the wire bytes.</summary>
public enum ApcSmartAlert
{
    /// <summary><c>!</c> line fail, on battery (repeats every 30 s until low battery).</summary>
    LineFail = '!',

    /// <summary><c>$</c> back on line.</summary>
    BackOnLine = '$',

    /// <summary><c>%</c> low battery.</summary>
    LowBattery = '%',

    /// <summary><c>+</c> low battery cleared.</summary>
    LowBatteryCleared = '+',

    /// <summary><c>?</c> abnormal condition (overload, low-battery shutdown); NUT sets OVER.</summary>
    Abnormal = '?',

    /// <summary><c>=</c> abnormal condition cleared; NUT clears OVER.</summary>
    AbnormalCleared = '=',

    /// <summary><c>*</c> about to turn off the load; no commands after this.</summary>
    TurningOff = '*',

    /// <summary><c>#</c> replace battery (repeats every 5 h).</summary>
    ReplaceBattery = '#',

    /// <summary><c>&amp;</c> Measure-UPS alarm.</summary>
    MeasureUpsAlarm = '&',

    /// <summary><c>|</c> an EEPROM variable changed.</summary>
    EepromChanged = '|',
}

/// <summary>
/// APC Smart wire formats (SPEC §6). Pure: reply text in, values out. Commands are single bytes (<c>^A</c> = 0x01).
/// </summary>
public static class ApcSmartProtocol
{
    /// <summary>Enter smart mode; the UPS answers <c>SM</c>.</summary>
    public const byte SmartMode = (byte)'Y';

    /// <summary><c>^A</c>: model.</summary>
    public const byte Model = 0x01;

    /// <summary>The reply to a command the UPS does not support.</summary>
    public const string NotAvailable = "NA";

    /// <summary>The reply to <c>Y</c> (and what a UPS that fell out of smart mode answers to a read).</summary>
    public const string SmartModeReply = "SM";

    /// <summary>True for one of the ten alert characters.</summary>
    public static bool IsAlert(byte b) => b is (byte)'!' or (byte)'$' or (byte)'%' or (byte)'+' or (byte)'?' or (byte)'=' or (byte)'*' or (byte)'#' or (byte)'&' or (byte)'|';

    /// <summary>A numeric reply such as <c>099.0</c>, <c>27.87</c>, <c>024</c>; null when it is not a number.</summary>
    public static double? ParseNumber(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return double.TryParse(reply, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary><c>j</c>: minutes terminated by ':' (<c>0327:</c>) → seconds (19620); null when malformed.</summary>
    public static double? ParseRuntimeSeconds(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var text = reply.EndsWith(':') ? reply[..^1] : reply;
        return text.Length > 0 && double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var minutes) ? minutes * 60 : null;
    }

    /// <summary><c>Q</c>: two hex digits → NUT tokens by bit (0 CAL, 1 TRIM, 2 BOOST, 3 OL, 4 OB, 5 OVER, 6 LB, 7 RB); null when malformed.</summary>
    public static UpsStatus? ParseStatus(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Length != 2 || !byte.TryParse(reply, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits))
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

/// <summary>
/// Splits the APC Smart byte stream into reply lines (LF-terminated, CR ignored, as NUT reads) and alert
/// characters, which may arrive anywhere: between replies, before a reply, or in the middle of one. Pure.
/// </summary>
public sealed class ApcSmartFramer
{
    private const int MaxLine = 64;
    private readonly StringBuilder _line = new(MaxLine);

    /// <summary>Consumes <paramref name="data"/>, reporting each alert and each complete line in stream order.</summary>
    public void Feed(ReadOnlySpan<byte> data, Action<ApcSmartAlert> alert, Action<string> line)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(line);
        foreach (var b in data)
        {
            if (ApcSmartProtocol.IsAlert(b))
            {
                alert((ApcSmartAlert)b);
            }
            else if (b == '\n')
            {
                line(_line.ToString());
                _line.Clear();
            }
            else if (b != '\r' && _line.Length < MaxLine)
            {
                _line.Append((char)b);
            }
        }
    }

    /// <summary>Bytes of an unfinished line (for error messages).</summary>
    public string Pending => _line.ToString();

    /// <summary>Forgets an unfinished line.</summary>
    public void Reset() => _line.Clear();
}

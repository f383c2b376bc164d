using System.Globalization;
using System.Text;

namespace PowerWatch.SerialUps.ApcSmart;

/// <summary>
/// APC Smart wire formats (SPEC-DEVICES §6). Pure. The client's half: commands are single bytes (<c>^A</c> = 0x01),
/// reply text in, values out. The UPS's half: reply lines out (<see cref="Line"/>), status bits formatted.
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

    /// <summary>Leave smart mode; the UPS answers <c>BYE</c>.</summary>
    public const byte LeaveSmartMode = (byte)'R';

    /// <summary>The reply to <c>R</c>.</summary>
    public const string LeaveSmartModeReply = "BYE";

    /// <summary>The reply to a command the UPS carried out (<c>W</c>, <c>A</c>, <c>S</c>, <c>K</c>…).</summary>
    public const string Ok = "OK";

    /// <summary>The reply to a command the UPS refused (<c>S</c> on line, a self-test it cannot run).</summary>
    public const string No = "NO";

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

    /// <summary>
    /// <c>Q</c>: two hex digits → the status bits (§6: 0 runtime calibration, 1 SmartTrim, 2 SmartBoost, 3 on line,
    /// 4 on battery, 5 overloaded output, 6 battery low, 7 replace battery); null when malformed.
    /// </summary>
    public static byte? ParseStatusBits(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.Length == 2 && byte.TryParse(reply, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits) ? bits : null;
    }

    /// <summary><c>j</c> as the UPS sends it: whole minutes (0–9999), four digits and ':' (19620 s → <c>0327:</c>).</summary>
    public static string FormatRuntime(double seconds) => F("{0:0000}:", Math.Clamp(Math.Floor(seconds / 60), 0, 9999));

    /// <summary>A reply such as <c>f</c>, <c>L</c>, <c>O</c>, <c>P</c>, <c>C</c>: <c>000.0</c>, clamped to 0–999.9 (§6: <c>118.3</c>, <c>023.5</c>).</summary>
    public static string FormatTenths(double value) => F("{0:000.0}", Math.Clamp(value, 0, 999.9));

    /// <summary>A reply such as <c>F</c>: <c>00.00</c>, clamped to 0–99.99 (§6: <c>60.00</c>).</summary>
    public static string FormatHundredths(double value) => F("{0:00.00}", Math.Clamp(value, 0, 99.99));

    /// <summary><c>B</c>: <c>00.00</c> below 100 V (§6: <c>27.87</c>), else <c>000.0</c> up to 999.9.</summary>
    public static string FormatBatteryVoltage(double volts) => volts < 99.995 ? F("{0:00.00}", Math.Max(0, volts)) : F("{0:000.0}", Math.Min(999.9, volts));

    /// <summary>A whole-number reply zero-padded to <paramref name="digits"/> (<c>g</c> → <c>024</c>, <c>q</c> → <c>02</c>); the caller clamps.</summary>
    public static string FormatWhole(double value, int digits) => value.ToString(new string('0', digits), CultureInfo.InvariantCulture);

    /// <summary>The <c>Q</c> reply for <paramref name="bits"/>: two upper-case hex digits (<c>08</c> on line).</summary>
    public static string FormatStatusBits(byte bits) => bits.ToString("X2", CultureInfo.InvariantCulture);

    /// <summary>A reply line as the UPS sends it: the text followed by CR LF (§6).</summary>
    public static byte[] Line(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new byte[text.Length + 2];
        Encoding.ASCII.GetBytes(text, bytes);
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    private static string F(string format, double value) => string.Format(CultureInfo.InvariantCulture, format, value);
}

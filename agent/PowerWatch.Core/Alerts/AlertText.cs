using System.Globalization;

namespace PowerWatch.Core.Alerts;

/// <summary>How alert messages show numbers and name their alert.</summary>
internal static class AlertText
{
    /// <summary>A number with at most two decimals, invariant culture.</summary>
    public static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    public static string WithUnit(double v, string? unit) => string.IsNullOrEmpty(unit) ? F(v) : F(v) + " " + unit;

    /// <summary>The rule's description (or id) and the device: "UPS load high (ups)".</summary>
    public static string Prefix(AlertRule rule, string device) =>
        (string.IsNullOrEmpty(rule.Description) ? rule.Id : rule.Description) + " (" + device + ")";

    /// <summary>The part of a message before its first ": " (the alert's title, e.g. "Generator late (gen-1)").</summary>
    public static string Head(string message)
    {
        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 ? message[..colon] : message;
    }
}

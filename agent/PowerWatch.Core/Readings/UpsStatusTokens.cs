using System.Collections.Frozen;
using System.Collections.Immutable;

namespace PowerWatch.Core;

/// <summary>
/// NUT <c>ups.status</c> tokens (Network UPS Tools "status data"). Wire-visible: frozen by tests.
/// </summary>
public static class UpsStatusTokens
{
    /// <summary>On line (mains powering the load).</summary>
    public const string OnLine = "OL";

    /// <summary>On battery.</summary>
    public const string OnBattery = "OB";

    /// <summary>Low battery.</summary>
    public const string LowBattery = "LB";

    /// <summary>High battery.</summary>
    public const string HighBattery = "HB";

    /// <summary>Replace battery.</summary>
    public const string ReplaceBattery = "RB";

    /// <summary>Battery charging.</summary>
    public const string Charging = "CHRG";

    /// <summary>Battery discharging.</summary>
    public const string Discharging = "DISCHRG";

    /// <summary>On bypass.</summary>
    public const string Bypass = "BYPASS";

    /// <summary>Runtime calibration in progress.</summary>
    public const string Calibrating = "CAL";

    /// <summary>Output off.</summary>
    public const string Off = "OFF";

    /// <summary>Overloaded.</summary>
    public const string Overload = "OVER";

    /// <summary>Trimming (reducing high input voltage).</summary>
    public const string Trim = "TRIM";

    /// <summary>Boosting (raising low input voltage).</summary>
    public const string Boost = "BOOST";

    /// <summary>Forced shutdown.</summary>
    public const string ForcedShutdown = "FSD";

    /// <summary>An alarm is active.</summary>
    public const string Alarm = "ALARM";

    /// <summary>Self-test in progress.</summary>
    public const string Test = "TEST";

    /// <summary>Every token PowerWatch knows, in canonical formatting order.</summary>
    public static ImmutableArray<string> Known { get; } =
    [
        OnLine, OnBattery, LowBattery, HighBattery, ReplaceBattery, Charging, Discharging, Bypass,
        Calibrating, Off, Overload, Trim, Boost, ForcedShutdown, Alarm, Test,
    ];

    private static readonly FrozenDictionary<string, int> Order =
        Known.Select((t, i) => KeyValuePair.Create(t, i)).ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>True for a token in <see cref="Known"/> (exact, upper case).</summary>
    public static bool IsKnown(string token) => Order.ContainsKey(token);

    internal static int OrderOf(string token) => Order.TryGetValue(token, out var i) ? i : int.MaxValue;
}

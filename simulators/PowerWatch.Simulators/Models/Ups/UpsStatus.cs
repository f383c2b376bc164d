namespace PowerWatch.Simulators;

/// <summary>UPS status as a set of flags; <see cref="UpsStatusMapping"/> renders NUT tokens and device bit fields.</summary>
[Flags]
public enum UpsStatus
{
    None = 0,
    Online = 1 << 0,
    OnBattery = 1 << 1,
    LowBattery = 1 << 2,
    ReplaceBattery = 1 << 3,
    Bypass = 1 << 4,
    Charging = 1 << 5,
    Discharging = 1 << 6,
    Off = 1 << 7,
    ForcedShutdown = 1 << 8,
    TestInProgress = 1 << 9,
    Overload = 1 << 10,
    Trim = 1 << 11,
    Boost = 1 << 12,
    Fault = 1 << 13,
    InputBad = 1 << 14,
}

/// <summary>Event data for <see cref="Ups.StatusChanged"/> (e.g. APC Smart unsolicited alert characters).</summary>
public sealed class UpsStatusChangedEventArgs(UpsStatus previous, UpsStatus current, TimeSpan elapsed) : EventArgs
{
    public UpsStatus Previous { get; } = previous;

    public UpsStatus Current { get; } = current;

    public TimeSpan Elapsed { get; } = elapsed;
}

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// DSE GenComm register 774, control-unit status flags (SPEC-DEVICES §3.2). DSE numbers the bits "n/16" counting
/// from 1, with 16/16 the most significant bit, so flag n/16 is bit n − 1 (0 = LSB). Flags this simulator does not
/// model (telemetry alarm 10/16 = bit 9, control-unit failure 14/16 = bit 13, "not configured", uncertain) stay 0.
/// </summary>
public static class DseStatusFlags
{
    /// <summary>7/16: controlled-shutdown alarm present.</summary>
    public const ushort ControlledShutdownAlarm = 1 << 6;

    /// <summary>11/16: warning alarm present.</summary>
    public const ushort WarningAlarm = 1 << 10;

    /// <summary>12/16: electrical-trip alarm present.</summary>
    public const ushort ElectricalTripAlarm = 1 << 11;

    /// <summary>13/16: shutdown alarm present.</summary>
    public const ushort ShutdownAlarm = 1 << 12;

    /// <summary>Register 774 for the alarms present.</summary>
    public static ushort Encode(bool shutdown, bool electricalTrip, bool warning, bool controlledShutdown) => (ushort)(
        (shutdown ? ShutdownAlarm : 0)
        | (electricalTrip ? ElectricalTripAlarm : 0)
        | (warning ? WarningAlarm : 0)
        | (controlledShutdown ? ControlledShutdownAlarm : 0));
}

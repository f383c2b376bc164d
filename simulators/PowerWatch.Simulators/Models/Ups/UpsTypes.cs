namespace PowerWatch.Simulators;

/// <summary>Operating state of the UPS output.</summary>
public enum UpsMode
{
    Online,
    OnBattery,
    Bypass,
    Off,
}

/// <summary>Model-level UPS faults.</summary>
public enum UpsFault
{
    None,

    /// <summary>Inverter failed: general fault; the load goes to bypass while the input is acceptable, otherwise drops.</summary>
    Inverter,

    /// <summary>Battery disconnected: no runtime; replace-battery indication; the load drops if the input fails.</summary>
    BatteryDisconnected,
}

/// <summary>Result of the last battery self-test (APC register 23 result bits; Smart <c>X</c> reply).</summary>
public enum SelfTestResult
{
    None,
    InProgress,
    Passed,
    Failed,
    Refused,
}

/// <summary>Why the UPS last went to battery (APC register 2 / Smart <c>G</c>).</summary>
public enum TransferCause
{
    None,
    LowInputVoltage,
    HighInputVoltage,
    InputFrequency,
    SelfTest,
}

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

/// <summary>
/// Maps <see cref="UpsStatus"/> to the wire: NUT tokens (DESIGN.md names), APC Modbus UPSStatus_BF (§2.3) and
/// SimpleSignalingStatus_BF (§2.2 reg 18), APC Smart <c>Q</c> byte (§6), Megatec Q1 bits b7…b0 (§5).
/// </summary>
public static class UpsStatusMapping
{
    /// <summary>NUT status tokens in NUT's usual order: OL OB LB RB BYPASS CHRG DISCHRG OFF FSD CAL OVER TRIM BOOST ALARM.</summary>
    public static IReadOnlyList<string> ToNutTokens(UpsStatus status)
    {
        var tokens = new List<string>(4);
        Add(UpsStatus.Online, "OL");
        Add(UpsStatus.OnBattery, "OB");
        Add(UpsStatus.LowBattery, "LB");
        Add(UpsStatus.ReplaceBattery, "RB");
        Add(UpsStatus.Bypass, "BYPASS");
        Add(UpsStatus.Charging, "CHRG");
        Add(UpsStatus.Discharging, "DISCHRG");
        Add(UpsStatus.Off, "OFF");
        Add(UpsStatus.ForcedShutdown, "FSD");
        Add(UpsStatus.TestInProgress, "CAL");
        Add(UpsStatus.Overload, "OVER");
        Add(UpsStatus.Trim, "TRIM");
        Add(UpsStatus.Boost, "BOOST");
        Add(UpsStatus.Fault, "ALARM");
        return tokens;

        void Add(UpsStatus flag, string token)
        {
            if ((status & flag) != 0)
            {
                tokens.Add(token);
            }
        }
    }

    /// <summary>APC UPSStatus_BF (registers 0–1 as one u32): 1 OL, 2 OB, 3 bypass, 4 output off, 5 fault, 6 input bad, 7 test, 9 pending off, 21 overload.</summary>
    public static uint ToApcStatusBits(UpsStatus status)
    {
        uint bits = 0;
        Set(UpsStatus.Online, 1);
        Set(UpsStatus.OnBattery, 2);
        Set(UpsStatus.Bypass, 3);
        Set(UpsStatus.Off, 4);
        Set(UpsStatus.Fault, 5);
        Set(UpsStatus.InputBad, 6);
        Set(UpsStatus.TestInProgress, 7);
        Set(UpsStatus.ForcedShutdown, 9);
        Set(UpsStatus.Overload, 21);
        return bits;

        void Set(UpsStatus flag, int bit)
        {
            if ((status & flag) != 0)
            {
                bits |= 1u << bit;
            }
        }
    }

    /// <summary>APC SimpleSignalingStatus_BF (register 18): bit 0 power failure (on battery), bit 1 shutdown imminent (low battery).</summary>
    public static ushort ToApcSimpleSignalingBits(UpsStatus status) =>
        (ushort)(((status & UpsStatus.OnBattery) != 0 ? 1 : 0) | ((status & UpsStatus.LowBattery) != 0 ? 2 : 0));

    /// <summary>APC Smart <c>Q</c> byte: 0 calibration, 1 trim, 2 boost, 3 on line, 4 on battery, 5 overload, 6 battery low, 7 replace battery.</summary>
    public static byte ToApcSmartStatusByte(UpsStatus status)
    {
        var b = 0;
        if ((status & UpsStatus.TestInProgress) != 0)
        {
            b |= 1 << 0;
        }

        if ((status & UpsStatus.Trim) != 0)
        {
            b |= 1 << 1;
        }

        if ((status & UpsStatus.Boost) != 0)
        {
            b |= 1 << 2;
        }

        if ((status & (UpsStatus.Online | UpsStatus.Bypass)) != 0)
        {
            b |= 1 << 3;
        }

        if ((status & UpsStatus.OnBattery) != 0)
        {
            b |= 1 << 4;
        }

        if ((status & UpsStatus.Overload) != 0)
        {
            b |= 1 << 5;
        }

        if ((status & UpsStatus.LowBattery) != 0)
        {
            b |= 1 << 6;
        }

        if ((status & UpsStatus.ReplaceBattery) != 0)
        {
            b |= 1 << 7;
        }

        return (byte)b;
    }

    /// <summary>
    /// Megatec Q1 status bits as a byte (b7 utility fail, b6 battery low, b5 bypass/boost/buck, b4 UPS failed,
    /// b3 standby type (0 here: on-line), b2 test in progress, b1 shutdown active, b0 beeper on).
    /// </summary>
    public static byte ToQ1StatusBits(UpsStatus status, bool beeperOn)
    {
        var b = 0;
        if ((status & UpsStatus.OnBattery) != 0)
        {
            b |= 1 << 7;
        }

        if ((status & UpsStatus.LowBattery) != 0)
        {
            b |= 1 << 6;
        }

        if ((status & (UpsStatus.Bypass | UpsStatus.Boost | UpsStatus.Trim)) != 0)
        {
            b |= 1 << 5;
        }

        if ((status & UpsStatus.Fault) != 0)
        {
            b |= 1 << 4;
        }

        if ((status & UpsStatus.TestInProgress) != 0)
        {
            b |= 1 << 2;
        }

        if ((status & UpsStatus.ForcedShutdown) != 0)
        {
            b |= 1 << 1;
        }

        if (beeperOn)
        {
            b |= 1;
        }

        return (byte)b;
    }
}

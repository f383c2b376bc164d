using NutTokens = PowerWatch.Core.UpsStatusTokens;

namespace PowerWatch.Simulators;

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
        Add(UpsStatus.Online, NutTokens.OnLine);
        Add(UpsStatus.OnBattery, NutTokens.OnBattery);
        Add(UpsStatus.LowBattery, NutTokens.LowBattery);
        Add(UpsStatus.ReplaceBattery, NutTokens.ReplaceBattery);
        Add(UpsStatus.Bypass, NutTokens.Bypass);
        Add(UpsStatus.Charging, NutTokens.Charging);
        Add(UpsStatus.Discharging, NutTokens.Discharging);
        Add(UpsStatus.Off, NutTokens.Off);
        Add(UpsStatus.ForcedShutdown, NutTokens.ForcedShutdown);
        Add(UpsStatus.TestInProgress, NutTokens.Calibrating);
        Add(UpsStatus.Overload, NutTokens.Overload);
        Add(UpsStatus.Trim, NutTokens.Trim);
        Add(UpsStatus.Boost, NutTokens.Boost);
        Add(UpsStatus.Fault, NutTokens.Alarm);
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

namespace PowerWatch.Core;

/// <summary>
/// Megatec / Voltronic "Q1" reply fields (SPEC §5) → metric names, for the serial input's parser.
/// Names only; the parser lives with the serial input.
/// </summary>
public static class Q1Fields
{
    /// <summary>Cols 1–5 MMM.M.</summary>
    public const string InputVoltage = MetricNames.InputVoltage;

    /// <summary>Cols 7–11 NNN.N.</summary>
    public const string InputFaultVoltage = "input.voltage.fault";

    /// <summary>Cols 13–17 PPP.P.</summary>
    public const string OutputVoltage = MetricNames.OutputVoltage;

    /// <summary>Cols 19–21 QQQ, % of rated current.</summary>
    public const string Load = MetricNames.UpsLoad;

    /// <summary>Cols 23–26 RR.R.</summary>
    public const string InputFrequency = MetricNames.InputFrequency;

    /// <summary>Cols 28–31 S.SS or SS.S (per-cell or pack [U]).</summary>
    public const string BatteryVoltage = MetricNames.BatteryVoltage;

    /// <summary>Cols 33–36 TT.T.</summary>
    public const string Temperature = MetricNames.UpsTemperature;

    /// <summary>Status bits b7…b0 map to <see cref="UpsStatusTokens"/>: b7 → OB (else OL), b6 → LB,
    /// b5 → TRIM/BYPASS/BOOST by Vout/Vin, b4 → ALARM, b2 → CAL, b1 → FSD.</summary>
    public const string Status = MetricNames.UpsStatus;

    /// <summary>b3: 1 line-interactive, 0 online.</summary>
    public const string UpsType = "ups.type";

    /// <summary>b0 beeper on.</summary>
    public const string Beeper = "ups.beeper.status";

    /// <summary>F reply: rated voltage.</summary>
    public const string RatedVoltage = "output.voltage.nominal";

    /// <summary>F reply: rated current.</summary>
    public const string RatedCurrent = "output.current.nominal";

    /// <summary>F reply: nominal battery voltage.</summary>
    public const string RatedBatteryVoltage = "battery.voltage.nominal";

    /// <summary>F reply: rated frequency.</summary>
    public const string RatedFrequency = "output.frequency.nominal";

    /// <summary>I reply: company.</summary>
    public const string Manufacturer = "ups.mfr";

    /// <summary>I reply: model.</summary>
    public const string Model = MetricNames.UpsModel;

    /// <summary>I reply: version.</summary>
    public const string Firmware = MetricNames.UpsFirmware;

    /// <summary>Estimated by the input (NUT runtimecal), not reported by Q1.</summary>
    public const string Charge = MetricNames.BatteryCharge;

    /// <summary>Estimated by the input (NUT runtimecal), not reported by Q1.</summary>
    public const string Runtime = MetricNames.BatteryRuntime;
}

/// <summary>APC "Smart" serial protocol commands (SPEC §6) → metric names. Names only.</summary>
public static class ApcSmartFields
{
    /// <summary><c>^A</c> model.</summary>
    public const string Model = MetricNames.UpsModel;

    /// <summary><c>f</c> battery charge %.</summary>
    public const string BatteryCharge = MetricNames.BatteryCharge;

    /// <summary><c>j</c> runtime in minutes; the input converts to seconds.</summary>
    public const string Runtime = MetricNames.BatteryRuntime;

    /// <summary><c>B</c> battery voltage.</summary>
    public const string BatteryVoltage = MetricNames.BatteryVoltage;

    /// <summary><c>g</c> nominal battery voltage.</summary>
    public const string NominalBatteryVoltage = "battery.voltage.nominal";

    /// <summary><c>L</c> input line voltage.</summary>
    public const string InputVoltage = MetricNames.InputVoltage;

    /// <summary><c>O</c> output voltage.</summary>
    public const string OutputVoltage = MetricNames.OutputVoltage;

    /// <summary><c>P</c> load %.</summary>
    public const string Load = MetricNames.UpsLoad;

    /// <summary><c>F</c> line frequency.</summary>
    public const string InputFrequency = MetricNames.InputFrequency;

    /// <summary><c>C</c> internal temperature.</summary>
    public const string Temperature = MetricNames.UpsTemperature;

    /// <summary><c>Q</c> status bits: 0 CAL, 1 TRIM, 2 BOOST, 3 OL, 4 OB, 5 OVER, 6 LB, 7 RB.</summary>
    public const string Status = MetricNames.UpsStatus;

    /// <summary><c>G</c> cause of last transfer.</summary>
    public const string TransferReason = "input.transfer.reason";

    /// <summary><c>X</c> self-test result.</summary>
    public const string TestResult = "ups.test.result";

    /// <summary><c>n</c> serial number.</summary>
    public const string Serial = MetricNames.UpsSerial;

    /// <summary><c>b</c> firmware.</summary>
    public const string Firmware = MetricNames.UpsFirmware;

    /// <summary><c>l</c> low transfer voltage.</summary>
    public const string TransferLow = "input.transfer.low";

    /// <summary><c>u</c> high transfer voltage.</summary>
    public const string TransferHigh = "input.transfer.high";

    /// <summary>Status tokens of the <c>Q</c> reply bits 0–7, indexed by bit.</summary>
    public static IReadOnlyList<string> StatusBits { get; } =
    [
        UpsStatusTokens.Calibrating, UpsStatusTokens.Trim, UpsStatusTokens.Boost, UpsStatusTokens.OnLine,
        UpsStatusTokens.OnBattery, UpsStatusTokens.Overload, UpsStatusTokens.LowBattery, UpsStatusTokens.ReplaceBattery,
    ];
}

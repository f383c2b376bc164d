namespace PowerWatch.SerialUps.MegatecQ1;

/// <summary>
/// The values of a Q1 status line (SPEC-DEVICES §5: <c>(MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0</c>,
/// 46 bytes before the CR, 47 with it). Null values are fields the UPS fills with '@' (unavailable); a null
/// <see cref="Bits"/> means at least one status bit was '@'. <see cref="Bits"/> holds b7…b0 (b7 utility fail … b0
/// beeper on). The agent's input parses it (<see cref="MegatecQ1Protocol.ParseStatus"/>); the simulator's face
/// writes it (<see cref="MegatecQ1Protocol.WriteStatus"/>).
/// </summary>
public sealed record MegatecQ1Status(
    double? InputVoltage,
    double? InputFaultVoltage,
    double? OutputVoltage,
    double? Load,
    double? InputFrequency,
    double? BatteryVoltage,
    double? Temperature,
    byte? Bits)
{
    public bool UtilityFail => Bit(7);

    public bool BatteryLow => Bit(6);

    public bool BypassBoostOrBuck => Bit(5);

    public bool UpsFailed => Bit(4);

    public bool StandbyType => Bit(3);

    public bool TestInProgress => Bit(2);

    public bool ShutdownActive => Bit(1);

    public bool BeeperOn => Bit(0);

    private bool Bit(int n) => Bits is { } b && (b & (1 << n)) != 0;
}

namespace PowerWatch.Simulators;

/// <summary>Why the UPS last went to battery (APC register 2 / Smart <c>G</c>).</summary>
public enum TransferCause
{
    None,
    LowInputVoltage,
    HighInputVoltage,
    InputFrequency,
    SelfTest,
}

namespace PowerWatch.Simulators;

/// <summary>Result of the last battery self-test (APC register 23 result bits; Smart <c>X</c> reply).</summary>
public enum SelfTestResult
{
    None,
    InProgress,
    Passed,
    Failed,
    Refused,
}

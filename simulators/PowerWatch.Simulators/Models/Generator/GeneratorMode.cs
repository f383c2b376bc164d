namespace PowerWatch.Simulators;

/// <summary>DSE control mode, numbered as GenComm register 772 (SPEC-DEVICES §3.2).</summary>
public enum GeneratorMode
{
    Stop = 0,
    Auto = 1,
    Manual = 2,
    TestOnLoad = 3,
    AutoWithManualRestore = 4,
    UserConfiguration = 5,
    TestOffLoad = 6,
    Off = 7,
}

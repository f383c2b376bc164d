namespace PowerWatch.Simulators;

/// <summary>Engine operating state, numbered as GenComm register 1408 (SPEC-DEVICES §3.4).</summary>
public enum EngineOperatingState
{
    Stopped = 0,
    PreStart = 1,
    WarmingUp = 2,
    Running = 3,
    CoolingDown = 4,
    StoppedAlt = 5,
    PostRun = 6,
    NotAvailable = 15,
}

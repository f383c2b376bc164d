namespace PowerWatch.Simulators;

/// <summary>Operating state of the UPS output.</summary>
public enum UpsMode
{
    Online,
    OnBattery,
    Bypass,
    Off,
}

namespace PowerWatch.Simulators;

/// <summary>Model-level UPS faults.</summary>
public enum UpsFault
{
    None,

    /// <summary>Inverter failed: general fault; the load goes to bypass while the input is acceptable, otherwise drops.</summary>
    Inverter,

    /// <summary>Battery disconnected: no runtime; replace-battery indication; the load drops if the input fails.</summary>
    BatteryDisconnected,
}

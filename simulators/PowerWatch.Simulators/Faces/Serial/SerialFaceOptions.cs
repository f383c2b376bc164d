using PowerWatch.Serial;

namespace PowerWatch.Simulators.Faces.Serial;

/// <summary>Line and transport settings of a serial UPS face (SPEC-DEVICES §5/§6: 2400 baud 8N1 for both protocols).</summary>
public sealed class SerialFaceOptions
{
    /// <summary>Baud rate the replies are paced at (a pty or TCP link has no line timing of its own).</summary>
    public int BaudRate { get; set; } = 2400;

    public int DataBits { get; set; } = 8;

    public Parity Parity { get; set; } = Parity.None;

    public StopBits StopBits { get; set; } = StopBits.One;

    /// <summary>
    /// Clock the line pacing and fault delays run on. Null: the site's clock when it is live, otherwise
    /// <see cref="TimeProvider.System"/> (a stepped clock only moves when the site steps, which would stall the line).
    /// </summary>
    public TimeProvider? TransportTime { get; set; }

    /// <summary>Pty only: a symlink created to the slave device (removed on dispose).</summary>
    public string? LinkPath { get; set; }

    /// <summary>TCP only: port on 127.0.0.1 (0 = any free port).</summary>
    public int Port { get; set; }

    internal SerialPortSettings ToSettings(string portName) => new()
    {
        PortName = portName,
        BaudRate = BaudRate,
        DataBits = DataBits,
        Parity = Parity,
        StopBits = StopBits,
    };

    internal TimeProvider ResolveTime(Site site) => TransportTime ?? (site.Clock.IsStepped ? TimeProvider.System : site.Clock);
}

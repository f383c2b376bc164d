namespace PowerWatch.Simulators.Faces.Serial;

/// <summary>
/// What every serial UPS face shares: the site it reports, its transport faults and how it is served (a
/// pseudo-terminal or loopback TCP). A face supplies its per-connection protocol state and, if it has any, its
/// unsolicited alert characters.
/// </summary>
public abstract class SerialFace : ISerialFaceProtocol
{
    private protected SerialFace(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        Site = site;
    }

    event Action<byte>? ISerialFaceProtocol.AlertRaised
    {
        add => SubscribeAlerts(value, subscribe: true);
        remove => SubscribeAlerts(value, subscribe: false);
    }

    public Site Site { get; }

    /// <summary>Transport faults (shared vocabulary with the Modbus faces; see README for what each kind does here).</summary>
    public FaultSwitch Faults { get; } = new();

    /// <summary>Serves this face on a new pseudo-terminal; clients open <see cref="SerialFaceServer.PeerPath"/>. Linux only.</summary>
    public Task<SerialFaceServer> StartPtyAsync(SerialFaceOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(SerialFaceServer.StartPty(this, Faults, Site, options));
    }

    /// <summary>Serves this face on 127.0.0.1 (port from <paramref name="options"/>, default any free port).</summary>
    public Task<SerialFaceServer> StartTcpAsync(SerialFaceOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(SerialFaceServer.StartTcp(this, Faults, Site, options));
    }

    ISerialFaceSession ISerialFaceProtocol.CreateSession() => CreateProtocolSession();

    /// <summary>A new connection's protocol state.</summary>
    private protected abstract ISerialFaceSession CreateProtocolSession();

    /// <summary>Adds or removes a handler of unsolicited alert characters; a face without alerts ignores it.</summary>
    private protected virtual void SubscribeAlerts(Action<byte>? handler, bool subscribe)
    {
    }
}

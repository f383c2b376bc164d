using PowerWatch.Snmp;

namespace PowerWatch.Simulators.Faces.Snmp;

/// <summary>A notification a face sends: the snmpTrapOID and the variables after sysUpTime.0 and snmpTrapOID.0.</summary>
/// <param name="TrapOid">snmpTrapOID.0 (for a v1-style enterprise trap: enterprise.0.specific, RFC 3584 §3.1).</param>
/// <param name="UpTime">sysUpTime of the device when it happened, hundredths of a second.</param>
/// <param name="Variables">The trap's variables.</param>
public sealed record SnmpFaceTrap(Oid TrapOid, uint UpTime, IReadOnlyList<SnmpVariable> Variables);

/// <summary>
/// A device model seen through SNMP MIBs. The whole view is rendered from the model under the site lock for every
/// request (<see cref="Snapshot"/>), as the Modbus faces render their registers: the MIB-II system group
/// (sysDescr, sysObjectID, sysUpTime = the site's elapsed time, sysContact, sysName = the device id, sysLocation,
/// sysServices) plus what <see cref="Render"/> adds. Faces raise <see cref="Trap"/> on the events real cards send
/// traps on; the UDP host (<see cref="SnmpFaceServer"/>) sends them to the configured destinations.
/// </summary>
public abstract class SnmpFace
{
    /// <summary>MIB-II system group (RFC 3418): 1.3.6.1.2.1.1.</summary>
    public static readonly Oid SystemGroup = Oid.Parse("1.3.6.1.2.1.1");

    private readonly Oid _sysObjectId;
    private readonly string _sysDescr;

    protected SnmpFace(Site site, string deviceId, string kind, string mib, Oid sysObjectId, string sysDescr, uint enterprise)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        Site = site;
        DeviceId = deviceId;
        Kind = kind;
        Mib = mib;
        Enterprise = enterprise;
        _sysObjectId = sysObjectId;
        _sysDescr = sysDescr;
    }

    /// <summary>Raised (outside the site lock, on the stepping thread) when the device sends a notification.</summary>
    public event EventHandler<SnmpFaceTrap>? Trap;

    /// <summary>The simulated site.</summary>
    public Site Site { get; }

    /// <summary>Device id (the model's name).</summary>
    public string DeviceId { get; }

    /// <summary>Agent device kind: ups, ats or pdu.</summary>
    public string Kind { get; }

    /// <summary>The MIBs served, e.g. <c>ups-mib+powernet</c>, <c>apc-rpdu2</c>, <c>raritan-pdu2</c>, <c>apc-ats</c>.</summary>
    public string Mib { get; }

    /// <summary>IANA enterprise number of the vendor (its engine ids start with it, RFC 3411 §5).</summary>
    public uint Enterprise { get; }

    /// <summary>Number of views rendered (one per request).</summary>
    public long Renders => Interlocked.Read(ref _renders);

    private long _renders;

    /// <summary>The device's whole MIB view now.</summary>
    public SnmpObjectTree Snapshot()
    {
        Interlocked.Increment(ref _renders);
        var builder = new SnmpObjectTreeBuilder();
        Site.Read(s =>
        {
            builder.Add(SystemGroup.Append(1, 0), _sysDescr)
                .Add(SystemGroup.Append(2, 0), SnmpValue.ObjectIdentifier(_sysObjectId))
                .Add(SystemGroup.Append(3, 0), SnmpValue.TimeTicks(Ticks(s.Elapsed)))
                .Add(SystemGroup.Append(4, 0), "ops@example.com")
                .Add(SystemGroup.Append(5, 0), DeviceId)
                .Add(SystemGroup.Append(6, 0), $"{s.Name} (simulated)")
                .Add(SystemGroup.Append(7, 0), 72);
            Render(builder);
            return 0;
        });
        return builder.Build();
    }

    /// <summary>Adds the device's MIB instances (called under the site lock).</summary>
    protected abstract void Render(SnmpObjectTreeBuilder view);

    /// <summary>Raises <see cref="Trap"/> with the site's current uptime.</summary>
    protected void RaiseTrap(Oid trapOid, params SnmpVariable[] variables)
    {
        var upTime = Site.Read(s => Ticks(s.Elapsed));
        Trap?.Invoke(this, new SnmpFaceTrap(trapOid, upTime, variables));
    }

    /// <summary>Hundredths of a second, as TimeTicks (wrapping at 2^32 like sysUpTime).</summary>
    protected static uint Ticks(TimeSpan time) => unchecked((uint)(ulong)Math.Max(0, time.Ticks / TimeSpan.TicksPerMillisecond / 10));

    /// <summary><paramref name="value"/> × <paramref name="factor"/>, rounded and clamped to an INTEGER.</summary>
    protected static int Scaled(double value, double factor = 1) => (int)Math.Clamp(Math.Round(value * factor), int.MinValue, int.MaxValue);

    /// <summary>A Gauge32 of <paramref name="value"/> × <paramref name="factor"/>, rounded, clamped at 0.</summary>
    protected static SnmpValue Gauge(double value, double factor = 1) => SnmpValue.Gauge32((uint)Math.Clamp(Math.Round(value * factor), 0, uint.MaxValue));
}

using System.Globalization;
using System.Text;
using PowerWatch.Serial;
using PowerWatch.Simulators.Faces.Serial;

namespace PowerWatch.Simulators.Faces;

/// <summary>Options of a <see cref="SiteHost"/>.</summary>
public sealed class SiteHostOptions
{
    /// <summary>The site (default: the demo site).</summary>
    public SiteDescription Site { get; init; } = new();

    /// <summary>
    /// Virtual clock. Null: a live clock on <see cref="BaseTime"/> at <see cref="Speed"/>, integrated by the host in
    /// <see cref="Step"/> increments. A stepped clock (tests): the host runs no physics; call <see cref="Simulators.Site.Step"/>.
    /// </summary>
    public SimulationClock? Clock { get; init; }

    /// <summary>Speed-up factor of the live clock.</summary>
    public double Speed { get; init; } = 1;

    /// <summary>Real time: base of the live clock and the time of transport delays, drips and line pacing.</summary>
    public TimeProvider BaseTime { get; init; } = TimeProvider.System;

    /// <summary>Integration step of the live site.</summary>
    public TimeSpan Step { get; init; } = Simulators.Site.DefaultStep;

    /// <summary>Transport of every device not listed in <see cref="Transports"/>.</summary>
    public FaceTransport DefaultTransport { get; init; } = FaceTransport.Tcp;

    /// <summary>Per-device transport (by device id).</summary>
    public IReadOnlyDictionary<string, FaceTransport> Transports { get; init; } = new Dictionary<string, FaceTransport>();

    /// <summary>Baud rate of the shared RTU bus (replies are paced to it). The bus is 8N1.</summary>
    public int BaudRate { get; init; } = 9600;

    /// <summary>How replies on the RTU bus are paced (whole frames by default).</summary>
    public RtuPacing RtuPacing { get; init; } = RtuPacing.Frame;

    /// <summary>Optional symlink to the RTU bus's pty (e.g. in a temp directory).</summary>
    public string? RtuLinkPath { get; init; }

    /// <summary>
    /// 0: every TCP device listens on a free port. Otherwise the TCP devices listen on consecutive ports from this one,
    /// in device order (UPS, generator, ATS, PDUs, meter), so a fixed agent configuration can reach them.
    /// </summary>
    public int BasePort { get; init; }

    /// <summary>
    /// Also serve the UPS on a serial UPS protocol (2400 baud pacing) through a raw TCP serial server on 127.0.0.1 —
    /// on the port after the Modbus TCP devices when <see cref="BasePort"/> is set — and have
    /// <see cref="SiteHost.ToAgentConfigurationJson"/> read the UPS through it instead of its Modbus face.
    /// </summary>
    public UpsSerialProtocol UpsSerial { get; init; }

    /// <summary>Also serve the UPS, the ATS and the PDUs over SNMP (UDP), as their network cards do; null: no SNMP.</summary>
    public SnmpSiteOptions? Snmp { get; init; }
}

/// <summary>A serial protocol the simulated UPS can also be served on (<see cref="SiteHostOptions.UpsSerial"/>).</summary>
public enum UpsSerialProtocol
{
    /// <summary>Modbus only.</summary>
    None,

    /// <summary>APC Smart-UPS protocol (agent input <c>apc-smart</c>).</summary>
    ApcSmart,

    /// <summary>Megatec Q1 (agent input <c>megatec-q1</c>).</summary>
    MegatecQ1,
}

/// <summary>The UPS's serial-protocol face as served by a <see cref="SiteHost"/>.</summary>
/// <param name="Protocol">The protocol.</param>
/// <param name="Input">The agent's input name for it (<c>apc-smart</c> or <c>megatec-q1</c>).</param>
/// <param name="Server">The raw TCP serial server (<see cref="SerialFaceServer.Endpoint"/> = <c>tcp://127.0.0.1:PORT</c>).</param>
/// <param name="Faults">The serial face's own transport fault switch.</param>
public sealed record SerialUpsFace(UpsSerialProtocol Protocol, string Input, SerialFaceServer Server, FaultSwitch Faults);

/// <summary>One simulated device as the agent should see it.</summary>
/// <param name="Id">Device id (the model name), e.g. <c>ups</c>.</param>
/// <param name="Kind">ups, generator, ats, pdu or meter.</param>
/// <param name="Protocol"><c>modbus-tcp</c>, <c>modbus-rtu-over-tcp</c> or <c>modbus-rtu</c>.</param>
/// <param name="Endpoint"><c>tcp://127.0.0.1:PORT</c>, <c>rtu+tcp://127.0.0.1:PORT</c> or <c>serial:///dev/pts/N</c>.</param>
/// <param name="UnitId">Modbus unit id.</param>
/// <param name="Profile">Agent profile name (agent/profiles/NAME.json).</param>
/// <param name="Face">The face (model access, store, counters).</param>
/// <param name="Server">The endpoint's server (shared by every device on an RTU bus).</param>
public sealed record SimulatedDevice(string Id, string Kind, string Protocol, string Endpoint, byte UnitId, string Profile, ModbusFace Face, IFaceServer Server)
{
    /// <summary>The face's run-time fault switch.</summary>
    public FaultSwitch Faults => Face.Faults;

    public FaceTransport Transport => Server.Transport;
}

/// <summary>
/// Runs a simulated <see cref="Simulators.Site"/> and serves every device through its Modbus face on loopback:
/// UPS → APC Smart-UPS map, generator → DSE GenComm, ATS → PowerWatch ATS v1, PDUs → PowerWatch PDU v1, meter →
/// Eastron SDM630. Each TCP device gets its own port (port 0, reported in <see cref="Devices"/>); devices on
/// <see cref="FaceTransport.Rtu"/> share one pseudo-terminal bus with unit ids 1, 2, … in device order.
/// <code>
/// await using var host = await SiteHost.StartAsync(new SiteHostOptions { Speed = 10 }, ct);
/// foreach (var d in host.Devices) Console.WriteLine($"{d.Id} {d.Endpoint} unit {d.UnitId} profile {d.Profile}");
/// host.Site.Utility.Fail();                       // model events
/// host.Device("ups").Faults.Set("delay 2s");      // transport faults
/// var json = host.ToAgentConfigurationJson();     // PowerWatch:Devices + Topology for the agent
/// </code>
/// </summary>
public sealed class SiteHost : IAsyncDisposable
{
    private readonly List<IFaceServer> _servers;
    private readonly IDisposable? _serialFace;
    private readonly CancellationTokenSource _stop = new();
    private TimeSpan _step = Simulators.Site.DefaultStep;
    private Task _physics = Task.CompletedTask;
    private int _disposed;

    private SiteHost(Site site, List<SimulatedDevice> devices, List<IFaceServer> servers, SerialUpsFace? serialUps, IDisposable? serialFace)
    {
        Site = site;
        Devices = devices;
        _servers = servers;
        SerialUps = serialUps;
        _serialFace = serialFace;
    }

    /// <summary>The UPS's serial-protocol face, when <see cref="SiteHostOptions.UpsSerial"/> asked for one.</summary>
    public SerialUpsFace? SerialUps { get; }

    /// <summary>The SNMP faces (UPS, ATS, PDUs) when <see cref="SiteHostOptions.Snmp"/> asked for them; else empty.</summary>
    public IReadOnlyList<Snmp.SnmpFaceServer> SnmpFaces { get; private set; } = [];

    /// <summary>The simulated site: models, events (<see cref="Site.EventOccurred"/>), model faults.</summary>
    public Site Site { get; }

    /// <summary>Every served device in site order: UPS, generator, ATS, PDUs, meter.</summary>
    public IReadOnlyList<SimulatedDevice> Devices { get; }

    /// <summary>The shared RTU bus, when any device is on <see cref="FaceTransport.Rtu"/>.</summary>
    public ModbusRtuBus? RtuBus => _servers.OfType<ModbusRtuBus>().FirstOrDefault();

    /// <summary>The device with id <paramref name="id"/>; throws <see cref="KeyNotFoundException"/> when unknown.</summary>
    public SimulatedDevice Device(string id) =>
        Devices.FirstOrDefault(d => string.Equals(d.Id, id, StringComparison.Ordinal)) ?? throw new KeyNotFoundException($"no simulated device '{id}' (known: {string.Join(", ", Devices.Select(d => d.Id))})");

    /// <summary>Creates the site and its faces and starts every endpoint (and, on a live clock, the physics loop).</summary>
    public static async Task<SiteHost> StartAsync(SiteHostOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Step, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.BasePort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.BasePort, 65_535 - 16);
        var clock = options.Clock ?? SimulationClock.CreateLive(options.BaseTime, options.Speed);
        var site = Site.Create(options.Site, clock);
        var faces = CreateFaces(site);
        var servers = new List<IFaceServer>();
        var devices = new List<SimulatedDevice>();
        SerialUpsFace? serialUps = null;
        ApcSmartFace? apcFace = null;
        try
        {
            ModbusRtuBus? bus = null;
            byte nextUnit = 1;
            var tcpIndex = 0;
            foreach (var face in faces)
            {
                var transport = options.Transports.TryGetValue(face.DeviceId, out var t) ? t : options.DefaultTransport;
                if (transport == FaceTransport.Rtu)
                {
                    if (bus is null)
                    {
                        bus = await ModbusRtuBus.StartAsync(options.BaudRate, Parity.None, options.BaseTime, options.RtuLinkPath, options.RtuPacing, cancellationToken).ConfigureAwait(false);
                        servers.Add(bus);
                    }

                    var unit = nextUnit++;
                    bus.Attach(face, unit);
                    devices.Add(new SimulatedDevice(face.DeviceId, face.Kind, "modbus-rtu", bus.Endpoint, unit, face.Profile, face, bus));
                }
                else
                {
                    var port = options.BasePort == 0 ? 0 : options.BasePort + tcpIndex;
                    tcpIndex++;
                    var server = await FaceTcpServer.StartAsync(face, transport, 1, options.BaseTime, port, cancellationToken).ConfigureAwait(false);
                    servers.Add(server);
                    devices.Add(new SimulatedDevice(face.DeviceId, face.Kind, transport == FaceTransport.Tcp ? "modbus-tcp" : "modbus-rtu-over-tcp", server.Endpoint, 1, face.Profile, face, server));
                }
            }

            if (options.UpsSerial != UpsSerialProtocol.None)
            {
                var serialOptions = new SerialFaceOptions { Port = options.BasePort == 0 ? 0 : options.BasePort + tcpIndex, TransportTime = options.BaseTime };
                SerialFaceServer server;
                FaultSwitch faults;
                if (options.UpsSerial == UpsSerialProtocol.ApcSmart)
                {
                    apcFace = new ApcSmartFace(site);
                    server = await apcFace.StartTcpAsync(serialOptions, cancellationToken).ConfigureAwait(false);
                    faults = apcFace.Faults;
                }
                else
                {
                    var q1 = new MegatecQ1Face(site);
                    server = await q1.StartTcpAsync(serialOptions, cancellationToken).ConfigureAwait(false);
                    faults = q1.Faults;
                }

                serialUps = new SerialUpsFace(options.UpsSerial, options.UpsSerial == UpsSerialProtocol.ApcSmart ? "apc-smart" : "megatec-q1", server, faults);
            }
        }
        catch
        {
            foreach (var s in servers)
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }

            apcFace?.Dispose();
            throw;
        }

        var host = new SiteHost(site, devices, servers, serialUps, apcFace) { _step = options.Step };
        if (options.Snmp is { } snmp)
        {
            try
            {
                host.SnmpFaces = await snmp.StartAsync(site, options.BaseTime, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await host.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        if (!clock.IsStepped)
        {
            host._physics = Task.Run(() => site.RunLiveAsync(options.Step, host._stop.Token), CancellationToken.None);
        }

        return host;
    }

    /// <summary>
    /// Stops the site's clock until the handle is disposed, with the physics integrated up to that instant: what a client
    /// reads meanwhile is the site at one virtual instant, and the exchange takes no virtual time. The demo wraps each of
    /// the agent's device polls in it, so at 1000× a Modbus exchange (a fraction of a millisecond of real time, which is
    /// up to a second of site time) neither ages the readings nor makes polls late; the site runs slower than asked when
    /// the I/O cannot keep up, instead of the agent falling behind the site. On a stepped clock: no effect.
    /// </summary>
    public IDisposable HoldTime()
    {
        var hold = Site.Clock.Hold();
        if (!Site.Clock.IsStepped)
        {
            Site.AdvanceTo(Site.Clock.Elapsed, _step);
        }

        return hold;
    }

    /// <summary>The faces of a site, in order: UPS, generator, ATS, PDUs, meter.</summary>
    public static IReadOnlyList<ModbusFace> CreateFaces(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        var faces = new List<ModbusFace> { new ApcSmartUpsFace(site), new DseGenCommFace(site), new AtsFace(site) };
        faces.AddRange(site.Pdus.Select(p => new PduFace(site, p)));
        if (site.Meter is not null)
        {
            faces.Add(new Sdm630Face(site, site.Meter));
        }

        return faces;
    }

    /// <summary>The agent configuration for this site (<see cref="AgentConfiguration.Json"/>).</summary>
    public string ToAgentConfigurationJson() => AgentConfiguration.Json(this);

    /// <summary>One line per device: id, kind, endpoint, unit, profile, current fault (and the UPS's serial face).</summary>
    public string DescribeEndpoints()
    {
        var sb = new StringBuilder();
        foreach (var d in Devices)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{d.Id,-10} {d.Kind,-9} {d.Endpoint,-28} unit {d.UnitId,-3} profile {d.Profile,-22} fault {d.Faults.Current}").Append('\n');
        }

        if (SerialUps is { } serial)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Site.Ups.Name,-10} {"ups",-9} {serial.Server.Endpoint,-28} {serial.Input} at {serial.Server.Settings.BaudRate} baud (the agent configuration reads the UPS here) fault {serial.Faults.Current}").Append('\n');
        }

        SnmpSiteOptions.Describe(sb, SnmpFaces);

        return sb.ToString();
    }

    /// <summary>Stops the physics loop and every endpoint.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _physics.ConfigureAwait(false);
        foreach (var s in _servers)
        {
            await s.DisposeAsync().ConfigureAwait(false);
        }

        if (SerialUps is not null)
        {
            await SerialUps.Server.DisposeAsync().ConfigureAwait(false);
        }

        _serialFace?.Dispose();
        foreach (var s in SnmpFaces)
        {
            await s.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}

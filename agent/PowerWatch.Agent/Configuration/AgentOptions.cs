namespace PowerWatch.Agent.Configuration;

/// <summary>
/// The whole agent configuration, bound from the <c>PowerWatch</c> section (appsettings conventions:
/// JSON file, overridable by environment variables <c>PowerWatch__Site</c> and command-line <c>--PowerWatch:Site=</c>).
/// </summary>
public sealed class AgentOptions
{
    public const string Section = "PowerWatch";

    /// <summary>Configuration schema version; this agent reads version 1.</summary>
    public int Schema { get; set; } = 1;

    /// <summary>Site name: MQTT topic level and InfluxDB tag.</summary>
    public string Site { get; set; } = "";

    /// <summary>This agent's name (MQTT agent status topic).</summary>
    public string Agent { get; set; } = Environment.MachineName.ToLowerInvariant();

    /// <summary>Directory for the outbox, alert state and learned battery curves.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Directory of device profiles (JSON); relative paths resolve against the executable's directory.</summary>
    public string ProfileDirectory { get; set; } = "profiles";

    public List<DeviceOptions> Devices { get; set; } = [];

    public TopologyOptions Topology { get; set; } = new();

    public StatusOptions Status { get; set; } = new();

    public AlertOptions Alerts { get; set; } = new();

    /// <summary>MQTT output (off by default).</summary>
    public MqttOptions Mqtt { get; set; } = new();
}

/// <summary>One polled device.</summary>
public sealed class DeviceOptions
{
    /// <summary>Unique id within the site, e.g. <c>ups-a</c> (letters, digits, '-', '_').</summary>
    public string Id { get; set; } = "";

    /// <summary>ups | generator | ats | pdu | meter.</summary>
    public string Kind { get; set; } = "";

    /// <summary>modbus | megatec-q1 | apc-smart | nut.</summary>
    public string Input { get; set; } = "modbus";

    /// <summary>
    /// Where the device is: <c>tcp://host:port</c> (Modbus TCP), <c>rtu+tcp://host:port</c> (RTU through a serial
    /// device server), <c>serial:///dev/ttyUSB0</c> (serial line, see <see cref="Serial"/>), <c>nut://host:port/ups</c>,
    /// or for serial UPS protocols over a TCP serial server <c>tcp://host:port</c>.
    /// </summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Modbus unit (slave) id.</summary>
    public byte UnitId { get; set; } = 1;

    /// <summary>Profile name (file name without .json in the profile directory) for Modbus devices.</summary>
    public string? Profile { get; set; }

    /// <summary>Model label published with readings (defaults to the profile's model).</summary>
    public string? Model { get; set; }

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Interval for slow-class registers (nameplate data).</summary>
    public TimeSpan SlowPollInterval { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(500);

    public int Retries { get; set; } = 2;

    public SerialLineOptions Serial { get; set; } = new();

    public WorkaroundOptions Workarounds { get; set; } = new();

    /// <summary>Megatec Q1 battery estimation (NUT nutdrv_qx style: runtimecal, battery packs, charge time, idle load).</summary>
    public Inputs.MegatecQ1.MegatecQ1Options MegatecQ1 { get; set; } = new();

    /// <summary>NUT credentials (optional).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }
}

/// <summary>Serial line settings for serial endpoints.</summary>
public sealed class SerialLineOptions
{
    public int BaudRate { get; set; } = 9600;

    public int DataBits { get; set; } = 8;

    /// <summary>none | even | odd | mark | space.</summary>
    public string Parity { get; set; } = "none";

    public int StopBits { get; set; } = 1;

    /// <summary>Silence between frames on the bus (Modbus RTU); null = 3.5 character times.</summary>
    public TimeSpan? InterFrameGap { get; set; }
}

/// <summary>Per-device quirks, as real devices need them.</summary>
public sealed class WorkaroundOptions
{
    public int? MaxRegistersPerRequest { get; set; }

    public int MaxGap { get; set; } = 8;

    public bool OneRequestPerField { get; set; }

    public TimeSpan PauseBetweenRequests { get; set; } = TimeSpan.Zero;

    public TimeSpan PauseAfterConnect { get; set; } = TimeSpan.Zero;
}

/// <summary>The power chain: which ATS feeds which UPS, which generator backs which ATS, which PDUs hang off which UPS.</summary>
public sealed class TopologyOptions
{
    public List<AtsLink> Ats { get; set; } = [];

    public List<UpsLink> Ups { get; set; } = [];
}

public sealed class AtsLink
{
    /// <summary>Device id of the ATS.</summary>
    public string Id { get; set; } = "";

    /// <summary>Generator device id on source 2.</summary>
    public string? Generator { get; set; }

    /// <summary>Meter on the utility (source 1) side, optional.</summary>
    public string? UtilityMeter { get; set; }

    /// <summary>UPS device ids fed by this ATS.</summary>
    public List<string> Feeds { get; set; } = [];
}

public sealed class UpsLink
{
    public string Id { get; set; } = "";

    public List<string> Pdus { get; set; } = [];
}

public sealed class StatusOptions
{
    /// <summary>Whether the status API runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Listen URL; loopback by default.</summary>
    public string Url { get; set; } = "http://127.0.0.1:8480";
}

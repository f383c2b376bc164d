namespace PowerWatch.Agent.Configuration;

/// <summary>
/// The whole agent configuration, bound from the <c>PowerWatch</c> section (appsettings conventions:
/// JSON file, overridable by environment variables <c>PowerWatch__Site</c> and command-line <c>--PowerWatch:Site=</c>).
/// </summary>
internal sealed class AgentOptions
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

    /// <summary>The polled devices.</summary>
    public List<DeviceOptions> Devices { get; set; } = [];

    /// <summary>SNMP trap and inform receiver: a notification from an SNMP device makes the agent poll it at once (off by default).</summary>
    public Inputs.Snmp.SnmpTrapOptions SnmpTraps { get; set; } = new();

    /// <summary>The power chain the failover analyzer watches (ATS, generator, UPS, PDU links).</summary>
    public TopologyOptions Topology { get; set; } = new();

    /// <summary>Status API and page (<c>/api/...</c>, <c>/metrics</c>, <c>/</c>).</summary>
    public StatusOptions Status { get; set; } = new();

    /// <summary>Alert rules, the failover analyzer and alert actions (docs/alerts.md).</summary>
    public AlertOptions Alerts { get; set; } = new();

    /// <summary>MQTT output (off by default).</summary>
    public MqttOptions Mqtt { get; set; } = new();
}

/// <summary>One polled device.</summary>
internal sealed class DeviceOptions
{
    /// <summary>Unique id within the site, e.g. <c>ups-a</c> (letters, digits, '-', '_').</summary>
    public string Id { get; set; } = "";

    /// <summary>ups | generator | ats | pdu | meter.</summary>
    public string Kind { get; set; } = "";

    /// <summary>modbus | megatec-q1 | apc-smart | nut | snmp.</summary>
    public string Input { get; set; } = Inputs.Modbus.ModbusInputFactory.InputName;

    /// <summary>
    /// Where the device is: <c>tcp://host:port</c> (Modbus TCP), <c>rtu+tcp://host:port</c> (RTU through a serial
    /// device server), <c>serial:///dev/ttyUSB0</c> (serial line, see <see cref="Serial"/>), <c>nut://host:port/ups</c>,
    /// <c>udp://host:port</c> (an SNMP agent), or for serial UPS protocols over a TCP serial server <c>tcp://host:port</c>.
    /// </summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Modbus unit (slave) id.</summary>
    public byte UnitId { get; set; } = 1;

    /// <summary>Profile name (file name without .json in the profile directory) for Modbus devices.</summary>
    public string? Profile { get; set; }

    /// <summary>Model label published with readings (defaults to the profile's model).</summary>
    public string? Model { get; set; }

    /// <summary>How often the device is polled.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Interval for slow-class registers (nameplate data).</summary>
    public TimeSpan SlowPollInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Timeout of one request; must be shorter than <see cref="PollInterval"/>. Modbus devices sharing an endpoint use the longest timeout among them.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Modbus: retries of a read that timed out or came back garbled (0..10).</summary>
    public int Retries { get; set; } = 2;

    /// <summary>Serial line settings for <c>serial://</c> endpoints.</summary>
    public SerialLineOptions Serial { get; set; } = new();

    /// <summary>Per-device quirks, combined with the workarounds of the device profile.</summary>
    public WorkaroundOptions Workarounds { get; set; } = new();

    /// <summary>Megatec Q1 battery estimation (NUT nutdrv_qx style: runtimecal, battery packs, charge time, idle load).</summary>
    public Inputs.MegatecQ1.MegatecQ1Options MegatecQ1 { get; set; } = new();

    /// <summary>SNMP version, credentials (secrets: never logged or shown) and request limits.</summary>
    public Inputs.Snmp.SnmpInputOptions Snmp { get; set; } = new();

    /// <summary>NUT credentials (optional).</summary>
    public string? Username { get; set; }

    /// <summary>NUT password (optional).</summary>
    public string? Password { get; set; }
}

/// <summary>Serial line settings for serial endpoints.</summary>
internal sealed class SerialLineOptions
{
    /// <summary>Bits per second (50..4000000).</summary>
    public int BaudRate { get; set; } = 9600;

    /// <summary>Data bits per character (5..8).</summary>
    public int DataBits { get; set; } = 8;

    /// <summary>none | even | odd | mark | space.</summary>
    public string Parity { get; set; } = "none";

    /// <summary>Stop bits (1 or 2).</summary>
    public int StopBits { get; set; } = 1;

    /// <summary>Silence between frames on the bus (Modbus RTU); null = 3.5 character times.</summary>
    public TimeSpan? InterFrameGap { get; set; }

    /// <summary>The port settings for <paramref name="portName"/> (Modbus RTU and the serial UPS inputs alike).</summary>
    public PowerWatch.Serial.SerialPortSettings ToPortSettings(string portName) => new()
    {
        PortName = portName,
        BaudRate = BaudRate,
        DataBits = DataBits,
        Parity = Parity.ToLowerInvariant() switch
        {
            "even" => PowerWatch.Serial.Parity.Even,
            "odd" => PowerWatch.Serial.Parity.Odd,
            "mark" => PowerWatch.Serial.Parity.Mark,
            "space" => PowerWatch.Serial.Parity.Space,
            _ => PowerWatch.Serial.Parity.None,
        },
        StopBits = StopBits == 2 ? PowerWatch.Serial.StopBits.Two : PowerWatch.Serial.StopBits.One,
    };
}

/// <summary>Per-device quirks, as real devices need them.</summary>
internal sealed class WorkaroundOptions
{
    /// <summary>Modbus: largest read in registers (1..125); the smaller of this and the profile's limit applies.</summary>
    public int? MaxRegistersPerRequest { get; set; }

    /// <summary>Modbus: largest run of unwanted registers read to merge two neighbouring fields into one request (0..124).</summary>
    public int MaxGap { get; set; } = 8;

    /// <summary>Modbus: one read per field, no merging (also on when the profile asks for it).</summary>
    public bool OneRequestPerField { get; set; }

    /// <summary>Modbus: silence between two requests to this device; the longer of this and the profile's pause applies.</summary>
    public TimeSpan PauseBetweenRequests { get; set; } = TimeSpan.Zero;

    /// <summary>Megatec Q1: pause after the connection opens before the first command.</summary>
    public TimeSpan PauseAfterConnect { get; set; } = TimeSpan.Zero;
}

/// <summary>The power chain: which ATS feeds which UPS, which generator backs which ATS, which PDUs hang off which UPS.</summary>
internal sealed class TopologyOptions
{
    /// <summary>Each ATS with its generator, its utility meter and the UPSs it feeds (one failover chain per ATS).</summary>
    public List<AtsLink> Ats { get; set; } = [];

    /// <summary>Which PDUs each UPS feeds.</summary>
    public List<UpsLink> Ups { get; set; } = [];
}

/// <summary>One ATS of the power chain (<c>PowerWatch:Topology:Ats:N</c>).</summary>
internal sealed class AtsLink
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

/// <summary>One UPS of the power chain and the PDUs it feeds (<c>PowerWatch:Topology:Ups:N</c>).</summary>
internal sealed class UpsLink
{
    /// <summary>Device id of the UPS.</summary>
    public string Id { get; set; } = "";

    /// <summary>PDU device ids fed by this UPS.</summary>
    public List<string> Pdus { get; set; } = [];
}

/// <summary>The status API and page (<c>PowerWatch:Status</c>).</summary>
internal sealed class StatusOptions
{
    /// <summary>Whether the status API runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Listen URL; loopback by default. <c>https://</c> needs <see cref="Certificate"/>. A non-loopback address needs
    /// <c>https://</c> and <see cref="Tokens"/>, or <see cref="AllowInsecure"/>.
    /// </summary>
    public string Url { get; set; } = "http://127.0.0.1:8480";

    /// <summary>
    /// Bearer tokens, each a name, a role and the salted hash of the token (<c>powerwatch status-token NAME</c> makes
    /// one). With none, the API reads openly and acknowledges/shelves only from loopback, same-origin, non-simple requests.
    /// </summary>
    public List<StatusTokenOptions> Tokens { get; set; } = [];

    /// <summary>Allow a non-loopback <see cref="Url"/> without <c>https://</c> or without <see cref="Tokens"/> (refused at start otherwise).</summary>
    public bool AllowInsecure { get; set; }

    /// <summary>PEM certificate file for <c>https://</c> (the server certificate first, then any intermediates).</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM private key file of <see cref="Certificate"/> (unencrypted PKCS#8, PKCS#1 or SEC1); null = the key is in the certificate file.</summary>
    public string? CertificateKey { get; set; }
}

/// <summary>What a status API token may do; each role includes the ones before it.</summary>
internal enum StatusRole
{
    /// <summary>Read: the status, alerts, failover, trends and <c>/metrics</c>.</summary>
    Viewer,

    /// <summary>Read, acknowledge and shelve alerts.</summary>
    Operator,

    /// <summary>Everything an operator may (reserved for future administrative endpoints).</summary>
    Admin,
}

/// <summary>One bearer token of the status API (<c>PowerWatch:Status:Tokens:N</c>).</summary>
internal sealed class StatusTokenOptions
{
    /// <summary>Who holds the token (letters, digits, '.', '-', '_'): the "by" of the audit events.</summary>
    public string Name { get; set; } = "";

    /// <summary>viewer (read) | operator (read, acknowledge, shelve) | admin.</summary>
    public StatusRole Role { get; set; } = StatusRole.Viewer;

    /// <summary><c>sha256:&lt;salt-hex&gt;:&lt;hash-hex&gt;</c> of the token; exactly one of Hash and <see cref="HashFile"/>.</summary>
    public string? Hash { get; set; }

    /// <summary>
    /// File holding the hash line instead of <see cref="Hash"/>; a relative path is looked up in
    /// <c>$CREDENTIALS_DIRECTORY</c> (systemd <c>LoadCredential=</c>) when set, else the working directory.
    /// </summary>
    public string? HashFile { get; set; }
}

using System.Collections.Frozen;
using System.Collections.Immutable;

namespace PowerWatch.Core.Profiles;

/// <summary>
/// A loaded, validated device profile (schema <c>powerwatch-profile/1</c>). Repeated blocks are already expanded:
/// <see cref="Registers"/> and <see cref="Commands"/> contain one entry per instance (e.g. <c>outlet.7.current</c>).
/// </summary>
public sealed class DeviceProfile
{
    public const string SchemaV1 = "powerwatch-profile/1";

    public required string Id { get; init; }

    public required DeviceKind Kind { get; init; }

    public required string Manufacturer { get; init; }

    public required string Model { get; init; }

    public string Description { get; init; } = string.Empty;

    /// <summary>
    /// Where the map comes from and how far it is checked: the documents and third-party code it was taken from, the
    /// rows verified against them and the rows still unverified (one statement per entry; empty for none given).
    /// </summary>
    public ImmutableArray<string> Provenance { get; init; } = [];

    /// <summary>File name (or caller-given source name) the profile came from.</summary>
    public required string Source { get; init; }

    /// <summary>Default Modbus unit id.</summary>
    public byte UnitId { get; init; } = 1;

    public required ImmutableArray<RegisterDefinition> Registers { get; init; }

    public ImmutableArray<DerivedMetric> Derived { get; init; } = [];

    public required FrozenDictionary<string, CommandDefinition> Commands { get; init; }

    public ProfileWorkarounds Workarounds { get; init; } = new();

    /// <summary>How the device is read: registers over Modbus, or OIDs over SNMP (<see cref="Snmp"/>).</summary>
    public ProfileProtocol Protocol { get; init; }

    /// <summary>The objects and tables of an SNMP profile (<see cref="ProfileProtocol.Snmp"/>); null for Modbus profiles, whose <see cref="Registers"/> hold the map.</summary>
    public SnmpProfileMap? Snmp { get; init; }

    /// <summary>Registers of one poll class (the agent's planner reads <see cref="PollClass.Fast"/> every poll, slow ones hourly).</summary>
    public IEnumerable<RegisterDefinition> RegistersOf(PollClass pollClass) => Registers.Where(r => r.Class == pollClass);
}

/// <summary>One register entry (after repeat expansion).</summary>
public sealed class RegisterDefinition
{
    /// <summary>Metric emitted with the value; null for a bit field that only feeds bits.</summary>
    public string? Metric { get; init; }

    /// <summary>Spec name of the register (documentation only, e.g. <c>UPSStatus_BF</c>).</summary>
    public string? Name { get; init; }

    public required RegisterTable Table { get; init; }

    /// <summary>0-based PDU address.</summary>
    public required int Address { get; init; }

    /// <summary>Registers (or bits, for coil/discrete tables) this entry spans.</summary>
    public required int Count { get; init; }

    public required RegisterType Type { get; init; }

    public WordOrder WordOrder { get; init; }

    /// <summary>Multiplier applied to the raw value before <see cref="Offset"/> (value = raw × scale + offset).</summary>
    public double Scale { get; init; } = 1;

    public double Offset { get; init; }

    /// <summary>Unit, as in the catalogue.</summary>
    public string Unit { get; init; } = string.Empty;

    public PollClass Class { get; init; }

    /// <summary>For <see cref="RegisterType.Bool"/> on a register table: the bit number (0 = LSB).</summary>
    public int? Bit { get; init; }

    /// <summary>Raw value → text.</summary>
    public FrozenDictionary<long, string>? Enum { get; init; }

    public ImmutableArray<BitDefinition> Bits { get; init; } = [];

    /// <summary>Raw bit patterns (two's complement for signed types, in the register width) with special meaning.</summary>
    public ImmutableArray<Sentinel> Sentinels { get; init; } = [];

    /// <summary>For <see cref="RegisterType.PackedAlarms"/>: alarm identifiers in register/nibble order.</summary>
    public ImmutableArray<string> Alarms { get; init; } = [];

    public ValueFormat Format { get; init; }

    /// <summary>For <see cref="RegisterType.PackedAlarms"/>: summary metric prefix (<c>generator.alarms</c>) for the
    /// <c>.active</c>, <c>.warning</c> and <c>.shutdown</c> counts, or null.</summary>
    public string? Summary { get; init; }

    /// <summary>Instance number (from 1) of a repeated entry, else null.</summary>
    public int? RepeatIndex { get; init; }

    /// <summary>Metric whose value (in the same poll) limits how many repeated instances are emitted.</summary>
    public string? LimitBy { get; init; }

    /// <summary>JSON path of the entry in its file (for diagnostics), e.g. <c>$.registers[3]</c>.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>Last address covered.</summary>
    public int EndAddress => Address + Count - 1;
}

/// <summary>One bit of a bit field: a status token, a boolean metric, or both.</summary>
/// <param name="Bit">Bit number, 0 = least significant bit of the (possibly multi-word) value.</param>
/// <param name="Status">NUT status token added to <c>ups.status</c> while the bit is set.</param>
/// <param name="Metric">Boolean metric emitted for the bit.</param>
/// <param name="Invert">Emit the metric as the bit's complement.</param>
public sealed record BitDefinition(int Bit, string? Status, string? Metric, bool Invert)
{
    /// <summary>
    /// When set, a set bit adds this word to the text metric <see cref="Metric"/> (words space separated, empty when no
    /// bit is set), as NUT's drivers build <c>experimental.ups.mode.buzzwords</c>; otherwise the bit is a boolean.
    /// </summary>
    public string? Token { get; init; }
}

/// <summary>A raw value with special meaning.</summary>
public sealed record Sentinel(ulong Raw, string Meaning, SentinelResult Result);

/// <summary>A metric computed from others in the same device: product of inputs × scale.</summary>
public sealed record DerivedMetric(string Metric, ImmutableArray<string> Product, double Scale, string Unit);

/// <summary>A named command: writes executed in order.</summary>
public sealed record CommandDefinition(string Name, string Description, ImmutableArray<CommandWrite> Writes);

/// <summary>One Modbus write of a command.</summary>
/// <param name="Table">Coil or holding register.</param>
/// <param name="Address">First address.</param>
/// <param name="Values">Register values (coils: 0 off, nonzero on).</param>
/// <param name="FunctionCode">5, 6, 15 or 16.</param>
public sealed record CommandWrite(RegisterTable Table, int Address, ImmutableArray<ushort> Values, byte FunctionCode);

/// <summary>Device quirks (Telegraf-style <c>workarounds</c> block).</summary>
public sealed record ProfileWorkarounds
{
    /// <summary>Largest read, in registers (Modbus limit 125; bits: 2000).</summary>
    public int MaxRegistersPerRequest { get; init; } = 125;

    /// <summary>Largest run of unused registers the planner may read through to merge two reads.</summary>
    public int MaxGap { get; init; } = 16;

    /// <summary>Read each field with its own request (devices that reject spanning reads).</summary>
    public bool OneRequestPerField { get; init; }

    public TimeSpan PauseBetweenRequests { get; init; }

    public TimeSpan PauseAfterConnect { get; init; }
}

namespace PowerWatch.Core.Profiles;

/// <summary>Device kind; also the InfluxDB measurement. JSON: <c>ups|generator|ats|pdu|meter</c>.</summary>
public enum DeviceKind
{
    Ups = 0,
    Generator = 1,
    Ats = 2,
    Pdu = 3,
    Meter = 4,
}

/// <summary>Wire names of <see cref="DeviceKind"/> (profile <c>kind</c>, InfluxDB measurement, MQTT <c>kind</c>).</summary>
public static class DeviceKindNames
{
    /// <summary><c>ups</c>, <c>generator</c>, <c>ats</c>, <c>pdu</c> or <c>meter</c>.</summary>
    public static string ToWireName(this DeviceKind kind) => kind switch
    {
        DeviceKind.Ups => "ups",
        DeviceKind.Generator => "generator",
        DeviceKind.Ats => "ats",
        DeviceKind.Pdu => "pdu",
        DeviceKind.Meter => "meter",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown device kind."),
    };

    /// <summary>Parses a wire name (exact, lower case).</summary>
    public static bool TryParse(string? text, out DeviceKind kind) =>
        ProfileLoader.KindNames.TryGetValue(text ?? string.Empty, out kind);
}

/// <summary>Modbus data table. JSON: <c>coil|discrete|input|holding</c>.</summary>
public enum RegisterTable
{
    /// <summary>Coils (FC01 read, FC05/FC15 write), one bit each.</summary>
    Coil = 0,

    /// <summary>Discrete inputs (FC02), one bit each.</summary>
    DiscreteInput = 1,

    /// <summary>Input registers (FC04).</summary>
    InputRegister = 2,

    /// <summary>Holding registers (FC03 read, FC06/FC16 write).</summary>
    HoldingRegister = 3,
}

/// <summary>
/// Value type of a register entry. JSON: <c>int16|uint16|int32|uint32|int64|uint64|float32|float64|string|bool|bitfield|packed-alarms</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Naming",
    "CA1720:Identifier contains type name",
    Justification = "The members name the Modbus value types of the profile schema (Telegraf's INT16…FLOAT64, STRING).")]
public enum RegisterType
{
    Int16 = 0,
    UInt16 = 1,
    Int32 = 2,
    UInt32 = 3,
    Int64 = 4,
    UInt64 = 5,
    Float32 = 6,
    Float64 = 7,

    /// <summary>Two characters per register, high byte first.</summary>
    String = 8,

    /// <summary>A coil / discrete input, or one bit (<see cref="RegisterDefinition.Bit"/>) of a register.</summary>
    Bool = 9,

    /// <summary>An unsigned 16/32/64-bit bit field whose bits map to status tokens or boolean metrics.</summary>
    Bitfield = 10,

    /// <summary>DSE-style 4-bit alarm codes, four per register, first alarm in bits 15–12.</summary>
    PackedAlarms = 11,
}

/// <summary>
/// Order of bytes for multi-register values (SPEC §1.5, Telegraf names). For 16-bit values only the byte
/// order inside the word matters (ABCD/CDAB: big endian; BADC/DCBA: bytes swapped).
/// </summary>
public enum WordOrder
{
    /// <summary>Big endian, high word first.</summary>
    Abcd = 0,

    /// <summary>Low word first, bytes big endian in each word.</summary>
    Cdab = 1,

    /// <summary>High word first, bytes swapped in each word.</summary>
    Badc = 2,

    /// <summary>Fully little endian.</summary>
    Dcba = 3,
}

/// <summary>How often a register is read. JSON: <c>fast</c> (every poll) | <c>slow</c> (nameplate, hourly).</summary>
public enum PollClass
{
    Fast = 0,
    Slow = 1,
}

/// <summary>What a sentinel value produces. JSON: <c>absent</c> | <c>bad</c>.</summary>
public enum SentinelResult
{
    /// <summary>No reading at all (e.g. unimplemented, not applicable).</summary>
    Absent = 0,

    /// <summary>A reading with <see cref="Quality.Bad"/> and no value (e.g. over range, transducer fault).</summary>
    Bad = 1,
}

/// <summary>Extra rendering of an integer value. JSON: <c>date2000</c> (days since 2000-01-01 → YYYY-MM-DD).</summary>
public enum ValueFormat
{
    None = 0,
    DaysSince2000 = 1,
}

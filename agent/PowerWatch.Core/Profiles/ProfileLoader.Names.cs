using System.Collections.Frozen;

namespace PowerWatch.Core.Profiles;

/// <summary>The names profile files use for enum values (kind, table, type, word order, class, sentinel result, format).</summary>
public static partial class ProfileLoader
{
    internal static readonly FrozenDictionary<string, DeviceKind> KindNames = new Dictionary<string, DeviceKind>
    {
        ["ups"] = DeviceKind.Ups,
        ["generator"] = DeviceKind.Generator,
        ["ats"] = DeviceKind.Ats,
        ["pdu"] = DeviceKind.Pdu,
        ["meter"] = DeviceKind.Meter,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, RegisterTable> TableNames = new Dictionary<string, RegisterTable>
    {
        ["coil"] = RegisterTable.Coil,
        ["discrete"] = RegisterTable.DiscreteInput,
        ["input"] = RegisterTable.InputRegister,
        ["holding"] = RegisterTable.HoldingRegister,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, RegisterType> TypeNames = new Dictionary<string, RegisterType>
    {
        ["int16"] = RegisterType.Int16,
        ["uint16"] = RegisterType.UInt16,
        ["int32"] = RegisterType.Int32,
        ["uint32"] = RegisterType.UInt32,
        ["int64"] = RegisterType.Int64,
        ["uint64"] = RegisterType.UInt64,
        ["float32"] = RegisterType.Float32,
        ["float64"] = RegisterType.Float64,
        ["string"] = RegisterType.String,
        ["bool"] = RegisterType.Bool,
        ["bitfield"] = RegisterType.Bitfield,
        ["packed-alarms"] = RegisterType.PackedAlarms,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, WordOrder> WordOrderNames = new Dictionary<string, WordOrder>
    {
        ["ABCD"] = WordOrder.Abcd,
        ["CDAB"] = WordOrder.Cdab,
        ["BADC"] = WordOrder.Badc,
        ["DCBA"] = WordOrder.Dcba,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, PollClass> ClassNames = new Dictionary<string, PollClass>
    {
        ["fast"] = PollClass.Fast,
        ["slow"] = PollClass.Slow,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, SentinelResult> ResultNames = new Dictionary<string, SentinelResult>
    {
        ["absent"] = SentinelResult.Absent,
        ["bad"] = SentinelResult.Bad,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, ValueFormat> FormatNames = new Dictionary<string, ValueFormat>
    {
        ["date2000"] = ValueFormat.DaysSince2000,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, ProfileProtocol> ProtocolNames = new Dictionary<string, ProfileProtocol>
    {
        ["modbus"] = ProfileProtocol.Modbus,
        ["snmp"] = ProfileProtocol.Snmp,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, SnmpValueType> SnmpTypeNames = new Dictionary<string, SnmpValueType>
    {
        ["integer"] = SnmpValueType.Number,
        ["string"] = SnmpValueType.Text,
        ["decimal-string"] = SnmpValueType.DecimalString,
    }.ToFrozenDictionary(StringComparer.Ordinal);
}

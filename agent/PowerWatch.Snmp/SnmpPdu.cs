using System.Net;

namespace PowerWatch.Snmp;

/// <summary>PDU types and their context tags (RFC 3416 §3; the v1 Trap-PDU of RFC 1157 §4.1.6).</summary>
public enum SnmpPduType : byte
{
    /// <summary>GetRequest-PDU [0].</summary>
    GetRequest = 0xA0,

    /// <summary>GetNextRequest-PDU [1].</summary>
    GetNextRequest = 0xA1,

    /// <summary>Response-PDU [2] (GetResponse in v1).</summary>
    Response = 0xA2,

    /// <summary>SetRequest-PDU [3].</summary>
    SetRequest = 0xA3,

    /// <summary>v1 Trap-PDU [4] (RFC 1157; obsolete in v2c/v3).</summary>
    TrapV1 = 0xA4,

    /// <summary>GetBulkRequest-PDU [5] (v2c/v3).</summary>
    GetBulkRequest = 0xA5,

    /// <summary>InformRequest-PDU [6].</summary>
    InformRequest = 0xA6,

    /// <summary>SNMPv2-Trap-PDU [7].</summary>
    TrapV2 = 0xA7,

    /// <summary>Report-PDU [8] (v3 engine discovery and USM errors).</summary>
    Report = 0xA8,
}

/// <summary>error-status values (RFC 3416 §3; 0–5 are also RFC 1157's).</summary>
public enum SnmpErrorStatus
{
    /// <summary>noError(0).</summary>
    NoError = 0,

    /// <summary>tooBig(1): the response would not fit; ask for fewer variables.</summary>
    TooBig = 1,

    /// <summary>noSuchName(2): v1's way of saying the variable does not exist (or the walk ended).</summary>
    NoSuchName = 2,

    /// <summary>badValue(3).</summary>
    BadValue = 3,

    /// <summary>readOnly(4).</summary>
    ReadOnly = 4,

    /// <summary>genErr(5).</summary>
    GenErr = 5,

    /// <summary>noAccess(6).</summary>
    NoAccess = 6,

    /// <summary>wrongType(7).</summary>
    WrongType = 7,

    /// <summary>wrongLength(8).</summary>
    WrongLength = 8,

    /// <summary>wrongEncoding(9).</summary>
    WrongEncoding = 9,

    /// <summary>wrongValue(10).</summary>
    WrongValue = 10,

    /// <summary>noCreation(11).</summary>
    NoCreation = 11,

    /// <summary>inconsistentValue(12).</summary>
    InconsistentValue = 12,

    /// <summary>resourceUnavailable(13).</summary>
    ResourceUnavailable = 13,

    /// <summary>commitFailed(14).</summary>
    CommitFailed = 14,

    /// <summary>undoFailed(15).</summary>
    UndoFailed = 15,

    /// <summary>authorizationError(16).</summary>
    AuthorizationError = 16,

    /// <summary>notWritable(17).</summary>
    NotWritable = 17,

    /// <summary>inconsistentName(18).</summary>
    InconsistentName = 18,
}

/// <summary>The fields of a v1 Trap-PDU that other PDUs do not have (RFC 1157 §4.1.6).</summary>
public sealed record SnmpV1Trap(Oid Enterprise, IPAddress AgentAddress, int GenericTrap, int SpecificTrap, uint TimeStamp);

/// <summary>
/// A PDU. For GetBulkRequest, <see cref="ErrorStatus"/> and <see cref="ErrorIndex"/> carry non-repeaters and
/// max-repetitions (read them through <see cref="NonRepeaters"/> and <see cref="MaxRepetitions"/>). A v1 Trap-PDU has
/// <see cref="V1Trap"/> and no request-id.
/// </summary>
public sealed class SnmpPdu
{
    /// <summary>Most variables decoded in one PDU (each takes at least 4 bytes, so a 64 KiB message holds fewer).</summary>
    public const int MaxVariables = 16_384;

    /// <summary>Creates a PDU.</summary>
    public SnmpPdu(SnmpPduType type, int requestId, IReadOnlyList<SnmpVariable> variables, int errorStatus = 0, int errorIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(variables);
        Type = type;
        RequestId = requestId;
        Variables = variables;
        RawErrorStatus = errorStatus;
        ErrorIndex = errorIndex;
    }

    /// <summary>Creates a v1 Trap-PDU.</summary>
    public SnmpPdu(SnmpV1Trap trap, IReadOnlyList<SnmpVariable> variables)
        : this(SnmpPduType.TrapV1, 0, variables)
    {
        ArgumentNullException.ThrowIfNull(trap);
        V1Trap = trap;
    }

    /// <summary>A GetBulkRequest.</summary>
    public static SnmpPdu GetBulk(int requestId, int nonRepeaters, int maxRepetitions, IReadOnlyList<SnmpVariable> variables) =>
        new(SnmpPduType.GetBulkRequest, requestId, variables, nonRepeaters, maxRepetitions);

    /// <summary>The PDU type.</summary>
    public SnmpPduType Type { get; }

    /// <summary>request-id.</summary>
    public int RequestId { get; }

    /// <summary>error-status as sent (or non-repeaters for GetBulk).</summary>
    public int RawErrorStatus { get; }

    /// <summary>error-status.</summary>
    public SnmpErrorStatus ErrorStatus => (SnmpErrorStatus)RawErrorStatus;

    /// <summary>error-index, 1-based (or max-repetitions for GetBulk).</summary>
    public int ErrorIndex { get; }

    /// <summary>non-repeaters of a GetBulkRequest.</summary>
    public int NonRepeaters => RawErrorStatus;

    /// <summary>max-repetitions of a GetBulkRequest.</summary>
    public int MaxRepetitions => ErrorIndex;

    /// <summary>The variable bindings.</summary>
    public IReadOnlyList<SnmpVariable> Variables { get; }

    /// <summary>The v1 trap fields, for a <see cref="SnmpPduType.TrapV1"/>.</summary>
    public SnmpV1Trap? V1Trap { get; }

    /// <summary>Encodes the PDU.</summary>
    public void WriteTo(BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.BeginConstructed((byte)Type);
        if (V1Trap is { } trap)
        {
            writer.WriteOid(trap.Enterprise);
            writer.WriteOctetString(trap.AgentAddress.GetAddressBytes(), BerTag.IpAddress);
            writer.WriteInteger(trap.GenericTrap);
            writer.WriteInteger(trap.SpecificTrap);
            writer.WriteUnsigned(trap.TimeStamp, BerTag.TimeTicks);
        }
        else
        {
            writer.WriteInteger(RequestId);
            writer.WriteInteger(RawErrorStatus);
            writer.WriteInteger(ErrorIndex);
        }

        writer.BeginSequence();
        foreach (var v in Variables)
        {
            writer.BeginSequence();
            writer.WriteOid(v.Oid);
            v.Value.WriteTo(writer);
            writer.EndConstructed();
        }

        writer.EndConstructed();
        writer.EndConstructed();
    }

    /// <summary>Decodes a PDU of any type (the reader is positioned on its tag).</summary>
    public static SnmpPdu Read(ref BerReader reader)
    {
        var tag = reader.PeekTag();
        if (tag is < (byte)SnmpPduType.GetRequest or > (byte)SnmpPduType.Report)
        {
            throw reader.Fail($"unknown PDU type 0x{tag:X2}");
        }

        var type = (SnmpPduType)tag;
        var pdu = reader.ReadConstructed(tag, type.ToString());
        SnmpPdu result;
        if (type == SnmpPduType.TrapV1)
        {
            var enterprise = pdu.ReadOid("enterprise");
            var addressAt = pdu.Offset;
            var address = pdu.ReadPrimitive(BerTag.IpAddress, "agent-addr");
            if (address.Length != 4)
            {
                throw new SnmpProtocolException($"agent-addr of {address.Length} octets (4 expected)", addressAt);
            }

            var addr = new IPAddress(address);
            var generic = pdu.ReadInt32("generic-trap");
            var specific = pdu.ReadInt32("specific-trap");
            var stampAt = pdu.Offset;
            var stamp = (uint)BerReader.DecodeUnsigned(pdu.ReadPrimitive(BerTag.TimeTicks, "time-stamp"), 32, stampAt, "time-stamp");
            result = new SnmpPdu(new SnmpV1Trap(enterprise, addr, generic, specific, stamp), ReadVariables(ref pdu));
        }
        else
        {
            var requestId = pdu.ReadInt32("request-id");
            var status = pdu.ReadInt32("error-status");
            var index = pdu.ReadInt32("error-index");
            result = new SnmpPdu(type, requestId, ReadVariables(ref pdu), status, index);
        }

        pdu.ExpectEnd(type.ToString());
        return result;
    }

    private static List<SnmpVariable> ReadVariables(ref BerReader pdu)
    {
        var list = pdu.ReadSequence("variable-bindings");
        var variables = new List<SnmpVariable>();
        while (list.HasData)
        {
            if (variables.Count == MaxVariables)
            {
                throw list.Fail($"more than {MaxVariables} variables");
            }

            var vb = list.ReadSequence("VarBind");
            var oid = vb.ReadOid("name");
            var value = SnmpValue.Read(ref vb);
            vb.ExpectEnd("VarBind");
            variables.Add(new SnmpVariable(oid, value));
        }

        return variables;
    }
}

using System.Buffers;
using System.Net;

namespace PowerWatch.Snmp.Tests;

/// <summary>
/// Messages against net-snmp's own bytes. RFC 3416 has no example in bytes, so the golden vectors are captures of
/// Debian net-snmp 5.9.3's tools talking to its snmpd (testdata/captures, made by capture.sh there).
/// </summary>
public sealed class MessageGoldenTests
{
    private static readonly string[] CommunityCaptures =
    [
        "get-v2c-sysdescr", "get-v1-sysuptime", "get-v1-nosuchname", "getnext-v2c-system", "getbulk-v2c-system",
        "get-v2c-nosuch", "getnext-v2c-endofmibview", "get-v2c-counters", "trap-v2c", "trap-v1",
    ];

    private static readonly string[] V3Captures = ["get-v3-authpriv-sha-aes", "get-v3-authpriv-sha256-aes", "get-v3-wrong-password"];

    public static TheoryData<string> CommunityCaptureNames() => [.. CommunityCaptures];

    public static TheoryData<string> V3CaptureNames() => [.. V3Captures];

    private static byte[] Encode(SnmpCommunityMessage message)
    {
        var output = new ArrayBufferWriter<byte>();
        message.Encode(output);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] Encode(SnmpV3Message message)
    {
        var output = new ArrayBufferWriter<byte>();
        message.Encode(output);
        return output.WrittenSpan.ToArray();
    }

    [Theory]
    [MemberData(nameof(CommunityCaptureNames))]
    public void Every_v1_and_v2c_packet_net_snmp_exchanged_decodes_and_reencodes_to_the_same_bytes(string capture)
    {
        var packets = Captures.Load(capture);
        Assert.NotEmpty(packets);
        foreach (var (_, bytes) in packets)
        {
            Assert.Equal(bytes, Encode(SnmpCommunityMessage.Decode(bytes)));
        }
    }

    [Theory]
    [MemberData(nameof(V3CaptureNames))]
    public void Every_v3_packet_net_snmp_exchanged_decodes_and_reencodes_to_the_same_bytes(string capture)
    {
        foreach (var (_, bytes) in Captures.Load(capture))
        {
            Assert.Equal(SnmpVersion.V3, SnmpMessage.PeekVersion(bytes));
            Assert.Equal(bytes, Encode(SnmpV3Message.Decode(bytes)));
        }
    }

    [Fact]
    public void Our_v2c_get_is_byte_identical_to_snmpget()
    {
        var sent = Captures.Sent("get-v2c-sysdescr");
        var requestId = SnmpCommunityMessage.Decode(sent).Pdu.RequestId;
        var ours = new SnmpCommunityMessage(SnmpVersion.V2c, "public"u8.ToArray(),
            new SnmpPdu(SnmpPduType.GetRequest, requestId, [SnmpVariable.Request(Oid.Parse("1.3.6.1.2.1.1.1.0"))]));
        Assert.Equal(sent, Encode(ours));

        var reply = SnmpCommunityMessage.Decode(Captures.Received("get-v2c-sysdescr"));
        Assert.Equal(SnmpPduType.Response, reply.Pdu.Type);
        Assert.Equal(requestId, reply.Pdu.RequestId);
        Assert.Equal(SnmpErrorStatus.NoError, reply.Pdu.ErrorStatus);
        var v = Assert.Single(reply.Pdu.Variables);
        Assert.Equal(".1.3.6.1.2.1.1.1.0 = STRING: \"PowerWatch test agent\"", v.ToString());
    }

    [Fact]
    public void V1_get_and_its_response_decode()
    {
        var request = SnmpCommunityMessage.Decode(Captures.Sent("get-v1-sysuptime"));
        Assert.Equal(SnmpVersion.V1, request.Version);
        Assert.Equal(SnmpPduType.GetRequest, request.Pdu.Type);
        var reply = SnmpCommunityMessage.Decode(Captures.Received("get-v1-sysuptime"));
        Assert.Equal(SnmpType.TimeTicks, reply.Pdu.Variables[0].Value.Type);
    }

    [Fact]
    public void V1_nosuchname_reply_carries_status_2_and_the_index_of_the_missing_variable()
    {
        var reply = SnmpCommunityMessage.Decode(Captures.Received("get-v1-nosuchname"));
        Assert.Equal(SnmpErrorStatus.NoSuchName, reply.Pdu.ErrorStatus);
        Assert.Equal(2, reply.Pdu.ErrorIndex);
        Assert.Equal(Oid.Parse("1.3.6.1.2.1.1.99.0"), reply.Pdu.Variables[1].Oid);
    }

    [Fact]
    public void Getbulk_request_carries_non_repeaters_and_max_repetitions_and_the_reply_interleaves()
    {
        var request = SnmpCommunityMessage.Decode(Captures.Sent("getbulk-v2c-system"));
        Assert.Equal(SnmpPduType.GetBulkRequest, request.Pdu.Type);
        Assert.Equal(1, request.Pdu.NonRepeaters);
        Assert.Equal(4, request.Pdu.MaxRepetitions);
        var ours = new SnmpCommunityMessage(SnmpVersion.V2c, "public"u8.ToArray(), SnmpPdu.GetBulk(request.Pdu.RequestId, 1, 4,
            [SnmpVariable.Request(Oid.Parse("1.3.6.1.2.1.1.1.0")), SnmpVariable.Request(Oid.Parse("1.3.6.1.2.1.1"))]));
        Assert.Equal(Captures.Sent("getbulk-v2c-system"), Encode(ours));

        var reply = SnmpCommunityMessage.Decode(Captures.Received("getbulk-v2c-system"));
        Assert.Equal(
            ["1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.4.0"],
            reply.Pdu.Variables.Select(v => v.Oid.ToString()));
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.8072.3.2.10"), reply.Pdu.Variables[0].Value.AsOid());
        Assert.Equal(2087u, reply.Pdu.Variables[3].Value.AsUInt32());
        Assert.Equal("ops@example.com", reply.Pdu.Variables[4].Value.AsString());
    }

    [Fact]
    public void NoSuchObject_noSuchInstance_and_endOfMibView_decode_as_exception_values()
    {
        var nosuch = SnmpCommunityMessage.Decode(Captures.Received("get-v2c-nosuch")).Pdu.Variables;
        Assert.Equal(SnmpType.NoSuchObject, nosuch[0].Value.Type);
        Assert.Equal(SnmpType.NoSuchInstance, nosuch[1].Value.Type);
        Assert.True(nosuch[0].Value.IsException);
        var end = SnmpCommunityMessage.Decode(Captures.Received("getnext-v2c-endofmibview")).Pdu.Variables;
        Assert.Equal(SnmpType.EndOfMibView, Assert.Single(end).Value.Type);
        Assert.Equal(Oid.Parse("1.3.6.1.6.3.99"), end[0].Oid);
    }

    [Fact]
    public void Counter32_Gauge32_Counter64_and_IpAddress_decode_as_snmpget_printed_them()
    {
        // snmpget printed: Counter32: 3481108302, Gauge32: 10000000, Counter64: 3481108302, IpAddress: 127.0.0.1
        var v = SnmpCommunityMessage.Decode(Captures.Received("get-v2c-counters")).Pdu.Variables;
        Assert.Equal(3481108302u, v[0].Value.AsUInt32());
        Assert.Equal(SnmpType.Counter32, v[0].Value.Type);
        Assert.Equal(10000000u, v[1].Value.AsUInt32());
        Assert.Equal(SnmpType.Gauge32, v[1].Value.Type);
        Assert.Equal(3481108302ul, v[2].Value.AsUInt64());
        Assert.Equal(IPAddress.Loopback, v[3].Value.AsIpAddress());
        Assert.True(v[2].Value.TryGetInt64(out var n) && n == 3481108302);
    }

    [Fact]
    public void V2c_trap_from_snmptrap_decodes_with_uptime_trap_oid_and_payload()
    {
        var trap = SnmpCommunityMessage.Decode(Captures.Sent("trap-v2c")).Pdu;
        Assert.Equal(SnmpPduType.TrapV2, trap.Type);
        Assert.Equal(12345u, trap.Variables[0].Value.AsUInt32());
        Assert.Equal(Oid.Parse("1.3.6.1.6.3.1.1.4.1.0"), trap.Variables[1].Oid);
        Assert.Equal(Oid.Parse("1.3.6.1.6.3.1.1.5.1"), trap.Variables[1].Value.AsOid());
        Assert.Equal("ups1", trap.Variables[2].Value.AsString());
    }

    [Fact]
    public void V1_trap_from_snmptrap_decodes_its_own_fields()
    {
        var message = SnmpCommunityMessage.Decode(Captures.Sent("trap-v1"));
        Assert.Equal(SnmpVersion.V1, message.Version);
        var trap = message.Pdu.V1Trap!;
        Assert.Equal(Oid.Parse("1.3.6.1.4.1.318"), trap.Enterprise);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), trap.AgentAddress);
        Assert.Equal(6, trap.GenericTrap);
        Assert.Equal(5, trap.SpecificTrap);
        Assert.Equal(12345u, trap.TimeStamp);
        Assert.Equal("ups1", message.Pdu.Variables[0].Value.AsString());
    }

    [Fact]
    public void Inform_request_round_trips()
    {
        var inform = new SnmpCommunityMessage(SnmpVersion.V2c, "public"u8.ToArray(), new SnmpPdu(SnmpPduType.InformRequest, 7,
            [new(Oid.Parse("1.3.6.1.2.1.1.3.0"), SnmpValue.TimeTicks(100)), new(Oid.Parse("1.3.6.1.6.3.1.1.4.1.0"), SnmpValue.ObjectIdentifier(Oid.Parse("1.3.6.1.6.3.1.1.5.1")))]));
        var back = SnmpCommunityMessage.Decode(Encode(inform));
        Assert.Equal(SnmpPduType.InformRequest, back.Pdu.Type);
        Assert.Equal(inform.Pdu.Variables, back.Pdu.Variables);
    }

    [Fact]
    public void V1_message_with_a_v2_pdu_and_v2c_message_with_a_v1_trap_are_rejected()
    {
        var bulk = Captures.Sent("getbulk-v2c-system");
        bulk[4] = 0x00; // version 1 -> 0
        Assert.Throws<SnmpProtocolException>(() => SnmpCommunityMessage.Decode(bulk));
        var trap = Captures.Sent("trap-v1");
        trap[4] = 0x01;
        Assert.Throws<SnmpProtocolException>(() => SnmpCommunityMessage.Decode(trap));
    }

    [Fact]
    public void Our_v3_discovery_request_is_byte_identical_to_net_snmps()
    {
        var sent = Captures.Sent("get-v3-authpriv-sha-aes");
        var theirs = SnmpV3Message.Decode(sent);
        Assert.Equal(SnmpV3Flags.Reportable, theirs.Flags);
        Assert.Equal(65507, theirs.MaxSize);
        Assert.True(theirs.Security.EngineId.IsEmpty);
        var session = new UsmSession(new SnmpClientOptions { Version = SnmpVersion.V3, User = "pwuser" });
        Assert.Equal(sent, session.EncodeDiscovery(theirs.MessageId, theirs.ScopedPdu!.Pdu.RequestId));
    }

    [Fact]
    public void Discovery_report_carries_the_engine_id_boots_and_time()
    {
        var report = SnmpV3Message.Decode(Captures.Received("get-v3-authpriv-sha-aes"));
        Assert.Equal("80001F8880470DBD678A34176B00000000", Convert.ToHexString(report.Security.EngineId.Span));
        Assert.Equal(1, report.Security.EngineBoots);
        Assert.Equal(21, report.Security.EngineTime);
        Assert.Equal(SnmpPduType.Report, report.ScopedPdu!.Pdu.Type);
        Assert.Equal(Oid.Parse("1.3.6.1.6.3.15.1.1.4.0"), report.ScopedPdu.Pdu.Variables[0].Oid); // usmStatsUnknownEngineIDs
    }

    [Fact]
    public void Wrong_password_report_names_usmStatsWrongDigests()
    {
        var report = SnmpV3Message.Decode(Captures.Received("get-v3-wrong-password", 1));
        Assert.Equal(SnmpV3Flags.None, report.Flags);
        Assert.Equal(Oid.Parse("1.3.6.1.6.3.15.1.1.5.0"), report.ScopedPdu!.Pdu.Variables[0].Oid);
    }

    [Fact]
    public void Message_and_security_parameters_print_no_secrets()
    {
        var message = SnmpCommunityMessage.Decode(Captures.Sent("get-v2c-sysdescr"));
        Assert.DoesNotContain("public", message.ToString(), StringComparison.Ordinal);
        var v3 = SnmpV3Message.Decode(Captures.Sent("get-v3-authpriv-sha-aes", 1));
        Assert.DoesNotContain(Convert.ToHexString(v3.Security.AuthenticationParameters.Span), v3.ToString(), StringComparison.Ordinal);
    }
}

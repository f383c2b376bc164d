using System.Buffers;
using PowerWatch.Mqtt;
using PowerWatch.Mqtt.Packets;
using PowerWatch.Snmp;

namespace PowerWatch.Fuzz.Targets;

/// <summary>The MQTT packet decoder (agent/PowerWatch.Mqtt) and the SNMP BER message decoders (agent/PowerWatch.Snmp).</summary>
internal static class WireTargets
{
    private const int MqttMaxInput = 4096;

    public static IEnumerable<FuzzTarget> All =>
    [
        new()
        {
            Name = "mqtt",
            Parser = "MqttPacketDecoder.TryDecode (3.1.1 and 5.0) until the buffer is drained, split buffer",
            Entry = Mqtt,
            Expected = static e => e is MqttProtocolException,
            MaxInput = MqttMaxInput,
        },
        new()
        {
            Name = "snmp",
            Parser = "SnmpMessage.PeekVersion, SnmpCommunityMessage.Decode / SnmpV3Message.Decode, SnmpScopedPdu.Decode",
            Entry = Snmp,
            Expected = static e => e is SnmpProtocolException,
            // A datagram is at most 65,507 bytes; the client reads one into a buffer of its maximum message size.
            MaxInput = 8192,
        },
    ];

    private static void Mqtt(ReadOnlySpan<byte> input)
    {
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            var decoder = new MqttPacketDecoder(version, MqttMaxInput);
            var buffer = Sequences.Split(input);
            try
            {
                Sequences.Drain(ref buffer, "MqttPacketDecoder.TryDecode", (ref ReadOnlySequence<byte> b) => decoder.TryDecode(ref b, out _));
            }
            catch (MqttProtocolException)
            {
                // The connection is closed on a malformed packet; the other version still gets the input.
            }
        }
    }

    private static void Snmp(ReadOnlySpan<byte> input)
    {
        try
        {
            if (SnmpMessage.PeekVersion(input) == SnmpVersion.V3)
            {
                SnmpV3Message.Decode(input);
            }
            else
            {
                SnmpCommunityMessage.Decode(input);
            }
        }
        catch (SnmpProtocolException)
        {
            // The decrypted ScopedPDU decoder below gets the same bytes either way.
        }

        SnmpScopedPdu.Decode(input);
    }
}

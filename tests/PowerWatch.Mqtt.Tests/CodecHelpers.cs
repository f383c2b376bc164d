using System.Buffers;
using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt.Tests;

internal static class Codec
{
    public static byte[] Encode(MqttPacket packet, MqttProtocolVersion version = MqttProtocolVersion.V311)
    {
        var w = new ArrayBufferWriter<byte>();
        new MqttPacketEncoder(version).Encode(packet, w);
        return w.WrittenSpan.ToArray();
    }

    public static MqttPacket Decode(byte[] bytes, MqttProtocolVersion version = MqttProtocolVersion.V311, int max = MqttPacketDecoder.ProtocolMaximumPacketSize)
    {
        var seq = new ReadOnlySequence<byte>(bytes);
        Assert.True(new MqttPacketDecoder(version, max).TryDecode(ref seq, out var packet), "decoder wanted more bytes");
        Assert.Equal(0, seq.Length);
        return packet!;
    }

    public static MqttProtocolException DecodeFails(byte[] bytes, MqttProtocolVersion version = MqttProtocolVersion.V311, int max = MqttPacketDecoder.ProtocolMaximumPacketSize)
    {
        var seq = new ReadOnlySequence<byte>(bytes);
        var decoder = new MqttPacketDecoder(version, max);
        return Assert.Throws<MqttProtocolException>(() => decoder.TryDecode(ref seq, out _));
    }

    public static byte[] Bytes(params object[] parts)
    {
        var list = new List<byte>();
        foreach (var p in parts)
        {
            switch (p)
            {
                case int i: list.Add(checked((byte)i)); break;
                case byte b: list.Add(b); break;
                case string s: list.AddRange(System.Text.Encoding.UTF8.GetBytes(s)); break;
                case byte[] a: list.AddRange(a); break;
                default: throw new ArgumentException(p.GetType().Name);
            }
        }

        return [.. list];
    }
}

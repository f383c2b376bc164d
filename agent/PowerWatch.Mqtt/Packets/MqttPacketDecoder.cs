using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace PowerWatch.Mqtt.Packets;

/// <summary>
/// Incremental, pure decoder: <see cref="TryDecode"/> takes one complete packet off the front of a
/// <see cref="ReadOnlySequence{T}"/>, or returns false (consuming nothing) when more bytes are needed.
/// Malformed input raises <see cref="MqttProtocolException"/> only, as soon as the fixed header proves it bad.
/// </summary>
internal sealed class MqttPacketDecoder
{
    /// <summary>Largest packet the protocol can express: 1 + 4 + 268,435,455 bytes.</summary>
    public const int ProtocolMaximumPacketSize = 1 + 4 + MqttWire.MaxVariableByteInteger;

    public MqttPacketDecoder(MqttProtocolVersion version, int maximumPacketSize = ProtocolMaximumPacketSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumPacketSize, 2);
        Version = version;
        MaximumPacketSize = maximumPacketSize;
    }

    /// <summary>Protocol version of the connection (decides whether properties and reason codes are present).</summary>
    public MqttProtocolVersion Version { get; set; }

    /// <summary>Whole-packet size limit (fixed header included); larger packets are rejected before they are buffered.</summary>
    public int MaximumPacketSize { get; set; }

    private bool V5 => Version == MqttProtocolVersion.V500;

    public bool TryDecode(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out MqttPacket? packet)
    {
        packet = null;
        if (buffer.Length < 2)
        {
            return false;
        }

        var reader = new SequenceReader<byte>(buffer);
        reader.TryRead(out var first);
        var remaining = 0;
        var multiplier = 1;
        var headerBytes = 1;
        while (true)
        {
            if (!reader.TryRead(out var b))
            {
                return false;
            }

            headerBytes++;
            remaining += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0)
            {
                break;
            }

            if (headerBytes == 5)
            {
                throw new MqttProtocolException(MqttProtocolError.VariableByteIntegerTooLong, "remaining length uses more than 4 bytes");
            }

            multiplier *= 128;
        }

        var type = (MqttPacketType)(first >> 4);
        ValidateFixedHeaderFlags(type, (byte)(first & 0x0F));
        var total = (long)headerBytes + remaining;
        if (total > MaximumPacketSize)
        {
            throw new MqttProtocolException(MqttProtocolError.PacketTooLarge, $"{type} packet of {total} bytes exceeds the maximum packet size {MaximumPacketSize}");
        }

        if (buffer.Length < total)
        {
            return false;
        }

        var body = buffer.Slice(headerBytes, remaining);
        if (body.IsSingleSegment)
        {
            packet = DecodeBody(type, (byte)(first & 0x0F), body.FirstSpan);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent(remaining);
            try
            {
                body.CopyTo(rented);
                packet = DecodeBody(type, (byte)(first & 0x0F), rented.AsSpan(0, remaining));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        buffer = buffer.Slice(total);
        return true;
    }

    private static void ValidateFixedHeaderFlags(MqttPacketType type, byte flags)
    {
        switch (type)
        {
            case MqttPacketType.Publish:
                if ((flags & 0x06) == 0x06)
                {
                    throw new MqttProtocolException(MqttProtocolError.InvalidFixedHeaderFlags, "PUBLISH with QoS 3");
                }

                return;
            case MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe:
                if (flags != 0x02)
                {
                    throw new MqttProtocolException(MqttProtocolError.InvalidFixedHeaderFlags, $"{type} flags must be 0010, got {Convert.ToString(flags, 2).PadLeft(4, '0')}");
                }

                return;
            case >= MqttPacketType.Connect and <= MqttPacketType.Disconnect:
                if (flags != 0)
                {
                    throw new MqttProtocolException(MqttProtocolError.InvalidFixedHeaderFlags, $"{type} flags must be 0000, got {Convert.ToString(flags, 2).PadLeft(4, '0')}");
                }

                return;
            case MqttPacketType.Auth:
                throw new MqttProtocolException(MqttProtocolError.UnknownPacketType, "AUTH (15) is not supported by this client");
            default:
                throw new MqttProtocolException(MqttProtocolError.UnknownPacketType, $"packet type {(byte)type} is reserved");
        }
    }

    private MqttPacket DecodeBody(MqttPacketType type, byte flags, ReadOnlySpan<byte> body)
    {
        var r = new Reader(body);
        MqttPacket packet = type switch
        {
            MqttPacketType.Connect => DecodeConnect(ref r),
            MqttPacketType.ConnAck => DecodeConnAck(ref r),
            MqttPacketType.Publish => DecodePublish(ref r, flags),
            MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp => DecodePubAck(ref r, type),
            MqttPacketType.Subscribe => DecodeSubscribe(ref r),
            MqttPacketType.SubAck => DecodeSubAck(ref r),
            MqttPacketType.Unsubscribe => DecodeUnsubscribe(ref r),
            MqttPacketType.UnsubAck => DecodeUnsubAck(ref r),
            MqttPacketType.PingReq => new PingReqPacket(),
            MqttPacketType.PingResp => new PingRespPacket(),
            MqttPacketType.Disconnect => DecodeDisconnect(ref r),
            _ => throw new MqttProtocolException(MqttProtocolError.UnknownPacketType, $"packet type {(byte)type}"),
        };
        if (!r.End)
        {
            throw new MqttProtocolException(MqttProtocolError.MalformedLength, $"{type}: {r.Remaining} unexpected bytes after the packet content");
        }

        return packet;
    }

    private ConnectPacket DecodeConnect(ref Reader r)
    {
        var name = r.ReadString();
        if (name != "MQTT")
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidValue, $"protocol name '{name}' is not 'MQTT'");
        }

        var level = r.ReadByte();
        if (level is not (4 or 5))
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidValue, $"unsupported protocol level {level}");
        }

        Version = (MqttProtocolVersion)level;
        var flags = r.ReadByte();
        if ((flags & 0x01) != 0)
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidValue, "CONNECT reserved flag is set");
        }

        var p = new ConnectPacket
        {
            ProtocolVersion = (MqttProtocolVersion)level,
            CleanStart = (flags & 0x02) != 0,
            KeepAliveSeconds = r.ReadUInt16(),
        };
        var willQos = (flags >> 3) & 0x03;
        if (willQos == 3 || ((flags & 0x04) == 0 && (willQos != 0 || (flags & 0x20) != 0)))
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidValue, "CONNECT will flags are inconsistent");
        }

        p.Properties = V5 ? ReadProperties(ref r) : null;
        p.ClientId = r.ReadString();
        if ((flags & 0x04) != 0)
        {
            p.WillProperties = V5 ? ReadProperties(ref r) : null;
            p.WillTopic = r.ReadTopicName();
            p.WillPayload = r.ReadBinary().ToArray();
            p.WillQoS = (MqttQualityOfService)willQos;
            p.WillRetain = (flags & 0x20) != 0;
        }

        if ((flags & 0x80) != 0)
        {
            p.UserName = r.ReadString();
        }

        if ((flags & 0x40) != 0)
        {
            p.Password = r.ReadBinary().ToArray();
        }

        return p;
    }

    private ConnAckPacket DecodeConnAck(ref Reader r)
    {
        var ackFlags = r.ReadByte();
        if ((ackFlags & 0xFE) != 0)
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidValue, "CONNACK acknowledge flags bits 7-1 must be 0");
        }

        var p = new ConnAckPacket { SessionPresent = (ackFlags & 1) != 0, ReasonCode = r.ReadByte() };
        if (V5 && !r.End)
        {
            p.Properties = ReadProperties(ref r);
        }

        return p;
    }

    private PublishPacket DecodePublish(ref Reader r, byte flags)
    {
        var p = new PublishPacket
        {
            Dup = (flags & 0x08) != 0,
            QoS = (MqttQualityOfService)((flags >> 1) & 0x03),
            Retain = (flags & 0x01) != 0,
        };
        if (p.QoS == MqttQualityOfService.AtMostOnce && p.Dup)
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidFixedHeaderFlags, "DUP must be 0 for a QoS 0 PUBLISH");
        }

        p.Topic = V5 ? r.ReadString() : r.ReadTopicName();
        if (p.QoS != MqttQualityOfService.AtMostOnce)
        {
            p.PacketId = r.ReadPacketId();
        }

        if (V5)
        {
            p.Properties = ReadProperties(ref r);
            if (p.Topic.Length == 0 && p.Properties.TopicAlias is null)
            {
                throw new MqttProtocolException(MqttProtocolError.InvalidTopic, "empty topic name without a topic alias");
            }

            if (p.Topic.Length > 0 && MqttTopic.ValidateTopicName(p.Topic) is { } why)
            {
                throw new MqttProtocolException(MqttProtocolError.InvalidTopic, why);
            }
        }

        p.Payload = r.ReadRest().ToArray();
        return p;
    }

    private PubAckPacket DecodePubAck(ref Reader r, MqttPacketType type)
    {
        var p = new PubAckPacket(type) { PacketId = r.ReadPacketId() };
        if (V5 && !r.End)
        {
            p.ReasonCode = (MqttReasonCode)r.ReadByte();
            if (!r.End)
            {
                p.Properties = ReadProperties(ref r);
            }
        }

        return p;
    }

    private SubscribePacket DecodeSubscribe(ref Reader r)
    {
        var p = new SubscribePacket { PacketId = r.ReadPacketId() };
        if (V5)
        {
            p.Properties = ReadProperties(ref r);
        }

        while (!r.End)
        {
            var filter = r.ReadTopicFilter();
            var options = r.ReadByte();
            if ((options & 0x03) == 3 || (V5 ? (options & 0xC0) != 0 || ((options >> 4) & 0x03) == 3 : (options & 0xFC) != 0))
            {
                throw new MqttProtocolException(MqttProtocolError.InvalidValue, $"invalid subscription options 0x{options:X2}");
            }

            p.Subscriptions.Add(new MqttSubscription(filter, (MqttQualityOfService)(options & 0x03))
            {
                NoLocal = (options & 0x04) != 0,
                RetainAsPublished = (options & 0x08) != 0,
                RetainHandling = (MqttRetainHandling)((options >> 4) & 0x03),
            });
        }

        if (p.Subscriptions.Count == 0)
        {
            throw new MqttProtocolException(MqttProtocolError.MalformedLength, "SUBSCRIBE without topic filters");
        }

        return p;
    }

    private SubAckPacket DecodeSubAck(ref Reader r)
    {
        var p = new SubAckPacket { PacketId = r.ReadPacketId() };
        if (V5)
        {
            p.Properties = ReadProperties(ref r);
        }

        while (!r.End)
        {
            p.ReasonCodes.Add((MqttReasonCode)r.ReadByte());
        }

        return p;
    }

    private UnsubscribePacket DecodeUnsubscribe(ref Reader r)
    {
        var p = new UnsubscribePacket { PacketId = r.ReadPacketId() };
        if (V5)
        {
            p.Properties = ReadProperties(ref r);
        }

        while (!r.End)
        {
            p.TopicFilters.Add(r.ReadTopicFilter());
        }

        if (p.TopicFilters.Count == 0)
        {
            throw new MqttProtocolException(MqttProtocolError.MalformedLength, "UNSUBSCRIBE without topic filters");
        }

        return p;
    }

    private UnsubAckPacket DecodeUnsubAck(ref Reader r)
    {
        var p = new UnsubAckPacket { PacketId = r.ReadPacketId() };
        if (V5)
        {
            p.Properties = ReadProperties(ref r);
            while (!r.End)
            {
                p.ReasonCodes.Add((MqttReasonCode)r.ReadByte());
            }
        }

        return p;
    }

    private DisconnectPacket DecodeDisconnect(ref Reader r)
    {
        var p = new DisconnectPacket();
        if (V5 && !r.End)
        {
            p.ReasonCode = (MqttReasonCode)r.ReadByte();
            if (!r.End)
            {
                p.Properties = ReadProperties(ref r);
            }
        }

        return p;
    }

    private static MqttProperties ReadProperties(ref Reader outer)
    {
        var length = outer.ReadVariableByteInteger();
        var r = new Reader(outer.ReadSpan(length));
        var p = new MqttProperties();
        ulong seen = 0;
        while (!r.End)
        {
            var id = r.ReadVariableByteInteger();
            if (id is not (MqttPropertyId.UserProperty or MqttPropertyId.SubscriptionIdentifier))
            {
                var bit = 1UL << (id & 63);
                if (id < 64 && (seen & bit) != 0)
                {
                    throw new MqttProtocolException(MqttProtocolError.InvalidValue, $"property 0x{id:X2} appears twice");
                }

                seen |= bit;
            }

            switch (id)
            {
                case MqttPropertyId.PayloadFormatIndicator: p.PayloadFormatIndicator = r.ReadByte(); break;
                case MqttPropertyId.MessageExpiryInterval: p.MessageExpiryInterval = r.ReadUInt32(); break;
                case MqttPropertyId.ContentType: p.ContentType = r.ReadString(); break;
                case MqttPropertyId.ResponseTopic: p.ResponseTopic = r.ReadTopicName(); break;
                case MqttPropertyId.CorrelationData: p.CorrelationData = r.ReadBinary().ToArray(); break;
                case MqttPropertyId.SubscriptionIdentifier: (p.SubscriptionIdentifiers ??= []).Add((uint)r.ReadVariableByteInteger()); break;
                case MqttPropertyId.SessionExpiryInterval: p.SessionExpiryInterval = r.ReadUInt32(); break;
                case MqttPropertyId.AssignedClientIdentifier: p.AssignedClientIdentifier = r.ReadString(); break;
                case MqttPropertyId.ServerKeepAlive: p.ServerKeepAlive = r.ReadUInt16(); break;
                case MqttPropertyId.AuthenticationMethod: p.AuthenticationMethod = r.ReadString(); break;
                case MqttPropertyId.AuthenticationData: p.AuthenticationData = r.ReadBinary().ToArray(); break;
                case MqttPropertyId.RequestProblemInformation: p.RequestProblemInformation = r.ReadByte(); break;
                case MqttPropertyId.WillDelayInterval: p.WillDelayInterval = r.ReadUInt32(); break;
                case MqttPropertyId.RequestResponseInformation: p.RequestResponseInformation = r.ReadByte(); break;
                case MqttPropertyId.ResponseInformation: p.ResponseInformation = r.ReadString(); break;
                case MqttPropertyId.ServerReference: p.ServerReference = r.ReadString(); break;
                case MqttPropertyId.ReasonString: p.ReasonString = r.ReadString(); break;
                case MqttPropertyId.ReceiveMaximum: p.ReceiveMaximum = NonZero(r.ReadUInt16(), "Receive Maximum"); break;
                case MqttPropertyId.TopicAliasMaximum: p.TopicAliasMaximum = r.ReadUInt16(); break;
                case MqttPropertyId.TopicAlias: p.TopicAlias = NonZero(r.ReadUInt16(), "Topic Alias"); break;
                case MqttPropertyId.MaximumQoS: p.MaximumQoS = Boolean(r.ReadByte(), "Maximum QoS"); break;
                case MqttPropertyId.RetainAvailable: p.RetainAvailable = Boolean(r.ReadByte(), "Retain Available"); break;
                case MqttPropertyId.UserProperty: (p.UserProperties ??= []).Add(new MqttUserProperty(r.ReadString(), r.ReadString())); break;
                case MqttPropertyId.MaximumPacketSize:
                    p.MaximumPacketSize = r.ReadUInt32();
                    if (p.MaximumPacketSize == 0)
                    {
                        throw new MqttProtocolException(MqttProtocolError.InvalidValue, "Maximum Packet Size 0");
                    }

                    break;
                case MqttPropertyId.WildcardSubscriptionAvailable: p.WildcardSubscriptionAvailable = Boolean(r.ReadByte(), "Wildcard Subscription Available"); break;
                case MqttPropertyId.SubscriptionIdentifierAvailable: p.SubscriptionIdentifierAvailable = Boolean(r.ReadByte(), "Subscription Identifier Available"); break;
                case MqttPropertyId.SharedSubscriptionAvailable: p.SharedSubscriptionAvailable = Boolean(r.ReadByte(), "Shared Subscription Available"); break;
                default:
                    throw new MqttProtocolException(MqttProtocolError.InvalidValue, $"unknown property identifier 0x{id:X2}");
            }
        }

        return p;
    }

    private static ushort NonZero(ushort value, string name) =>
        value != 0 ? value : throw new MqttProtocolException(MqttProtocolError.InvalidValue, $"{name} must not be 0");

    private static byte Boolean(byte value, string name) =>
        value <= 1 ? value : throw new MqttProtocolException(MqttProtocolError.InvalidValue, $"{name} must be 0 or 1, got {value}");

    /// <summary>Bounds-checked reader over one packet body; every overrun is a malformed length.</summary>
    private ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _span;
        private int _position;

        public Reader(ReadOnlySpan<byte> span)
        {
            _span = span;
            _position = 0;
        }

        public readonly bool End => _position >= _span.Length;

        public readonly int Remaining => _span.Length - _position;

        public byte ReadByte() => ReadSpan(1)[0];

        public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(ReadSpan(2));

        public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4));

        public ushort ReadPacketId()
        {
            var id = ReadUInt16();
            return id != 0 ? id : throw new MqttProtocolException(MqttProtocolError.InvalidValue, "packet identifier 0");
        }

        public int ReadVariableByteInteger()
        {
            var value = 0;
            var multiplier = 1;
            for (var i = 0; i < 4; i++)
            {
                var b = ReadByte();
                value += (b & 0x7F) * multiplier;
                if ((b & 0x80) == 0)
                {
                    return value;
                }

                multiplier *= 128;
            }

            throw new MqttProtocolException(MqttProtocolError.VariableByteIntegerTooLong, "variable byte integer uses more than 4 bytes");
        }

        public ReadOnlySpan<byte> ReadSpan(int length)
        {
            if (length < 0 || length > _span.Length - _position)
            {
                throw new MqttProtocolException(MqttProtocolError.MalformedLength, $"field of {length} bytes runs past the end of the packet ({Remaining} left)");
            }

            var s = _span.Slice(_position, length);
            _position += length;
            return s;
        }

        public ReadOnlySpan<byte> ReadBinary() => ReadSpan(ReadUInt16());

        public ReadOnlySpan<byte> ReadRest() => ReadSpan(Remaining);

        public string ReadString()
        {
            var bytes = ReadBinary();
            string s;
            try
            {
                s = MqttWire.StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw new MqttProtocolException(MqttProtocolError.InvalidUtf8, "string is not well-formed UTF-8");
            }

            if (s.Contains('\0', StringComparison.Ordinal))
            {
                throw new MqttProtocolException(MqttProtocolError.InvalidUtf8, "string contains U+0000");
            }

            return s;
        }

        public string ReadTopicName()
        {
            var s = ReadString();
            return MqttTopic.ValidateTopicName(s) is { } why ? throw new MqttProtocolException(MqttProtocolError.InvalidTopic, why) : s;
        }

        public string ReadTopicFilter()
        {
            var s = ReadString();
            return MqttTopic.ValidateTopicFilter(s) is { } why ? throw new MqttProtocolException(MqttProtocolError.InvalidTopic, why) : s;
        }
    }
}

using System.Buffers;

namespace PowerWatch.Mqtt.Packets;

/// <summary>
/// Encodes control packets for one protocol version into an <see cref="IBufferWriter{T}"/>. Pure: no I/O.
/// An instance reuses scratch buffers and is not thread-safe; use one per writer.
/// </summary>
internal sealed class MqttPacketEncoder
{
    private readonly ArrayBufferWriter<byte> _body = new(256);
    private readonly ArrayBufferWriter<byte> _properties = new(64);

    public MqttPacketEncoder(MqttProtocolVersion version)
    {
        Version = version;
    }

    public MqttProtocolVersion Version { get; }

    private bool V5 => Version == MqttProtocolVersion.V500;

    /// <summary>Encodes one packet; returns the number of bytes written.</summary>
    public int Encode(MqttPacket packet, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(output);
        _body.ResetWrittenCount();
        byte first;
        switch (packet)
        {
            case ConnectPacket p:
                first = 0x10;
                EncodeConnect(p);
                break;
            case ConnAckPacket p:
                first = 0x20;
                MqttWire.WriteByte(_body, p.SessionPresent ? (byte)1 : (byte)0);
                MqttWire.WriteByte(_body, p.ReasonCode);
                WritePropertiesIfV5(_body, p.Properties);
                break;
            case PublishPacket p:
                first = (byte)(0x30 | (p.Dup ? 0x08 : 0) | ((byte)p.QoS << 1) | (p.Retain ? 1 : 0));
                MqttWire.WriteString(_body, p.Topic);
                if (p.QoS != MqttQualityOfService.AtMostOnce)
                {
                    MqttWire.WriteUInt16(_body, p.PacketId);
                }

                WritePropertiesIfV5(_body, p.Properties);
                MqttWire.WriteBytes(_body, p.Payload.Span);
                break;
            case PubAckPacket p:
                first = (byte)(((byte)p.Type << 4) | (p.Type == MqttPacketType.PubRel ? 0x02 : 0));
                MqttWire.WriteUInt16(_body, p.PacketId);
                if (V5 && (p.ReasonCode != MqttReasonCode.Success || p.Properties is not null))
                {
                    MqttWire.WriteByte(_body, (byte)p.ReasonCode);
                    if (p.Properties is not null)
                    {
                        WriteProperties(_body, p.Properties);
                    }
                }

                break;
            case SubscribePacket p:
                first = 0x82;
                MqttWire.WriteUInt16(_body, p.PacketId);
                WritePropertiesIfV5(_body, p.Properties);
                foreach (var s in p.Subscriptions)
                {
                    MqttWire.WriteString(_body, s.TopicFilter);
                    var options = (byte)s.QualityOfService;
                    if (V5)
                    {
                        options |= (byte)((s.NoLocal ? 0x04 : 0) | (s.RetainAsPublished ? 0x08 : 0) | ((byte)s.RetainHandling << 4));
                    }

                    MqttWire.WriteByte(_body, options);
                }

                break;
            case SubAckPacket p:
                first = 0x90;
                MqttWire.WriteUInt16(_body, p.PacketId);
                WritePropertiesIfV5(_body, p.Properties);
                foreach (var c in p.ReasonCodes)
                {
                    MqttWire.WriteByte(_body, (byte)c);
                }

                break;
            case UnsubscribePacket p:
                first = 0xA2;
                MqttWire.WriteUInt16(_body, p.PacketId);
                WritePropertiesIfV5(_body, p.Properties);
                foreach (var f in p.TopicFilters)
                {
                    MqttWire.WriteString(_body, f);
                }

                break;
            case UnsubAckPacket p:
                first = 0xB0;
                MqttWire.WriteUInt16(_body, p.PacketId);
                if (V5)
                {
                    WriteProperties(_body, p.Properties);
                    foreach (var c in p.ReasonCodes)
                    {
                        MqttWire.WriteByte(_body, (byte)c);
                    }
                }

                break;
            case PingReqPacket:
                first = 0xC0;
                break;
            case PingRespPacket:
                first = 0xD0;
                break;
            case DisconnectPacket p:
                first = 0xE0;
                if (V5 && (p.ReasonCode != MqttReasonCode.Success || p.Properties is not null))
                {
                    MqttWire.WriteByte(_body, (byte)p.ReasonCode);
                    if (p.Properties is not null)
                    {
                        WriteProperties(_body, p.Properties);
                    }
                }

                break;
            default:
                throw new ArgumentException($"cannot encode {packet.Type}", nameof(packet));
        }

        var remaining = _body.WrittenCount;
        var headerSize = 1 + MqttWire.VariableByteIntegerSize(remaining);
        var span = output.GetSpan(headerSize + remaining);
        span[0] = first;
        MqttWire.WriteVariableByteInteger(span[1..], remaining);
        _body.WrittenSpan.CopyTo(span[headerSize..]);
        output.Advance(headerSize + remaining);
        return headerSize + remaining;
    }

    private void EncodeConnect(ConnectPacket p)
    {
        if (p.ProtocolVersion != Version)
        {
            throw new ArgumentException("CONNECT protocol version differs from the encoder's", nameof(p));
        }

        MqttWire.WriteString(_body, "MQTT");
        MqttWire.WriteByte(_body, (byte)p.ProtocolVersion);
        var hasWill = p.WillTopic is not null;
        if (!V5 && p.Password is not null && p.UserName is null)
        {
            throw new ArgumentException("MQTT 3.1.1 does not allow a password without a user name (3.1.2.9)", nameof(p));
        }

        var flags = (byte)((p.UserName is not null ? 0x80 : 0)
            | (p.Password is not null ? 0x40 : 0)
            | (hasWill && p.WillRetain ? 0x20 : 0)
            | (hasWill ? ((byte)p.WillQoS << 3) | 0x04 : 0)
            | (p.CleanStart ? 0x02 : 0));
        MqttWire.WriteByte(_body, flags);
        MqttWire.WriteUInt16(_body, p.KeepAliveSeconds);
        WritePropertiesIfV5(_body, p.Properties);
        MqttWire.WriteString(_body, p.ClientId);
        if (hasWill)
        {
            WritePropertiesIfV5(_body, p.WillProperties);
            MqttWire.WriteString(_body, p.WillTopic!);
            MqttWire.WriteBinary(_body, p.WillPayload ?? []);
        }

        if (p.UserName is not null)
        {
            MqttWire.WriteString(_body, p.UserName);
        }

        if (p.Password is not null)
        {
            MqttWire.WriteBinary(_body, p.Password);
        }
    }

    private void WritePropertiesIfV5(ArrayBufferWriter<byte> target, MqttProperties? properties)
    {
        if (V5)
        {
            WriteProperties(target, properties);
        }
    }

    private void WriteProperties(ArrayBufferWriter<byte> target, MqttProperties? p)
    {
        _properties.ResetWrittenCount();
        if (p is not null)
        {
            var w = _properties;
            Byte(w, MqttPropertyId.PayloadFormatIndicator, p.PayloadFormatIndicator);
            UInt32(w, MqttPropertyId.MessageExpiryInterval, p.MessageExpiryInterval);
            Str(w, MqttPropertyId.ContentType, p.ContentType);
            Str(w, MqttPropertyId.ResponseTopic, p.ResponseTopic);
            Bin(w, MqttPropertyId.CorrelationData, p.CorrelationData);
            if (p.SubscriptionIdentifiers is not null)
            {
                foreach (var id in p.SubscriptionIdentifiers)
                {
                    MqttWire.WriteByte(w, MqttPropertyId.SubscriptionIdentifier);
                    MqttWire.WriteVariableByteInteger(w, checked((int)id));
                }
            }

            UInt32(w, MqttPropertyId.SessionExpiryInterval, p.SessionExpiryInterval);
            Str(w, MqttPropertyId.AssignedClientIdentifier, p.AssignedClientIdentifier);
            UInt16(w, MqttPropertyId.ServerKeepAlive, p.ServerKeepAlive);
            Str(w, MqttPropertyId.AuthenticationMethod, p.AuthenticationMethod);
            Bin(w, MqttPropertyId.AuthenticationData, p.AuthenticationData);
            Byte(w, MqttPropertyId.RequestProblemInformation, p.RequestProblemInformation);
            UInt32(w, MqttPropertyId.WillDelayInterval, p.WillDelayInterval);
            Byte(w, MqttPropertyId.RequestResponseInformation, p.RequestResponseInformation);
            Str(w, MqttPropertyId.ResponseInformation, p.ResponseInformation);
            Str(w, MqttPropertyId.ServerReference, p.ServerReference);
            Str(w, MqttPropertyId.ReasonString, p.ReasonString);
            UInt16(w, MqttPropertyId.ReceiveMaximum, p.ReceiveMaximum);
            UInt16(w, MqttPropertyId.TopicAliasMaximum, p.TopicAliasMaximum);
            UInt16(w, MqttPropertyId.TopicAlias, p.TopicAlias);
            Byte(w, MqttPropertyId.MaximumQoS, p.MaximumQoS);
            Byte(w, MqttPropertyId.RetainAvailable, p.RetainAvailable);
            if (p.UserProperties is not null)
            {
                foreach (var up in p.UserProperties)
                {
                    MqttWire.WriteByte(w, MqttPropertyId.UserProperty);
                    MqttWire.WriteString(w, up.Name);
                    MqttWire.WriteString(w, up.Value);
                }
            }

            UInt32(w, MqttPropertyId.MaximumPacketSize, p.MaximumPacketSize);
            Byte(w, MqttPropertyId.WildcardSubscriptionAvailable, p.WildcardSubscriptionAvailable);
            Byte(w, MqttPropertyId.SubscriptionIdentifierAvailable, p.SubscriptionIdentifierAvailable);
            Byte(w, MqttPropertyId.SharedSubscriptionAvailable, p.SharedSubscriptionAvailable);
        }

        MqttWire.WriteVariableByteInteger(target, _properties.WrittenCount);
        MqttWire.WriteBytes(target, _properties.WrittenSpan);
    }

    private static void Byte(IBufferWriter<byte> w, byte id, byte? value)
    {
        if (value is { } v)
        {
            MqttWire.WriteByte(w, id);
            MqttWire.WriteByte(w, v);
        }
    }

    private static void UInt16(IBufferWriter<byte> w, byte id, ushort? value)
    {
        if (value is { } v)
        {
            MqttWire.WriteByte(w, id);
            MqttWire.WriteUInt16(w, v);
        }
    }

    private static void UInt32(IBufferWriter<byte> w, byte id, uint? value)
    {
        if (value is { } v)
        {
            MqttWire.WriteByte(w, id);
            MqttWire.WriteUInt32(w, v);
        }
    }

    private static void Str(IBufferWriter<byte> w, byte id, string? value)
    {
        if (value is not null)
        {
            MqttWire.WriteByte(w, id);
            MqttWire.WriteString(w, value);
        }
    }

    private static void Bin(IBufferWriter<byte> w, byte id, byte[]? value)
    {
        if (value is not null)
        {
            MqttWire.WriteByte(w, id);
            MqttWire.WriteBinary(w, value);
        }
    }
}

using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt;

/// <summary>Conversions between the application's <see cref="MqttMessage"/> and PUBLISH packets and their properties.</summary>
internal static class MqttPacketMapping
{
    public static MqttProperties? ToProperties(MqttMessage m)
    {
        if (m.MessageExpiryInterval is null && m.PayloadIsUtf8 is null && m.ContentType is null && m.ResponseTopic is null
            && m.CorrelationData is null && m.UserProperties.Count == 0)
        {
            return null;
        }

        return new MqttProperties
        {
            MessageExpiryInterval = m.MessageExpiryInterval is { } e ? ToSeconds(e) : null,
            PayloadFormatIndicator = m.PayloadIsUtf8 is { } u ? (u ? (byte)1 : (byte)0) : null,
            ContentType = m.ContentType,
            ResponseTopic = m.ResponseTopic,
            CorrelationData = m.CorrelationData?.ToArray(),
            UserProperties = m.UserProperties.Count > 0 ? [.. m.UserProperties] : null,
        };
    }

    public static uint ToSeconds(TimeSpan value) =>
        value >= TimeSpan.FromSeconds(uint.MaxValue) ? uint.MaxValue : (uint)Math.Ceiling(value.TotalSeconds);

    public static MqttMessage ToMessage(PublishPacket p)
    {
        var props = p.Properties;
        return new MqttMessage
        {
            Topic = p.Topic,
            Payload = p.Payload,
            QualityOfService = p.QoS,
            Retain = p.Retain,
            MessageExpiryInterval = props?.MessageExpiryInterval is { } e ? TimeSpan.FromSeconds(e) : null,
            PayloadIsUtf8 = props?.PayloadFormatIndicator is { } f ? f == 1 : null,
            ContentType = props?.ContentType,
            ResponseTopic = props?.ResponseTopic,
            CorrelationData = props?.CorrelationData,
            UserProperties = props?.UserProperties ?? (IReadOnlyList<MqttUserProperty>)[],
        };
    }
}

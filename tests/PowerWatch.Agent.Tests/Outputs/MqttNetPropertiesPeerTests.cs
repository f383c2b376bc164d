using System.Text;
using MQTTnet.Protocol;
using PowerWatch.Mqtt;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>
/// Issue 17: our MQTT 5 client's publish properties (MQTT 5.0 §3.3.2.3: Payload Format Indicator, Message Expiry
/// Interval, Content Type, Response Topic, Correlation Data, User Properties) read back by MQTTnet 5.2 through
/// mosquitto, and MQTTnet's read back by ours: two independent codecs agreeing on the same bytes.
/// </summary>
public sealed class MqttNetPropertiesPeerTests
{
    private static MqttClientOptions Ours(int port, string clientId) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = clientId,
        ProtocolVersion = MqttProtocolVersion.V500,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    [PeerFact("mosquitto")]
    public async Task Mqtt5_properties_published_by_our_client_are_read_by_MqttNet()
    {
        using var dir = new TempDir("powerwatch-mqttnet-props");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await using var peer = await MqttNetClient.ConnectAsync(broker.Port, "5", "mqttnet-props", "pw/props/#");
        await using var ours = new MqttClient(Ours(broker.Port, "ours-props"));
        await ours.ConnectAsync(CancellationToken.None);

        await ours.PublishAsync(new MqttMessage
        {
            Topic = "pw/props/a",
            Payload = Encoding.UTF8.GetBytes("{\"seq\":1}"),
            QualityOfService = MqttQualityOfService.AtLeastOnce,
            PayloadIsUtf8 = true,
            ContentType = "application/json",
            MessageExpiryInterval = TimeSpan.FromHours(1),
            ResponseTopic = "pw/props/reply",
            CorrelationData = new byte[] { 0x00, 0x01, 0xfe, 0xff },
            UserProperties = [new("site", "dc1"), new("site", "dc2"), new("ünïcode", "✓")],
        }, CancellationToken.None);

        await Poll.UntilAsync(() => Task.FromResult(peer.Received().Count >= 1), TimeSpan.FromSeconds(20), () => "MQTTnet received nothing");
        var m = Assert.Single(peer.Received());
        Assert.Equal("{\"seq\":1}", m.Text);
        Assert.Equal(1, m.Qos);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, m.PayloadFormat);
        Assert.Equal("application/json", m.ContentType);

        // The broker forwards the remaining lifetime (§3.3.2.3.3): at most the hour, and not a second more than it waited.
        Assert.InRange(m.MessageExpiryInterval, 3600u - 30u, 3600u);
        Assert.Equal("pw/props/reply", m.ResponseTopic);
        Assert.Equal(new byte[] { 0x00, 0x01, 0xfe, 0xff }, m.CorrelationData);

        // Order and duplicates are kept (§3.3.2.3.7).
        Assert.Equal([("site", "dc1"), ("site", "dc2"), ("ünïcode", "✓")], m.UserProperties);
    }

    [PeerFact("mosquitto")]
    public async Task Mqtt5_properties_published_by_MqttNet_are_read_by_our_client()
    {
        using var dir = new TempDir("powerwatch-mqttnet-props");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        await using var ours = new MqttClient(Ours(broker.Port, "ours-sub"));
        await ours.ConnectAsync(CancellationToken.None);
        await ours.SubscribeAsync("pw/props/#", MqttQualityOfService.AtLeastOnce, CancellationToken.None);
        await using var peer = await MqttNetClient.ConnectAsync(broker.Port, "5", "mqttnet-pub");

        var result = await peer.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder()
            .WithTopic("pw/props/b")
            .WithPayload("{\"seq\":2}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .WithContentType("application/json")
            .WithMessageExpiryInterval(600)
            .WithResponseTopic("pw/props/reply")
            .WithCorrelationData([0x42, 0x00])
            .WithUserProperty("run", Encoding.UTF8.GetBytes("4f1c0e5a9b2d7c31").AsMemory())
            .WithUserProperty("run", Encoding.UTF8.GetBytes("second").AsMemory())
            .Build());
        Assert.True(result.IsSuccess, result.ReasonCode.ToString());

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = await ours.ReceivedMessages.ReadAsync(timeout.Token);
        var m = received.Message;
        Assert.Equal("pw/props/b", m.Topic);
        Assert.Equal("{\"seq\":2}", Encoding.UTF8.GetString(m.Payload.Span));
        Assert.True(m.PayloadIsUtf8);
        Assert.Equal("application/json", m.ContentType);
        Assert.NotNull(m.MessageExpiryInterval);
        Assert.InRange(m.MessageExpiryInterval!.Value, TimeSpan.FromSeconds(570), TimeSpan.FromSeconds(600));
        Assert.Equal("pw/props/reply", m.ResponseTopic);
        Assert.Equal(new byte[] { 0x42, 0x00 }, m.CorrelationData!.Value.ToArray());
        Assert.Equal([new MqttUserProperty("run", "4f1c0e5a9b2d7c31"), new MqttUserProperty("run", "second")], m.UserProperties);
    }
}

using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>
/// Issue 17: a behaviour of MQTTnet 5.2 that docs/dependencies.md gives as a reason for ingest to keep its own client,
/// checked against a real mosquitto. It holds MQTTnet to what it does today: when it fails, the library changed and
/// docs/dependencies.md ("revisit when") needs another look.
/// </summary>
public sealed class MqttNetBehaviourPeerTests
{
    /// <summary>
    /// Ingest acknowledges a message only after InfluxDB accepted it, which can be after the connection dropped;
    /// ours then forgets the acknowledgement (the broker redelivers), MQTTnet's manual acknowledgement throws.
    /// </summary>
    [PeerFact("mosquitto", "mosquitto_pub")]
    public async Task MqttNet_manual_acknowledgement_after_a_disconnect_throws()
    {
        using var dir = new TempDir("powerwatch-mqttnet-ack");
        await using var broker = await MosquittoServer.StartAsync(dir, persistence: false);
        using var client = new MqttClientFactory().CreateMqttClient();
        var held = new TaskCompletionSource<MqttApplicationMessageReceivedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            e.AutoAcknowledge = false;
            held.TrySetResult(e);
            return Task.CompletedTask;
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("mqttnet-ack").WithProtocolVersion(MqttProtocolVersion.V500).Build(), timeout.Token);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("pw/ack", MqttQualityOfServiceLevel.AtLeastOnce).Build(), timeout.Token);

        var (code, output) = await PeerProcess.RunAsync(Peers.Require("mosquitto_pub"), broker.Args("-q", "1", "-t", "pw/ack", "-m", "x"), MosquittoServer.Patience);
        Assert.True(code == 0, output);
        var e = await held.Task.WaitAsync(timeout.Token);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, e.ApplicationMessage.QualityOfServiceLevel);

        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
        await Assert.ThrowsAnyAsync<Exception>(() => e.AcknowledgeAsync(timeout.Token));
    }
}

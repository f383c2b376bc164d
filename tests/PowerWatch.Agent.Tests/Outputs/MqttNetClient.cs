using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace PowerWatch.Agent.Tests.Outputs;

/// <summary>One application message as MQTTnet decoded it, with the MQTT 5 properties it carried.</summary>
internal sealed record MqttNetMessage(
    string Topic,
    byte[] Payload,
    bool Retain,
    int Qos,
    string? ContentType,
    uint MessageExpiryInterval,
    MqttPayloadFormatIndicator PayloadFormat,
    string? ResponseTopic,
    byte[]? CorrelationData,
    IReadOnlyList<(string Name, string Value)> UserProperties)
{
    public string Text => Encoding.UTF8.GetString(Payload);
}

/// <summary>
/// MQTTnet 5.2 (an implementation nobody here wrote) as an independent subscriber or publisher against a real
/// mosquitto: it records every message it receives, with its properties, for the peer tests.
/// </summary>
internal sealed class MqttNetClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly List<MqttNetMessage> _received = [];
    private readonly Lock _gate = new();

    private MqttNetClient(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            var message = new MqttNetMessage(
                m.Topic,
                m.Payload.ToArray(),
                m.Retain,
                (int)m.QualityOfServiceLevel,
                m.ContentType,
                m.MessageExpiryInterval,
                m.PayloadFormatIndicator,
                m.ResponseTopic,
                m.CorrelationData,
                [.. (m.UserProperties ?? []).Select(p => (p.Name, p.ReadValueAsString()))]);
            lock (_gate)
            {
                _received.Add(message);
            }

            return Task.CompletedTask;
        };
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>"3.1.1" or "5", as the agent's <c>PowerWatch:Mqtt:ProtocolVersion</c> spells it.</summary>
    public static MqttProtocolVersion Version(string version) => version switch
    {
        "3.1.1" => MqttProtocolVersion.V311,
        "5" => MqttProtocolVersion.V500,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "3.1.1 or 5"),
    };

    /// <summary>Connects (clean session) and, when <paramref name="filters"/> are given, subscribes at QoS 1 and waits for the SUBACK.</summary>
    public static async Task<MqttNetClient> ConnectAsync(int port, string version, string clientId, params string[] filters)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var peer = new MqttNetClient(client);
        try
        {
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithClientId(clientId)
                .WithProtocolVersion(Version(version))
                .WithCleanSession(true)
                .WithTimeout(TimeSpan.FromSeconds(10))
                .Build();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var connected = await client.ConnectAsync(options, timeout.Token);
            Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
            if (filters.Length > 0)
            {
                var subscribe = new MqttClientSubscribeOptionsBuilder();
                foreach (var f in filters)
                {
                    // Retain As Published (MQTT 5 only; ignored for 3.1.1): a live message keeps the publisher's retain flag.
                    subscribe.WithTopicFilter(b => b.WithTopic(f).WithAtLeastOnceQoS().WithRetainAsPublished(version == "5"));
                }

                var granted = await client.SubscribeAsync(subscribe.Build(), timeout.Token);
                Assert.All(granted.Items, i => Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, i.ResultCode));
            }

            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    public IReadOnlyList<MqttNetMessage> Received()
    {
        lock (_gate)
        {
            return [.. _received];
        }
    }

    public async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await _client.PublishAsync(message, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The broker is already gone.
            }
        }

        _client.Dispose();
    }
}

using PowerWatch.Mqtt;

namespace PowerWatch.Benchmarks.Mqtt;

/// <summary>
/// The separate subscriber of the MQTT benchmarks: our client, subscribed to <c>bench/#</c> at QoS 1, counting what
/// arrives per topic (what was delivered, whoever published it).
/// </summary>
internal sealed class TopicCounter : IAsyncDisposable
{
    private readonly MqttClient _subscriber;

    private TopicCounter(MqttClient subscriber, CancellationToken cancellationToken)
    {
        _subscriber = subscriber;
        _ = Task.Run(
            async () =>
            {
                await foreach (var m in subscriber.ReceivedMessages.ReadAllAsync(cancellationToken))
                {
                    lock (Counts)
                    {
                        Counts[m.Topic] = Counts.GetValueOrDefault(m.Topic) + 1;
                    }
                }
            },
            cancellationToken);
    }

    /// <summary>Messages per topic; lock it to read (see <see cref="MqttPublishBenchmark.WaitForCountAsync"/>).</summary>
    public Dictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

    public static async Task<TopicCounter> StartAsync(int port, CancellationToken cancellationToken)
    {
        var subscriber = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ProtocolVersion = MqttProtocolVersion.V311,
            ClientId = "bench-counter",
            ReceiveBufferCapacity = 100_000,
        });
        await subscriber.ConnectAsync(cancellationToken);
        await subscriber.SubscribeAsync("bench/#", MqttQualityOfService.AtLeastOnce, cancellationToken);
        return new TopicCounter(subscriber, cancellationToken);
    }

    public Task DisconnectAsync(CancellationToken cancellationToken) => _subscriber.DisconnectAsync(cancellationToken);

    public ValueTask DisposeAsync() => _subscriber.DisposeAsync();
}

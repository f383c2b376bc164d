using System.Text;
using PowerWatch.Mqtt.Packets;
using PowerWatch.TestSupport;

namespace PowerWatch.Mqtt.Tests;

/// <summary>
/// The QoS 0 publish path: call order (alone and mixed with QoS 1 waiting for window slots), completion only once
/// written, cancellation, and failure (never a hang) when the connection goes away with publishes still queued.
/// </summary>
public sealed class QosZeroPublishTests
{
    private static readonly TimeSpan Patience = FakeBroker.Patience;

    // Far more than loopback TCP buffers can hold while the server does not read (send buffer at most
    // net.ipv4.tcp_wmem max = 4 MiB here; the receive window does not grow while nothing is read).
    private const int BlockingCount = 64;
    private const int HugePayloadSize = 16 * 1024 * 1024;
    private static readonly byte[] BigPayload = new byte[256 * 1024];

    private static MqttClientOptions Options(FakeBroker broker) => new()
    {
        Host = "127.0.0.1",
        Port = broker.Port,
        ProtocolVersion = MqttProtocolVersion.V311,
        ClientId = "qos0-client",
        KeepAlive = TimeSpan.Zero,
    };

    private static MqttMessage Message(string payload, MqttQualityOfService qos = MqttQualityOfService.AtMostOnce) =>
        new() { Topic = "q0/test", Payload = Encoding.UTF8.GetBytes(payload), QualityOfService = qos };

    private static MqttMessage Big() => new() { Topic = "big", Payload = BigPayload, QualityOfService = MqttQualityOfService.AtMostOnce };

    private static string Text(PublishPacket p) => Encoding.UTF8.GetString(p.Payload.Span);

    private static async Task<(MqttClient Client, FakeBrokerConnection Connection)> ConnectAsync(FakeBroker broker, MqttClientOptions options)
    {
        var client = new MqttClient(options);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        return (client, c);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Publishes_from_concurrent_callers_all_arrive_in_each_callers_call_order(bool mixQos1)
    {
        const int callers = 4;
        const int perCaller = 2_000;
        await using var broker = new FakeBroker();
        var options = Options(broker);
        options.MaxInFlight = 10; // QoS 1 publishes regularly wait for a window slot, holding the order for the QoS 0 ones behind them
        var (client, c) = await ConnectAsync(broker, options);
        await using var _ = client;

        var received = new List<PublishPacket>(callers * perCaller);
        var server = Task.Run(async () =>
        {
            while (received.Count < callers * perCaller)
            {
                var p = await c.ReceiveAsync<PublishPacket>();
                received.Add(p);
                if (p.QoS == MqttQualityOfService.AtLeastOnce)
                {
                    await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p.PacketId });
                }
            }
        });

        using var start = new ManualResetEventSlim();
        var publishers = Enumerable.Range(0, callers).Select(caller => Task.Run(() =>
        {
            start.Wait(Patience);
            var tasks = new List<Task>(perCaller);
            for (var i = 0; i < perCaller; i++)
            {
                var qos = mixQos1 && i % 3 == 0 ? MqttQualityOfService.AtLeastOnce : MqttQualityOfService.AtMostOnce;
                tasks.Add(client.PublishAsync(Message($"{caller}:{i}", qos), CancellationToken.None));
            }

            return Task.WhenAll(tasks);
        })).ToList();
        start.Set();

        await Task.WhenAll(publishers).WaitAsync(Patience);
        await server.WaitAsync(Patience);

        var byCaller = received.Select(p => Text(p).Split(':')).GroupBy(x => int.Parse(x[0]), x => int.Parse(x[1])).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(callers, byCaller.Count);
        foreach (var (caller, sequence) in byCaller)
        {
            Assert.Equal(Enumerable.Range(0, perCaller), sequence);
        }

        var expectedQos1 = mixQos1 ? callers * ((perCaller + 2) / 3) : 0;
        Assert.Equal(expectedQos1, received.Count(p => p.QoS == MqttQualityOfService.AtLeastOnce));
    }

    [Fact]
    public async Task Alternating_qos0_and_qos1_publishes_from_one_caller_arrive_in_call_order()
    {
        await using var broker = new FakeBroker();
        var (client, c) = await ConnectAsync(broker, Options(broker));
        await using var _ = client;

        var qos = new[] { 0, 1, 1, 0, 0, 0, 1, 0, 1, 0 };
        var publishes = qos.Select((q, i) => client.PublishAsync(Message(i.ToString(), (MqttQualityOfService)q), CancellationToken.None)).ToList();
        for (var i = 0; i < qos.Length; i++)
        {
            var p = await c.ReceiveAsync<PublishPacket>();
            Assert.Equal((i.ToString(), (MqttQualityOfService)qos[i]), (Text(p), p.QoS));
            if (p.QoS == MqttQualityOfService.AtLeastOnce)
            {
                await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p.PacketId });
            }
        }

        await Task.WhenAll(publishes).WaitAsync(Patience);
    }

    [Fact]
    public async Task Qos0_publish_behind_a_qos1_waiting_for_a_window_slot_waits_its_turn_and_cancelling_it_keeps_it_off_the_wire()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker);
        options.MaxInFlight = 1;
        var (client, c) = await ConnectAsync(broker, options);
        await using var _ = client;

        var first = client.PublishAsync(Message("1", MqttQualityOfService.AtLeastOnce), CancellationToken.None);
        var p1 = await c.ReceiveAsync<PublishPacket>();
        Assert.Equal("1", Text(p1));
        var second = client.PublishAsync(Message("2", MqttQualityOfService.AtLeastOnce), CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var cancelled = client.PublishAsync(Message("3"), cts.Token);
        var fourth = client.PublishAsync(Message("4"), CancellationToken.None);
        Assert.False(second.IsCompleted);
        Assert.False(cancelled.IsCompleted);
        Assert.False(fourth.IsCompleted);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Patience));
        Assert.False(fourth.IsCompleted);

        await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p1.PacketId });
        var p2 = await c.ReceiveAsync<PublishPacket>();
        Assert.Equal("2", Text(p2));
        Assert.Equal("4", Text(await c.ReceiveAsync<PublishPacket>()));
        await fourth.WaitAsync(Patience);
        await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p2.PacketId });
        await Task.WhenAll(first, second).WaitAsync(Patience);
    }

    [Fact]
    public async Task Qos0_publish_with_an_already_cancelled_token_is_cancelled_and_never_sent()
    {
        await using var broker = new FakeBroker();
        var (client, c) = await ConnectAsync(broker, Options(broker));
        await using var _ = client;

        var cancelled = client.PublishAsync(Message("never"), new CancellationToken(canceled: true));
        Assert.True(cancelled.IsCanceled);
        await client.PublishAsync(Message("after"), CancellationToken.None).WaitAsync(Patience);
        Assert.Equal("after", Text(await c.ReceiveAsync<PublishPacket>()));
    }

    [Fact]
    public async Task Qos0_publish_errors_come_back_through_the_task_not_as_a_synchronous_throw()
    {
        await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", ClientId = "offline" });

        var offline = client.PublishAsync(Message("x"), CancellationToken.None);
        var invalid = client.PublishAsync(new MqttMessage { Topic = "a/#" }, CancellationToken.None);
        var qos2 = client.PublishAsync(Message("x", MqttQualityOfService.ExactlyOnce), CancellationToken.None);

        await Assert.ThrowsAsync<MqttConnectionLostException>(() => offline);
        await Assert.ThrowsAsync<ArgumentException>(() => invalid);
        await Assert.ThrowsAsync<NotSupportedException>(() => qos2);
    }

    [Fact]
    public async Task Qos0_publish_completes_only_once_its_bytes_are_written()
    {
        await using var broker = new FakeBroker();
        var (client, c) = await ConnectAsync(broker, Options(broker));
        await using var _ = client;

        // The server reads nothing yet, so the socket fills up long before the last message.
        var publishes = Enumerable.Range(0, BlockingCount)
            .Select(_ => client.PublishAsync(Big(), CancellationToken.None))
            .ToList();
        Assert.False(publishes[^1].IsCompleted);

        for (var i = 0; i < BlockingCount; i++)
        {
            Assert.Equal(BigPayload.Length, (await c.ReceiveAsync<PublishPacket>()).Payload.Length);
        }

        await Task.WhenAll(publishes).WaitAsync(Patience);
    }

    [Fact]
    public async Task Qos0_publishes_still_queued_when_the_connection_drops_fail_with_connection_lost_and_none_hangs()
    {
        await using var broker = new FakeBroker();
        var (client, c) = await ConnectAsync(broker, Options(broker));
        await using var _ = client;
        var states = new StateLog(client);

        var (stuck, queued) = await BlockTheWriterAsync(client);
        c.Abort();
        await states.WaitForAsync(MqttConnectionState.Disconnected);

        await AllCompletedAsync(queued.Append(stuck));
        Assert.IsType<MqttConnectionLostException>(stuck.Exception?.InnerException);
        Assert.All(queued, t => Assert.IsType<MqttConnectionLostException>(t.Exception?.InnerException));
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => client.PublishAsync(Message("later"), CancellationToken.None));
    }

    [Fact]
    public async Task Disposing_the_client_fails_the_qos0_publishes_still_queued_instead_of_leaving_them_pending()
    {
        await using var broker = new FakeBroker();
        var time = new ManualTimeProvider();
        var options = Options(broker);
        options.TimeProvider = time;
        var (client, c) = await ConnectAsync(broker, options);

        var (stuck, queued) = await BlockTheWriterAsync(client);

        // The DISCONNECT queues behind megabytes the server never reads: disposal gives up after 1 s (fake time).
        var disposing = client.DisposeAsync().AsTask();
        await Poll.UntilAsync(() => time.ActiveTimers > 0 || disposing.IsCompleted, Patience, () => "disposal waiting on its DISCONNECT timer");

        time.Advance(TimeSpan.FromSeconds(1));
        await disposing.WaitAsync(Patience);

        await AllCompletedAsync(queued.Append(stuck));
        Assert.IsType<MqttConnectionLostException>(stuck.Exception?.InnerException);
        Assert.All(queued, t => Assert.IsType<MqttConnectionLostException>(t.Exception?.InnerException));
        GC.KeepAlive(c);
    }

    /// <summary>
    /// Publishes one message far larger than the socket can take while the server reads nothing and waits until the
    /// writer has taken it (so it is stuck writing it), then queues small ones behind it: those are certainly unsent.
    /// </summary>
    private static async Task<(Task Stuck, List<Task> Queued)> BlockTheWriterAsync(MqttClient client)
    {
        var stuck = client.PublishAsync(new MqttMessage { Topic = "huge", Payload = new byte[HugePayloadSize], QualityOfService = MqttQualityOfService.AtMostOnce }, CancellationToken.None);
        await Poll.UntilAsync(() => client.QueuedPacketCount == 0, Patience, () => "the writer taking the huge publish");

        var queued = Enumerable.Range(0, 8).Select(i => client.PublishAsync(Message($"queued-{i}"), CancellationToken.None)).ToList();
        Assert.Equal(8, client.QueuedPacketCount);
        Assert.False(stuck.IsCompleted);
        return (stuck, queued);
    }

    private static Task AllCompletedAsync(IEnumerable<Task> tasks) =>
        Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Patience);
}

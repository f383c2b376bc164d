using System.Net;
using System.Net.Sockets;
using PowerWatch.Mqtt.Packets;
using PowerWatch.TestSupport;

namespace PowerWatch.Mqtt.Tests;

public sealed class ClientFakeBrokerTests
{
    private static readonly TimeSpan Patience = FakeBroker.Patience;

    private static MqttClientOptions Options(FakeBroker broker, MqttProtocolVersion version = MqttProtocolVersion.V311) => new()
    {
        Host = "127.0.0.1",
        Port = broker.Port,
        ProtocolVersion = version,
        ClientId = "test-client",
        KeepAlive = TimeSpan.Zero,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    private static MqttMessage Message(string topic, string payload, MqttQualityOfService qos = MqttQualityOfService.AtLeastOnce) =>
        new() { Topic = topic, Payload = System.Text.Encoding.UTF8.GetBytes(payload), QualityOfService = qos };

    [Fact]
    public async Task Connect_5_sends_the_options_and_reports_the_connack_properties()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker, MqttProtocolVersion.V500);
        options.KeepAlive = TimeSpan.FromSeconds(30);
        options.CleanStart = false;
        options.SessionExpiry = TimeSpan.FromHours(1);
        options.UserName = "agent";
        options.Password = "secret";
        options.ReceiveMaximum = 50;
        options.Will = new MqttWill { Message = new MqttMessage { Topic = "powerwatch/s/agent/a/status", Payload = "offline"u8.ToArray(), Retain = true }, Delay = TimeSpan.FromSeconds(5) };
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var c = await broker.AcceptAsync();
        var connect = await c.ReceiveAsync<ConnectPacket>();
        await c.SendAsync(new ConnAckPacket
        {
            SessionPresent = true,
            Properties = new MqttProperties { AssignedClientIdentifier = "assigned", ServerKeepAlive = 20, ReceiveMaximum = 7, MaximumQoS = 1, RetainAvailable = 1 },
        });
        var result = await connecting.WaitAsync(Patience);

        Assert.Equal(MqttProtocolVersion.V500, connect.ProtocolVersion);
        Assert.False(connect.CleanStart);
        Assert.Equal((ushort)30, connect.KeepAliveSeconds);
        Assert.Equal("test-client", connect.ClientId);
        Assert.Equal("agent", connect.UserName);
        Assert.Equal("secret"u8.ToArray(), connect.Password);
        Assert.Equal(3600u, connect.Properties!.SessionExpiryInterval);
        Assert.Equal((ushort)50, connect.Properties.ReceiveMaximum);
        Assert.Equal("powerwatch/s/agent/a/status", connect.WillTopic);
        Assert.True(connect.WillRetain);
        Assert.Equal(5u, connect.WillProperties!.WillDelayInterval);

        Assert.True(result.SessionPresent);
        Assert.Equal("assigned", result.ClientId);
        Assert.Equal(TimeSpan.FromSeconds(20), result.KeepAlive);
        Assert.Equal(7, result.ServerReceiveMaximum);
        Assert.Equal(MqttQualityOfService.AtLeastOnce, result.MaximumQualityOfService);
        Assert.Equal(MqttConnectionState.Connected, client.State);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, 4, "Connection refused, bad user name or password (4)")]
    [InlineData(MqttProtocolVersion.V311, 5, "Connection refused, not authorized (5)")]
    [InlineData(MqttProtocolVersion.V500, 0x86, "Bad User Name or Password (0x86)")]
    [InlineData(MqttProtocolVersion.V500, 0x87, "Not authorized (0x87)")]
    public async Task Refused_connect_throws_naming_the_reason_code(MqttProtocolVersion version, byte code, string meaning)
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker, version));
        var connecting = client.ConnectAsync(CancellationToken.None);
        var c = await broker.AcceptAsync();
        await c.ReceiveAsync<ConnectPacket>();
        await c.SendAsync(new ConnAckPacket { ReasonCode = code });
        var e = await Assert.ThrowsAsync<MqttConnectException>(() => connecting.WaitAsync(Patience));
        Assert.Contains(meaning, e.Message, StringComparison.Ordinal);
        if (version == MqttProtocolVersion.V311)
        {
            Assert.Equal(code, e.ReturnCode);
        }
        else
        {
            Assert.Equal((MqttReasonCode)code, e.ReasonCode);
        }

        Assert.Equal(MqttConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task Connect_without_a_listener_throws_a_connect_exception_with_the_socket_error()
    {
        var port = Peers.FreeTcpPort();
        await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = port, ClientId = "x" });
        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(CancellationToken.None).WaitAsync(Patience));
        Assert.IsType<SocketException>(e.InnerException);
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_times_out_on_the_time_provider_when_the_server_never_answers()
    {
        await using var broker = new FakeBroker();
        var time = new ManualTimeProvider();
        var options = Options(broker);
        options.TimeProvider = time;
        options.ConnectTimeout = TimeSpan.FromSeconds(5);
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var c = await broker.AcceptAsync();
        await c.ReceiveAsync<ConnectPacket>();
        time.Advance(TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<MqttConnectException>(() => connecting.WaitAsync(Patience));
        Assert.Contains("timed out after 5 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qos1_publish_completes_only_when_the_puback_arrives()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker));
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);

        var publishing = client.PublishAsync(Message("a/b", "hello"), CancellationToken.None);
        var p = await c.ReceiveAsync<PublishPacket>();
        Assert.Equal(("a/b", MqttQualityOfService.AtLeastOnce, false), (p.Topic, p.QoS, p.Dup));
        Assert.Equal("hello"u8.ToArray(), p.Payload.ToArray());
        Assert.False(publishing.IsCompleted);
        Assert.Equal(1, client.PendingPublishCount);

        await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p.PacketId });
        await publishing.WaitAsync(Patience);
        Assert.Equal(0, client.PendingPublishCount);
    }

    [Fact]
    public async Task Puback_5_failure_reason_code_fails_the_publish_with_that_code()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker, MqttProtocolVersion.V500));
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);

        var publishing = client.PublishAsync(Message("a/b", "x"), CancellationToken.None);
        var p = await c.ReceiveAsync<PublishPacket>();
        await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p.PacketId, ReasonCode = MqttReasonCode.QuotaExceeded });
        var e = await Assert.ThrowsAsync<MqttPublishException>(() => publishing.WaitAsync(Patience));
        Assert.Equal(MqttReasonCode.QuotaExceeded, e.ReasonCode);
        Assert.Contains("Quota exceeded (0x97)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_5_sends_message_properties()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker, MqttProtocolVersion.V500));
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);

        var publishing = client.PublishAsync(
            new MqttMessage
            {
                Topic = "t",
                Payload = "{}"u8.ToArray(),
                QualityOfService = MqttQualityOfService.AtMostOnce,
                Retain = true,
                MessageExpiryInterval = TimeSpan.FromMinutes(2),
                PayloadIsUtf8 = true,
                ContentType = "application/json",
                ResponseTopic = "reply/here",
                CorrelationData = new byte[] { 1, 2 },
                UserProperties = [new("schema", "telemetry/1")],
            },
            CancellationToken.None);
        var p = await c.ReceiveAsync<PublishPacket>();
        await publishing.WaitAsync(Patience);
        Assert.True(p.Retain);
        Assert.Equal(120u, p.Properties!.MessageExpiryInterval);
        Assert.Equal((byte)1, p.Properties.PayloadFormatIndicator);
        Assert.Equal("application/json", p.Properties.ContentType);
        Assert.Equal("reply/here", p.Properties.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2 }, p.Properties.CorrelationData);
        Assert.Equal([new MqttUserProperty("schema", "telemetry/1")], p.Properties.UserProperties!);
    }

    public static TheoryData<byte[], MqttProtocolError> BadServerBytes => new()
    {
        { new byte[] { 0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, MqttProtocolError.VariableByteIntegerTooLong },
        { new byte[] { 0x00, 0x00 }, MqttProtocolError.UnknownPacketType },
        { new byte[] { 0x42, 0x02, 0x00, 0x01 }, MqttProtocolError.InvalidFixedHeaderFlags },
        { new byte[] { 0x40, 0x02, 0x12, 0x34 }, MqttProtocolError.UnknownPacketIdentifier },
        { new byte[] { 0x30, 0x04, 0x00, 0x02, 0xC3, 0x28 }, MqttProtocolError.InvalidUtf8 },
        { new byte[] { 0x20, 0x02, 0x00, 0x00 }, MqttProtocolError.UnexpectedPacket },
        { new byte[] { 0x30, 0xFF, 0xFF, 0x7F }, MqttProtocolError.PacketTooLarge },
    };

    [Theory]
    [MemberData(nameof(BadServerBytes))]
    public async Task Malformed_server_input_drops_the_connection_with_a_clear_error_and_the_client_reconnects(byte[] bytes, MqttProtocolError expected)
    {
        await using var broker = new FakeBroker();
        var options = Options(broker);
        options.AutoReconnect = true;
        await using var client = new MqttClient(options);
        var states = new StateLog(client);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        await states.WaitForAsync(MqttConnectionState.Connected);

        await c.SendRawAsync(bytes);
        var lost = await states.WaitForAsync(MqttConnectionState.Disconnected);
        var error = Assert.IsType<MqttProtocolException>(lost.Error);
        Assert.Equal(expected, error.Error);
        Assert.True(await c.ClosedByClientAsync().WaitAsync(Patience));

        // Reconnects on its own and works again.
        var (c2, _) = await broker.AcceptAndConnAckAsync();
        await states.WaitForAsync(MqttConnectionState.Connected);
        var publishing = client.PublishAsync(Message("a", "again"), CancellationToken.None);
        var p = await c2.ReceiveAsync<PublishPacket>();
        await c2.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p.PacketId });
        await publishing.WaitAsync(Patience);
    }

    [Fact]
    public async Task Malformed_input_on_a_5_connection_is_answered_with_disconnect_reason_malformed_packet()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker, MqttProtocolVersion.V500));
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        await c.SendRawAsync([0x30, 0x05, 0x00, 0x02, 0xC3, 0x28, 0x00]);
        var d = await c.ReceiveAsync<DisconnectPacket>();
        Assert.Equal(MqttReasonCode.MalformedPacket, d.ReasonCode);
    }

    [Fact]
    public async Task Connection_reset_in_the_middle_of_a_packet_is_reported_and_the_client_reconnects()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker);
        options.AutoReconnect = true;
        await using var client = new MqttClient(options);
        var states = new StateLog(client);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        await states.WaitForAsync(MqttConnectionState.Connected);

        await c.SendRawAsync([0x30, 0x20, 0x00, 0x03, (byte)'a']);
        c.Abort();
        var lost = await states.WaitForAsync(MqttConnectionState.Disconnected);
        Assert.IsType<MqttConnectionLostException>(lost.Error);
        await broker.AcceptAndConnAckAsync();
        await states.WaitForAsync(MqttConnectionState.Connected);
    }

    [Fact]
    public async Task Server_disconnect_5_reason_is_reported()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker, MqttProtocolVersion.V500));
        var states = new StateLog(client);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        await c.SendAsync(new DisconnectPacket { ReasonCode = MqttReasonCode.SessionTakenOver });
        var lost = await states.WaitForAsync(MqttConnectionState.Disconnected);
        Assert.Contains("Session taken over (0x8E)", lost.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_session_publishes_in_flight_fail_with_connection_lost()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker));
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        var publishing = client.PublishAsync(Message("a", "x"), CancellationToken.None);
        await c.ReceiveAsync<PublishPacket>();
        c.Abort();
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => publishing.WaitAsync(Patience));
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => client.PublishAsync(Message("a", "y"), CancellationToken.None));
        Assert.Equal(0, client.PendingPublishCount);
    }

    [Fact]
    public async Task Persistent_session_resends_unacknowledged_publishes_with_dup_in_original_order_after_reconnect()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker);
        options.CleanStart = false;
        options.AutoReconnect = true;
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, first) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        Assert.False(first.CleanStart);

        var publishes = Enumerable.Range(1, 3).Select(i => client.PublishAsync(Message("seq", $"m{i}"), CancellationToken.None)).ToList();
        var sent = new List<PublishPacket>();
        for (var i = 0; i < 3; i++)
        {
            sent.Add(await c.ReceiveAsync<PublishPacket>());
        }

        Assert.All(sent, p => Assert.False(p.Dup));
        await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = sent[0].PacketId });
        await publishes[0].WaitAsync(Patience);
        c.Abort();

        var (c2, second) = await broker.AcceptAndConnAckAsync(sessionPresent: true);
        Assert.False(second.CleanStart);
        var resent = new List<PublishPacket> { await c2.ReceiveAsync<PublishPacket>(), await c2.ReceiveAsync<PublishPacket>() };
        Assert.Equal(sent.Skip(1).Select(p => p.PacketId), resent.Select(p => p.PacketId));
        Assert.Equal(["m2", "m3"], resent.Select(p => System.Text.Encoding.UTF8.GetString(p.Payload.Span)));
        Assert.All(resent, p => Assert.True(p.Dup));
        Assert.False(publishes[1].IsCompleted);

        foreach (var p in resent)
        {
            await c2.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p.PacketId });
        }

        await Task.WhenAll(publishes).WaitAsync(Patience);
    }

    [Fact]
    public async Task Persistent_session_queues_qos1_publishes_made_while_disconnected()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker, MqttProtocolVersion.V500);
        options.SessionExpiry = TimeSpan.FromMinutes(10);
        await using var client = new MqttClient(options);
        var queued = client.PublishAsync(Message("q", "while-offline"), CancellationToken.None);
        Assert.Equal(1, client.PendingPublishCount);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        var p = await c.ReceiveAsync<PublishPacket>();
        Assert.False(p.Dup);
        await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p.PacketId });
        await queued.WaitAsync(Patience);
    }

    [Fact]
    public async Task Manual_acknowledgements_are_sent_in_receive_order()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker);
        options.AutoAcknowledge = false;
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);

        for (ushort id = 1; id <= 3; id++)
        {
            await c.SendAsync(new PublishPacket { Topic = "in", QoS = MqttQualityOfService.AtLeastOnce, PacketId = (ushort)(id * 10), Payload = new byte[] { (byte)id } });
        }

        using var cts = new CancellationTokenSource(Patience);
        var m1 = await client.ReceivedMessages.ReadAsync(cts.Token);
        var m2 = await client.ReceivedMessages.ReadAsync(cts.Token);
        var m3 = await client.ReceivedMessages.ReadAsync(cts.Token);
        Assert.True(m1.NeedsAcknowledgement);
        Assert.Equal([10, 20, 30], new[] { m1.PacketId, m2.PacketId, m3.PacketId }.Select(x => (int)x));

        // Acknowledging the second first holds its PUBACK back until the first is acknowledged.
        await client.AcknowledgeAsync(m2, CancellationToken.None);
        await client.AcknowledgeAsync(m1, CancellationToken.None);
        Assert.Equal(10, (await c.ReceiveAsync<PubAckPacket>()).PacketId);
        Assert.Equal(20, (await c.ReceiveAsync<PubAckPacket>()).PacketId);
        await client.AcknowledgeAsync(m3, CancellationToken.None);
        Assert.Equal(30, (await c.ReceiveAsync<PubAckPacket>()).PacketId);
    }

    [Fact]
    public async Task Unacknowledged_message_gets_no_puback_and_auto_mode_acknowledges_on_delivery()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker, MqttProtocolVersion.V500);
        options.AutoAcknowledge = false;
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        await c.SendAsync(new PublishPacket { Topic = "in", QoS = MqttQualityOfService.AtLeastOnce, PacketId = 5 });
        using var cts = new CancellationTokenSource(Patience);
        var m = await client.ReceivedMessages.ReadAsync(cts.Token);
        Assert.Equal(5, m.PacketId);

        // A ping round trip proves the connection is processed in order and no PUBACK was sent before it.
        await c.SendAsync(new PublishPacket { Topic = "in", QoS = MqttQualityOfService.AtMostOnce });
        await client.ReceivedMessages.ReadAsync(cts.Token);
        var sub = client.SubscribeAsync("x", MqttQualityOfService.AtLeastOnce, CancellationToken.None);
        var next = await c.ReceiveAsync();
        Assert.IsType<SubscribePacket>(next);
        await client.AcknowledgeAsync(m, CancellationToken.None);
        Assert.Equal(5, (await c.ReceiveAsync<PubAckPacket>()).PacketId);
        await c.SendAsync(new SubAckPacket { PacketId = ((SubscribePacket)next).PacketId, ReasonCodes = { MqttReasonCode.GrantedQoS1 } });
        Assert.Equal(MqttQualityOfService.AtLeastOnce, (await sub.WaitAsync(Patience)).GrantedQualityOfService);
    }

    [Fact]
    public async Task Auto_acknowledge_sends_puback_for_each_received_qos1_message()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker));
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        await c.SendAsync(new PublishPacket { Topic = "in", QoS = MqttQualityOfService.AtLeastOnce, PacketId = 77, Payload = "p"u8.ToArray() });
        Assert.Equal(77, (await c.ReceiveAsync<PubAckPacket>()).PacketId);
        using var cts = new CancellationTokenSource(Patience);
        var m = await client.ReceivedMessages.ReadAsync(cts.Token);
        Assert.False(m.NeedsAcknowledgement);
        Assert.Equal("in", m.Topic);
    }

    [Fact]
    public async Task Server_receive_maximum_bounds_the_publishes_in_flight()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker, MqttProtocolVersion.V500));
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync(properties: new MqttProperties { ReceiveMaximum = 2 });
        await connecting.WaitAsync(Patience);

        var publishes = Enumerable.Range(0, 3).Select(i => client.PublishAsync(Message("w", i.ToString()), CancellationToken.None)).ToList();
        var p1 = await c.ReceiveAsync<PublishPacket>();
        await c.ReceiveAsync<PublishPacket>();
        // The third publish waits for a window slot, so a SUBSCRIBE issued now overtakes it.
        var subscribing = client.SubscribeAsync("s", MqttQualityOfService.AtMostOnce, CancellationToken.None);
        var sub = await c.ReceiveAsync<SubscribePacket>();
        await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p1.PacketId });
        var p3 = await c.ReceiveAsync<PublishPacket>();
        Assert.Equal("2", System.Text.Encoding.UTF8.GetString(p3.Payload.Span));
        await c.SendAsync(new SubAckPacket { PacketId = sub.PacketId, ReasonCodes = { MqttReasonCode.Success } });
        await subscribing.WaitAsync(Patience);
    }

    [Fact]
    public async Task Packet_ids_wrap_after_65535_and_are_never_zero()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker);
        options.MaxInFlight = 200;
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);

        const int total = 70_000;
        var ids = new List<ushort>(total);
        var acker = Task.Run(async () =>
        {
            while (ids.Count < total)
            {
                var p = await c.ReceiveAsync<PublishPacket>();
                ids.Add(p.PacketId);
                await c.SendAsync(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p.PacketId });
            }
        });
        var pending = new List<Task>();
        for (var i = 0; i < total; i++)
        {
            pending.Add(client.PublishAsync(Message("w", "x"), CancellationToken.None));
        }

        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(60));
        await acker.WaitAsync(Patience);
        Assert.DoesNotContain((ushort)0, ids);
        Assert.Equal(Enumerable.Range(0, total).Select(i => (ushort)((i % 65_535) + 1)), ids);
    }

    [Fact]
    public async Task Keep_alive_sends_pingreq_after_idle_time_on_the_time_provider()
    {
        await using var broker = new FakeBroker();
        var time = new ManualTimeProvider();
        var options = Options(broker);
        options.TimeProvider = time;
        options.KeepAlive = TimeSpan.FromSeconds(10);
        options.PingTimeout = TimeSpan.FromSeconds(5);
        await using var client = new MqttClient(options);
        var states = new StateLog(client);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, connect) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);
        Assert.Equal(10, connect.KeepAliveSeconds);

        await WaitForTimerAsync(time, () => client.KeepAliveIdleWaits >= 1);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, client.KeepAliveIdleWaits);
        time.Advance(TimeSpan.FromSeconds(1));
        await c.ReceiveAsync<PingReqPacket>();
        await c.SendAsync(new PingRespPacket());

        // After a PINGRESP the client keeps going: the next idle period produces the next PINGREQ.
        await WaitForTimerAsync(time, () => client.KeepAliveIdleWaits >= 2);
        time.Advance(TimeSpan.FromSeconds(10));
        await c.ReceiveAsync<PingReqPacket>();
        Assert.Equal(MqttConnectionState.Connected, client.State);

        // No PINGRESP this time: after the ping timeout the connection is declared lost.
        await WaitForTimerAsync(time, () => true);
        time.Advance(TimeSpan.FromSeconds(5));
        var lost = await states.WaitForAsync(MqttConnectionState.Disconnected);
        Assert.Contains("no PINGRESP within 5 s", lost.Error!.Message, StringComparison.Ordinal);
        Assert.True(await c.ClosedByClientAsync().WaitAsync(Patience));
    }

    [Fact]
    public async Task Subscribe_reports_granted_and_refused_filters_and_resubscribes_when_the_session_is_gone()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker, MqttProtocolVersion.V500);
        options.AutoReconnect = true;
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, _) = await broker.AcceptAndConnAckAsync();
        await connecting.WaitAsync(Patience);

        var subscribing = client.SubscribeAsync([new MqttSubscription("ok/#"), new MqttSubscription("denied/#")], CancellationToken.None);
        var sub = await c.ReceiveAsync<SubscribePacket>();
        await c.SendAsync(new SubAckPacket { PacketId = sub.PacketId, ReasonCodes = { MqttReasonCode.GrantedQoS1, MqttReasonCode.NotAuthorized } });
        var results = await subscribing.WaitAsync(Patience);
        Assert.True(results[0].Succeeded);
        Assert.Equal(MqttReasonCode.NotAuthorized, results[1].ReasonCode);

        c.Abort();
        var (c2, _) = await broker.AcceptAndConnAckAsync(sessionPresent: false);
        var again = await c2.ReceiveAsync<SubscribePacket>();
        Assert.Equal(["ok/#"], again.Subscriptions.Select(s => s.TopicFilter));
    }

    [Fact]
    public async Task Server_assigned_client_id_is_reused_when_reconnecting_a_persistent_session()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker, MqttProtocolVersion.V500);
        options.ClientId = "";
        options.SessionExpiry = TimeSpan.FromMinutes(5);
        options.AutoReconnect = true;
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(CancellationToken.None);
        var (c, first) = await broker.AcceptAndConnAckAsync(properties: new MqttProperties { AssignedClientIdentifier = "auto-42" });
        Assert.Equal("", first.ClientId);
        Assert.Equal("auto-42", (await connecting.WaitAsync(Patience)).ClientId);
        c.Abort();
        var (_, second) = await broker.AcceptAndConnAckAsync(sessionPresent: true);
        Assert.Equal("auto-42", second.ClientId);
        Assert.False(second.CleanStart);
    }

    [Fact]
    public async Task Reconnect_back_off_grows_exponentially_within_the_jitter_band()
    {
        await using var client = new MqttClient(new MqttClientOptions
        {
            ClientId = "b",
            ReconnectMinDelay = TimeSpan.FromSeconds(1),
            ReconnectMaxDelay = TimeSpan.FromSeconds(30),
            ReconnectJitter = 0.2,
        });
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var nominal = Math.Min(30, Math.Pow(2, attempt));
            var d = client.NextDelay(attempt).TotalSeconds;
            Assert.InRange(d, nominal * 0.8, Math.Min(30, nominal * 1.2));
        }
    }

    [Fact]
    public async Task Invalid_options_are_rejected_naming_the_key()
    {
        var e = Assert.Throws<ArgumentException>(() => new MqttClient(new MqttClientOptions { Port = 70_000 }));
        Assert.Contains("MqttClientOptions.Port", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new MqttClient(new MqttClientOptions { ProtocolVersion = MqttProtocolVersion.V311, CleanStart = false }));
        Assert.Contains("MqttClientOptions.ClientId", e.Message, StringComparison.Ordinal);
        await using var client = new MqttClient(new MqttClientOptions { ClientId = "x" });
        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync(new MqttMessage { Topic = "a/+" }, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("a/#/b", MqttQualityOfService.AtMostOnce, CancellationToken.None));
    }

    private static async Task WaitForTimerAsync(ManualTimeProvider time, Func<bool> condition)
    {
        // Polls (real time) until the client's keep-alive loop has reached the expected step and armed its timer.
        using var cts = new CancellationTokenSource(Patience);
        while (time.ActiveTimers == 0 || !condition())
        {
            await Task.Delay(5, cts.Token);
        }
    }
}

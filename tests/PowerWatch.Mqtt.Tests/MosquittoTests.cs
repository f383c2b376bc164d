using System.Security.Authentication;
using System.Text;
using PowerWatch.TestSupport;

namespace PowerWatch.Mqtt.Tests;

/// <summary>Our client against a real mosquitto 2.0 (and its command-line clients as independent peers).</summary>
public sealed class MosquittoTests
{
    private static readonly TimeSpan Patience = Mosquitto.Patience;

    private static MqttClientOptions Options(Mosquitto broker, MqttProtocolVersion version, string clientId) => new()
    {
        Host = "127.0.0.1",
        Port = broker.Port,
        ProtocolVersion = version,
        ClientId = clientId,
        KeepAlive = TimeSpan.FromSeconds(30),
    };

    private static string V(MqttProtocolVersion version) => version == MqttProtocolVersion.V500 ? "mqttv5" : "mqttv311";

    private static MqttMessage Message(string topic, string payload, MqttQualityOfService qos = MqttQualityOfService.AtLeastOnce, bool retain = false) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QualityOfService = qos, Retain = retain };

    private static async Task<MqttReceivedMessage> ReceiveAsync(MqttClient client)
    {
        using var cts = new CancellationTokenSource(Patience);
        return await client.ReceivedMessages.ReadAsync(cts.Token);
    }

    [PeerTheory("mosquitto", "mosquitto_sub", "mosquitto_pub")]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Our_publishes_reach_mosquitto_sub_and_mosquitto_pub_reaches_our_subscriber(MqttProtocolVersion version)
    {
        using var dir = new TempDir();
        await using var broker = await Mosquitto.StartAsync(dir);
        await using var client = new MqttClient(Options(broker, version, "interop-" + V(version)));
        await client.ConnectAsync(CancellationToken.None);

        await using var sub = await broker.SubAsync("%t|%q|%p", "-V", V(version), "-t", "interop/ours/#", "-q", "1", "-C", "3", "-W", "20");
        var payloads = new[] { "zero", "one", "ünïcode: 25.5 °C" };
        await client.PublishAsync(Message("interop/ours/a", payloads[0], MqttQualityOfService.AtMostOnce), CancellationToken.None);
        await client.PublishAsync(Message("interop/ours/b", payloads[1]), CancellationToken.None);
        await client.PublishAsync(Message("interop/ours/c", payloads[2]), CancellationToken.None);
        Assert.Equal(["interop/ours/a|0|zero", "interop/ours/b|1|one", "interop/ours/c|1|ünïcode: 25.5 °C"], await Mosquitto.MessagesAsync(sub));

        var granted = await client.SubscribeAsync("interop/theirs", MqttQualityOfService.AtLeastOnce, CancellationToken.None);
        Assert.Equal(MqttQualityOfService.AtLeastOnce, granted.GrantedQualityOfService);
        await broker.PubAsync("-V", V(version), "-t", "interop/theirs", "-q", "1", "-m", "hello from mosquitto_pub");
        var received = await ReceiveAsync(client);
        Assert.Equal("interop/theirs", received.Topic);
        Assert.Equal("hello from mosquitto_pub", Encoding.UTF8.GetString(received.Payload.Span));
        Assert.Equal(MqttQualityOfService.AtLeastOnce, received.Message.QualityOfService);
    }

    [PeerTheory("mosquitto", "mosquitto_passwd")]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Wrong_password_is_refused_with_the_reason_code_and_the_right_one_connects(MqttProtocolVersion version)
    {
        using var dir = new TempDir();
        var passwords = dir.File("passwd");
        var (code, output) = await PeerProcess.RunAsync(Peers.Require("mosquitto_passwd"), ["-c", "-b", passwords, "agent", "s3cret"], Patience);
        Assert.True(code == 0, output);
        await using var broker = await Mosquitto.StartAsync(dir, $"allow_anonymous false\npassword_file {passwords}");

        var wrong = Options(broker, version, "auth-wrong");
        wrong.UserName = "agent";
        wrong.Password = "nope";
        await using (var client = new MqttClient(wrong))
        {
            var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(CancellationToken.None));
            if (version == MqttProtocolVersion.V311)
            {
                // mosquitto answers a bad password with return code 5 (not authorized), see PEERS.md.
                Assert.Equal((byte)5, e.ReturnCode);
                Assert.Contains("not authorized (5)", e.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(e.ReasonCode is MqttReasonCode.BadUserNameOrPassword or MqttReasonCode.NotAuthorized, e.Message);
                Assert.Contains($"(0x{(byte)e.ReasonCode!:X2})", e.Message, StringComparison.Ordinal);
            }
        }

        var right = Options(broker, version, "auth-right");
        right.UserName = "agent";
        right.Password = "s3cret";
        await using var ok = new MqttClient(right);
        await ok.ConnectAsync(CancellationToken.None);
        await ok.PublishAsync(Message("auth/ok", "1"), CancellationToken.None);
    }

    [PeerTheory("mosquitto", "mosquitto_sub", "mosquitto_pub")]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Persistent_session_receives_messages_published_while_offline_and_unacknowledged_ones_again(MqttProtocolVersion version)
    {
        using var dir = new TempDir();
        await using var broker = await Mosquitto.StartAsync(dir);
        var options = Options(broker, version, "ingest-" + V(version));
        options.CleanStart = version == MqttProtocolVersion.V500;
        options.SessionExpiry = TimeSpan.FromHours(1);
        options.AutoAcknowledge = false;

        await using (var first = new MqttClient(options))
        {
            await first.ConnectAsync(CancellationToken.None);
            await first.SubscribeAsync("plant/+/telemetry", MqttQualityOfService.AtLeastOnce, CancellationToken.None);
            await first.DisconnectAsync(CancellationToken.None);
        }

        for (var i = 1; i <= 3; i++)
        {
            await broker.PubAsync("-t", $"plant/ups-{i}/telemetry", "-q", "1", "-m", $"offline-{i}");
        }

        options.CleanStart = false;
        await using var client = new MqttClient(options);
        var result = await client.ConnectAsync(CancellationToken.None);
        Assert.True(result.SessionPresent);
        var got = new List<MqttReceivedMessage>();
        for (var i = 0; i < 3; i++)
        {
            got.Add(await ReceiveAsync(client));
        }

        Assert.Equal(["offline-1", "offline-2", "offline-3"], got.Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
        Assert.All(got, m => Assert.True(m.NeedsAcknowledgement));

        // Acknowledge the first only, then lose the connection: the other two come back, flagged DUP.
        await client.AcknowledgeAsync(got[0], CancellationToken.None);
        await client.PublishAsync(Message("barrier", "x", MqttQualityOfService.AtLeastOnce), CancellationToken.None);
        client.AbortConnection();
        var again = await client.ConnectAsync(CancellationToken.None);
        Assert.True(again.SessionPresent);
        var redelivered = new[] { await ReceiveAsync(client), await ReceiveAsync(client) };
        Assert.Equal(["offline-2", "offline-3"], redelivered.Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
        Assert.All(redelivered, m => Assert.True(m.Duplicate));
        foreach (var m in redelivered)
        {
            await client.AcknowledgeAsync(m, CancellationToken.None);
        }
    }

    [PeerFact("mosquitto", "mosquitto_pub")]
    public async Task Broker_restart_with_persistence_keeps_queued_and_retained_messages()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("data"));
        await using var broker = await Mosquitto.StartAsync(dir, $"persistence true\npersistence_location {dir.File("data")}/");
        var options = Options(broker, MqttProtocolVersion.V311, "ingest-persist");
        options.CleanStart = false;
        await using (var first = new MqttClient(options))
        {
            await first.ConnectAsync(CancellationToken.None);
            await first.SubscribeAsync("queued/#", MqttQualityOfService.AtLeastOnce, CancellationToken.None);
            await first.DisconnectAsync(CancellationToken.None);
        }

        await broker.PubAsync("-t", "queued/a", "-q", "1", "-m", "survives-restart");
        await broker.PubAsync("-t", "retained/status", "-q", "1", "-r", "-m", "online");
        await broker.RestartAsync();

        await using var client = new MqttClient(options);
        Assert.True((await client.ConnectAsync(CancellationToken.None)).SessionPresent);
        Assert.Equal("survives-restart", Encoding.UTF8.GetString((await ReceiveAsync(client)).Payload.Span));
        await client.SubscribeAsync("retained/status", MqttQualityOfService.AtLeastOnce, CancellationToken.None);
        var retained = await ReceiveAsync(client);
        Assert.True(retained.Message.Retain);
        Assert.Equal("online", Encoding.UTF8.GetString(retained.Payload.Span));
    }

    [PeerFact("mosquitto", "mosquitto_sub")]
    public async Task Retained_message_and_will_on_abrupt_loss_are_seen_by_mosquitto_sub()
    {
        using var dir = new TempDir();
        await using var broker = await Mosquitto.StartAsync(dir);
        var options = Options(broker, MqttProtocolVersion.V311, "agent-a");
        options.Will = new MqttWill { Message = Message("powerwatch/s1/agent/a/status", "offline", retain: true) };
        await using var client = new MqttClient(options);
        await client.ConnectAsync(CancellationToken.None);
        await client.PublishAsync(Message("powerwatch/s1/agent/a/status", "online", retain: true), CancellationToken.None);

        // A subscriber arriving later gets the retained "online" (retained flag set)...
        await using (var late = await broker.SubAsync("%r|%p", "-t", "powerwatch/s1/agent/a/status", "-C", "1", "-W", "10"))
        {
            Assert.Equal(["1|online"], await Mosquitto.MessagesAsync(late));
        }

        // ...and sees the will "offline" when our socket dies without DISCONNECT.
        await using var watcher = await broker.SubAsync("%r|%p", "-t", "powerwatch/s1/agent/a/status", "-C", "2", "-W", "10");
        await watcher.WaitForOutputAsync("MSG|1|online", Patience);
        client.AbortConnection();
        Assert.Equal(["1|online", "0|offline"], await Mosquitto.MessagesAsync(watcher));
    }

    [PeerFact("mosquitto", "mosquitto_sub", "mosquitto_pub")]
    public async Task Mqtt5_user_properties_and_message_expiry_cross_both_ways()
    {
        using var dir = new TempDir();
        await using var broker = await Mosquitto.StartAsync(dir);
        await using var client = new MqttClient(Options(broker, MqttProtocolVersion.V500, "props"));
        await client.ConnectAsync(CancellationToken.None);

        await using var sub = await broker.SubAsync("%P|%E|%C|%p", "-V", "mqttv5", "-t", "props/ours", "-C", "1", "-W", "10");
        await client.PublishAsync(
            new MqttMessage
            {
                Topic = "props/ours",
                Payload = "{\"seq\":1}"u8.ToArray(),
                MessageExpiryInterval = TimeSpan.FromSeconds(300),
                ContentType = "application/json",
                UserProperties = [new("site", "dc1")],
            },
            CancellationToken.None);
        var line = Assert.Single(await Mosquitto.MessagesAsync(sub)).Split('|');
        Assert.Equal("site:dc1", line[0]);
        Assert.InRange(int.Parse(line[1], System.Globalization.CultureInfo.InvariantCulture), 290, 300);
        Assert.Equal(("application/json", "{\"seq\":1}"), (line[2], line[3]));

        await client.SubscribeAsync("props/theirs", MqttQualityOfService.AtLeastOnce, CancellationToken.None);
        await broker.PubAsync("-V", "mqttv5", "-t", "props/theirs", "-q", "1", "-m", "p",
            "-D", "publish", "user-property", "model", "ups-x",
            "-D", "publish", "message-expiry-interval", "60",
            "-D", "publish", "content-type", "text/plain");
        var m = (await ReceiveAsync(client)).Message;
        Assert.Equal([new MqttUserProperty("model", "ups-x")], m.UserProperties);
        Assert.InRange(m.MessageExpiryInterval!.Value.TotalSeconds, 50, 60);
        Assert.Equal("text/plain", m.ContentType);
    }

    [PeerFact("mosquitto", "mosquitto_sub")]
    public async Task More_than_65535_qos1_publishes_on_one_connection_all_arrive()
    {
        const int count = 70_000;
        using var dir = new TempDir();
        await using var broker = await Mosquitto.StartAsync(dir);
        await using var client = new MqttClient(Options(broker, MqttProtocolVersion.V311, "bulk-publisher"));
        await client.ConnectAsync(CancellationToken.None);
        await client.PublishAsync(Message("bulk", "ready", retain: true), CancellationToken.None);
        await using var sub = await broker.QuietSubAsync("%p", "ready", "-t", "bulk", "-q", "1", "-C", (count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "-W", "120");
        var publishes = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            publishes.Add(client.PublishAsync(Message("bulk", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None));
        }

        await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(120));
        var received = await Mosquitto.MessagesAsync(sub);
        Assert.Equal("ready", received[0]);
        received.RemoveAt(0);
        Assert.Equal(count, received.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), received);
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Ingest;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Tests.Outputs;
using PowerWatch.Core;
using PowerWatch.Mqtt;
using PowerWatch.Outbox;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Ingest;

/// <summary>Builds and runs our publisher and ingest against real servers for the peer tests.</summary>
internal static class PipelineHarness
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Publisher settings; <paramref name="delivery"/> defaults to the broker's PUBACK (most of these tests have no ingest to confirm).</summary>
    public static MqttOutputSettings PublisherSettings(int port, string outboxDir, MqttDelivery delivery = MqttDelivery.Broker) => new()
    {
        Delivery = delivery,
        StoredTimeout = TimeSpan.FromSeconds(2),
        Topics = new MqttTopics("powerwatch", "dc1", "agent-1"),
        Client = new MqttClientOptions { Host = "127.0.0.1", Port = port, ClientId = "pw-agent-test", ProtocolVersion = MqttProtocolVersion.V500, ConnectTimeout = TimeSpan.FromSeconds(5) },
        Outbox = new OutboxOptions { Directory = outboxDir, FsyncMode = FsyncMode.None, CheckpointInterval = TimeSpan.Zero },
        ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
    };

    public static async Task<MqttOutput> StartPublisherAsync(int port, string outboxDir, ReadingHub? hub = null, MqttDelivery delivery = MqttDelivery.Broker)
    {
        var output = new MqttOutput(PublisherSettings(port, outboxDir, delivery), hub, TimeProvider.System, NullLogger<MqttOutput>.Instance);
        await output.StartAsync(CancellationToken.None);
        return output;
    }

    public static (IngestOptions Ingest, MqttOptions Mqtt) IngestSettings(int mqttPort, string influxUrl, string db, string deadLetters) => (
        new IngestOptions
        {
            Influx = new IngestInfluxOptions { Url = influxUrl, Database = db, Timeout = TimeSpan.FromSeconds(5) },
            DeadLetterFile = deadLetters,
            FlushInterval = TimeSpan.FromMilliseconds(50),
        },
        new MqttOptions { Host = "127.0.0.1", Port = mqttPort, ClientId = "pw-ingest-test", ReconnectMinDelay = TimeSpan.FromMilliseconds(100), ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) });

    public static PollResult Poll(string device, long seq) => new(
        device, "ups", "sim", T0.AddSeconds(seq), seq, Quality.Good,
        [new Reading(device, "battery.charge", ReadingValue.FromNumber(50 + (seq % 50)), "%", T0.AddSeconds(seq), Quality.Good, seq)]);
}

/// <summary>An ingest runner running in the background; Kill = cancel + dispose without flushing.</summary>
internal sealed class RunningIngest : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _run;

    public RunningIngest(IngestOptions ingest, MqttOptions mqtt)
    {
        Runner = new IngestRunner(ingest, mqtt, TimeProvider.System, NullLogger<IngestRunner>.Instance);
        _run = Task.Run(() => Runner.RunAsync(_cts.Token));
    }

    public IngestRunner Runner { get; }

    public Task Run => _run;

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await Runner.DisposeAsync();
        _cts.Dispose();
    }
}

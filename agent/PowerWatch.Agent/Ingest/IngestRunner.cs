using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Influx;
using PowerWatch.Mqtt;

namespace PowerWatch.Agent.Ingest;

/// <summary>
/// <c>powerwatch ingest</c>: subscribes with a persistent session at QoS 1 to telemetry, alerts and failover topics,
/// converts each message to line protocol and writes it through an <see cref="InfluxBatcher"/>. A message is
/// acknowledged (PUBACK) only once all its lines were accepted by InfluxDB or dead-lettered; malformed messages are
/// dead-lettered and acknowledged. Anything not yet delivered when ingest stops or crashes is redelivered by the broker.
/// </summary>
public sealed partial class IngestRunner : IAsyncDisposable
{
    private readonly IngestOptions _options;
    private readonly MqttOptions _mqtt;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestRunner> _log;
    private readonly InfluxWriter _writer;
    private readonly DeadLetterFile _deadLetters;
    private readonly InfluxBatcher _batcher;
    private readonly MqttClient _client;
    private readonly string _prefix;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _received;
    private long _acknowledged;
    private long _malformed;
    private long _points;

    public IngestRunner(IngestOptions options, MqttOptions mqtt, TimeProvider timeProvider, ILogger<IngestRunner> logger, HttpMessageHandler? httpHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mqtt);
        _options = options;
        _mqtt = mqtt;
        _time = timeProvider;
        _log = logger;
        _prefix = mqtt.TopicPrefix;
        var writerOptions = ToWriterOptions(options.Influx);
        writerOptions.Validate();
        _writer = new InfluxWriter(writerOptions, timeProvider, httpHandler);
        _deadLetters = new DeadLetterFile(options.DeadLetterFile);
        _batcher = new InfluxBatcher(
            _writer,
            new InfluxBatcherOptions { MaxBatchLines = options.MaxBatchLines, FlushInterval = options.FlushInterval, MaxRetryDelay = TimeSpan.FromSeconds(10) },
            _deadLetters,
            timeProvider);
        var clientOptions = MqttServices.ToClientOptions(mqtt, string.IsNullOrEmpty(mqtt.ClientId) ? $"powerwatch-ingest-{Environment.MachineName.ToLowerInvariant()}" : mqtt.ClientId);
        clientOptions.CleanStart = false;
        clientOptions.SessionExpiry = options.SessionExpiry;
        clientOptions.AutoAcknowledge = false;
        clientOptions.AutoReconnect = true;
        clientOptions.ReceiveMaximum = options.ReceiveMaximum;
        clientOptions.ReceiveBufferCapacity = Math.Max(options.ReceiveMaximum, 1000);
        clientOptions.TimeProvider = timeProvider;
        _client = new MqttClient(clientOptions);
    }

    /// <summary>Completes once connected and every subscription was granted (the broker now queues for this session).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Messages received (including redeliveries).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages acknowledged to the broker.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Messages dead-lettered as malformed.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Points handed to the batcher.</summary>
    public long Points => Interlocked.Read(ref _points);

    public InfluxBatcherStatistics Influx => _batcher.Statistics;

    /// <summary>Topic filters subscribed (with the shared-subscription prefix when configured).</summary>
    public IReadOnlyList<string> Filters
    {
        get
        {
            string[] f = [$"{_prefix}/+/+/telemetry", $"{_prefix}/+/alerts/+", $"{_prefix}/+/failover"];
            return string.IsNullOrEmpty(_options.SharedGroup) ? f : [.. f.Select(x => $"$share/{_options.SharedGroup}/{x}")];
        }
    }

    public static InfluxWriterOptions ToWriterOptions(IngestInfluxOptions i)
    {
        ArgumentNullException.ThrowIfNull(i);
        return new InfluxWriterOptions
        {
            BaseUrl = Uri.TryCreate(i.Url, UriKind.Absolute, out var u) ? u : null,
            ApiVersion = string.Equals(i.ApiVersion, "V2", StringComparison.OrdinalIgnoreCase) ? InfluxApiVersion.V2 : InfluxApiVersion.V1,
            Database = i.Database,
            RetentionPolicy = i.RetentionPolicy,
            Username = i.Username,
            Password = i.Password,
            Organization = i.Org,
            Bucket = i.Bucket,
            Token = i.Token,
            Gzip = i.Gzip,
            Timeout = i.Timeout,
            Precision = WritePrecision.Milliseconds,
        };
    }

    /// <summary>Connects (retrying with back-off until it succeeds), subscribes and ingests until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await ConnectWithRetryAsync(cancellationToken);
        var results = await _client.SubscribeAsync([.. Filters.Select(f => new MqttSubscription(f, MqttQualityOfService.AtLeastOnce))], cancellationToken);
        foreach (var r in results.Where(r => !r.Succeeded))
        {
            throw new InvalidOperationException($"the broker refused the subscription '{r.TopicFilter}' ({r.ReasonCode})");
        }

        var filters = string.Join(", ", Filters);
        LogSubscribed(filters, _client.LastConnectResult?.SessionPresent ?? false);
        _ready.TrySetResult();
        try
        {
            await foreach (var m in _client.ReceivedMessages.ReadAllAsync(cancellationToken))
            {
                await HandleAsync(m, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: what is not delivered stays unacknowledged and is redelivered.
        }
    }

    /// <summary>Sends what is batched now and waits for it (graceful stop).</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => _batcher.FlushAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _batcher.DisposeAsync();
        await _writer.DisposeAsync();
        await _deadLetters.DisposeAsync();
    }

    private async Task ConnectWithRetryAsync(CancellationToken cancellationToken)
    {
        var delay = _mqtt.ReconnectMinDelay;
        while (true)
        {
            try
            {
                var r = await _client.ConnectAsync(cancellationToken);
                LogConnected(_mqtt.Host, _mqtt.Port, r.SessionPresent);
                return;
            }
            catch (Exception ex) when (ex is MqttConnectException or MqttConnectionLostException or IOException or SocketException)
            {
                LogConnectFailed(ex.Message, delay);
            }

            await Task.Delay(delay, _time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(_mqtt.ReconnectMaxDelay.Ticks, delay.Ticks * 2));
        }
    }

    private async Task HandleAsync(MqttReceivedMessage m, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _received);
        if (!TelemetryConverter.TryConvert(_prefix, m.Topic, m.Payload.Span, out var points, out var reason))
        {
            Interlocked.Increment(ref _malformed);
            var text = Encoding.UTF8.GetString(m.Payload.Span).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
            await _deadLetters.WriteAsync([new DeadLetter(_time.GetUtcNow(), null, $"{m.Topic}: {reason}", text)], cancellationToken);
            LogMalformed(m.Topic, reason);
            await AcknowledgeAsync(m, cancellationToken);
            return;
        }

        if (points.Count == 0)
        {
            await AcknowledgeAsync(m, cancellationToken);
            return;
        }

        Interlocked.Add(ref _points, points.Count);
        var delivery = await _batcher.EnqueueAsync(points, cancellationToken);
        _ = AcknowledgeWhenDeliveredAsync(delivery, m, cancellationToken);
    }

    private async Task AcknowledgeWhenDeliveredAsync(Task<DeliveryReport> delivery, MqttReceivedMessage m, CancellationToken cancellationToken)
    {
        try
        {
            await delivery;
            await AcknowledgeAsync(m, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or MqttConnectionLostException)
        {
            // Not delivered or not acknowledged: the broker redelivers it.
        }
#pragma warning disable CA1031 // A failed write must never become an unobserved exception; the message stays unacknowledged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDeliveryFailed(m.Topic, ex.Message);
        }
    }

    private async Task AcknowledgeAsync(MqttReceivedMessage m, CancellationToken cancellationToken)
    {
        await _client.AcknowledgeAsync(m, cancellationToken);
        Interlocked.Increment(ref _acknowledged);
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Ingest connected to {Host}:{Port} (session present: {SessionPresent})")]
    private partial void LogConnected(string host, int port, bool sessionPresent);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Ingest cannot connect: {Reason}; retrying in {Delay}")]
    private partial void LogConnectFailed(string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Ingest subscribed to {Filters} (session present: {SessionPresent})")]
    private partial void LogSubscribed(string filters, bool sessionPresent);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Malformed message on {Topic} dead-lettered: {Reason}")]
    private partial void LogMalformed(string topic, string reason);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Error, Message = "Delivery of a message from {Topic} failed: {Reason}; not acknowledged")]
    private partial void LogDeliveryFailed(string topic, string reason);
}

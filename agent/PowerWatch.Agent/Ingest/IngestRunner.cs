using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
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
/// Once telemetry is delivered, ingest confirms it on <c>{prefix}/{site}/{device}/stored</c> (<see cref="StoredAck"/>;
/// agents with <c>Delivery = stored</c> then release it), and it follows every device's <c>seq</c> through the
/// confirmations of all instances to report what was never stored (<see cref="GapTracker"/>).
/// </summary>
internal sealed partial class IngestRunner : IAsyncDisposable
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
    private readonly Channel<(string Site, TelemetryKey Key)> _confirmations = Channel.CreateUnbounded<(string Site, TelemetryKey Key)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly GapTracker _gaps;
    private readonly string _clientId;
    private long _confirmationsPublished;
    private long _confirmationsReceived;
    private long _gapsReported;
    private long _missing;
    private int _connects;
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
        _clientId = string.IsNullOrEmpty(mqtt.ClientId) ? $"powerwatch-ingest-{Environment.MachineName.ToLowerInvariant()}" : mqtt.ClientId;
        _gaps = new GapTracker(options.GapGrace, timeProvider.GetUtcNow());
        var clientOptions = MqttServices.ToClientOptions(mqtt, _clientId);
        clientOptions.CleanStart = false;
        clientOptions.SessionExpiry = options.SessionExpiry;
        clientOptions.AutoAcknowledge = false;
        clientOptions.AutoReconnect = true;
        clientOptions.ReceiveMaximum = options.ReceiveMaximum;
        clientOptions.ReceiveBufferCapacity = Math.Max(options.ReceiveMaximum, 1000);
        clientOptions.TimeProvider = timeProvider;
        _client = new MqttClient(clientOptions);
        _client.ConnectionStateChanged += (_, e) =>
        {
            if (e.State == MqttConnectionState.Connected && Interlocked.Increment(ref _connects) > 1)
            {
                LogReconnected(_mqtt.Host, _mqtt.Port, e.SessionPresent);
            }
        };
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

    /// <summary>Stored confirmations published (one per device, agent run and batch).</summary>
    public long ConfirmationsPublished => Interlocked.Read(ref _confirmationsPublished);

    /// <summary>Stored confirmations received (from every instance, this one included).</summary>
    public long ConfirmationsReceived => Interlocked.Read(ref _confirmationsReceived);

    /// <summary>Gaps reported: runs of a device's seq never stored within <c>Ingest:GapGrace</c>.</summary>
    public long GapsReported => Interlocked.Read(ref _gapsReported);

    /// <summary>Telemetry messages (seqs) in the reported gaps.</summary>
    public long MissingReadings => Interlocked.Read(ref _missing);

    /// <summary>Seqs that arrived after the gap holding them was reported.</summary>
    public long LateFills => _gaps.LateFills;

    /// <summary>The plain (never shared) subscription to the stored confirmations of every instance, for gap tracking.</summary>
    public string ConfirmationFilter => $"{_prefix}/+/+/stored";

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
        var results = await _client.SubscribeAsync([.. Filters.Append(ConfirmationFilter).Select(f => new MqttSubscription(f, MqttQualityOfService.AtLeastOnce))], cancellationToken);
        foreach (var r in results.Where(r => !r.Succeeded))
        {
            throw new IngestStartException($"MQTT broker {_mqtt.Host}:{_mqtt.Port} refused the subscription '{r.TopicFilter}' ({r.ReasonCode}); check the user's ACL");
        }

        var filters = string.Join(", ", Filters);
        LogSubscribed(filters, _client.LastConnectResult?.SessionPresent ?? false);
        _ready.TrySetResult();
        using var background = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var confirm = ConfirmLoopAsync(background.Token);
        var gaps = GapLoopAsync(background.Token);
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
        finally
        {
            await background.CancelAsync();
            await Task.WhenAll(confirm, gaps);
        }
    }

    /// <summary>Reports the gaps whose grace period is over (also called by the periodic check).</summary>
    public async Task<IReadOnlyList<TelemetryGap>> CheckGapsAsync(CancellationToken cancellationToken)
    {
        var gaps = _gaps.Collect(_time.GetUtcNow());
        if (gaps.Count == 0)
        {
            return gaps;
        }

        var letters = new List<DeadLetter>(gaps.Count);
        foreach (var g in gaps)
        {
            Interlocked.Increment(ref _gapsReported);
            Interlocked.Add(ref _missing, g.Count);
            LogGap(g.Site, g.Device, g.Run, g.From, g.To, g.Count, g.Waited);
            letters.Add(new DeadLetter(_time.GetUtcNow(), null, $"telemetry gap: {g.Site}/{g.Device} run {g.Run} seq {g.From}-{g.To} ({g.Count}) never stored within {g.Waited}", $"{_prefix}/{g.Site}/{g.Device}/telemetry"));
        }

        await _deadLetters.WriteAsync(letters, cancellationToken);
        return gaps;
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
        // The shared back-off (jittered, so ingest instances restarted together do not reconnect in lock-step).
        var backoff = new PowerWatch.Shared.Backoff(_mqtt.ReconnectMinDelay, TimeSpan.FromTicks(Math.Max(_mqtt.ReconnectMinDelay.Ticks, _mqtt.ReconnectMaxDelay.Ticks)), 0.2);
        for (var attempt = 0; ; attempt++)
        {
            var delay = backoff.Delay(attempt);
            try
            {
                var r = await _client.ConnectAsync(cancellationToken);
                LogConnected(_mqtt.Host, _mqtt.Port, r.SessionPresent);
                return;
            }
            catch (MqttConnectException ex) when (ex.ReturnCode is 4 or 5 || ex.ReasonCode is MqttReasonCode.BadUserNameOrPassword or MqttReasonCode.NotAuthorized)
            {
                // Retrying cannot fix credentials: stop with one line (IngestCommand prints it, exit 2).
                throw new IngestStartException(
                    $"MQTT broker {_mqtt.Host}:{_mqtt.Port} refused the credentials ({ex.Message}); check PowerWatch:Mqtt:Username and Password", ex);
            }
            catch (Exception ex) when (ex is MqttConnectException or MqttConnectionLostException or IOException or SocketException)
            {
                LogConnectFailed(ex.Message, delay);
            }

            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    private async Task HandleAsync(MqttReceivedMessage m, CancellationToken cancellationToken)
    {
        if (TryParseStoredTopic(m.Topic, out var confirmedSite))
        {
            HandleConfirmation(confirmedSite, m);
            await AcknowledgeAsync(m, cancellationToken);
            return;
        }

        Interlocked.Increment(ref _received);
        if (!TelemetryConverter.TryConvertInPlace(_prefix, m.Topic, m.Payload, out var points, out var reason))
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
        (string Site, TelemetryKey Key)? stored = null;
        if (TelemetryConverter.ParseTopic(_prefix, m.Topic) is (IngestTopicKind.Telemetry, var site, _) && StoredAck.TryReadTelemetryKey(m.Payload.Span, out var key))
        {
            stored = (site, key);
        }

        var delivery = await _batcher.EnqueueAsync(points, cancellationToken);
        _ = AcknowledgeWhenDeliveredAsync(delivery, m, stored, cancellationToken);
    }

    private bool TryParseStoredTopic(string topic, out string site)
    {
        site = "";
        if (!topic.StartsWith(_prefix + "/", StringComparison.Ordinal) || !topic.EndsWith("/stored", StringComparison.Ordinal))
        {
            return false;
        }

        var levels = topic[(_prefix.Length + 1)..].Split('/');
        if (levels.Length != 3)
        {
            return false;
        }

        site = levels[0];
        return true;
    }

    private void HandleConfirmation(string site, MqttReceivedMessage m)
    {
        if (!StoredAck.TryDecode(m.Payload.Span, out var ack))
        {
            LogBadConfirmation(m.Topic);
            return;
        }

        Interlocked.Increment(ref _confirmationsReceived);
        var now = _time.GetUtcNow();
        foreach (var range in ack!.Seqs)
        {
            _gaps.Stored(site, ack.Device, ack.Run, range, now);
        }
    }

    private async Task AcknowledgeWhenDeliveredAsync(Task<DeliveryReport> delivery, MqttReceivedMessage m, (string Site, TelemetryKey Key)? stored, CancellationToken cancellationToken)
    {
        try
        {
            await delivery;
            if (stored is { } s)
            {
                // Stored (or dead-lettered, which no retry can change): followed for gaps at once, confirmed to the agent.
                _gaps.Stored(s.Site, s.Key.Device, s.Key.Run, new SeqRange(s.Key.Seq, s.Key.Seq), _time.GetUtcNow());
                if (_options.ConfirmStored)
                {
                    _confirmations.Writer.TryWrite(s);
                }
            }

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

    /// <summary>Publishes what was stored since the last pass: one confirmation per (site, device, run), merged ranges.</summary>
    private async Task ConfirmLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _confirmations.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                var groups = new Dictionary<(string Site, string Device, string Run), List<long>>();
                while (reader.TryRead(out var item))
                {
                    var k = (item.Site, item.Key.Device, item.Key.Run);
                    (groups.TryGetValue(k, out var list) ? list : groups[k] = []).Add(item.Key.Seq);
                }

                var publishes = new List<Task>();
                foreach (var ((site, device, run), seqs) in groups)
                {
                    foreach (var chunk in StoredAck.ToRanges(seqs).Chunk(StoredAck.MaxRanges))
                    {
                        var message = new MqttMessage
                        {
                            Topic = $"{_prefix}/{site}/{device}/stored",
                            Payload = new StoredAck(device, run, chunk, _clientId).Encode(),
                            QualityOfService = MqttQualityOfService.AtLeastOnce,
                        };
                        publishes.Add(PublishConfirmationAsync(message));
                    }
                }

                await Task.WhenAll(publishes);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: unconfirmed telemetry is sent again by the agent and confirmed by the next ingest.
        }
    }

    private async Task PublishConfirmationAsync(MqttMessage message)
    {
        try
        {
            await _client.PublishAsync(message, CancellationToken.None);
            Interlocked.Increment(ref _confirmationsPublished);
        }
        catch (Exception ex) when (ex is MqttConnectionLostException or MqttPublishException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The agent sends the telemetry again after its timeout; it is stored (idempotently) and confirmed again.
            LogConfirmationFailed(message.Topic, ex.Message);
        }
    }

    private async Task GapLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Clamp(_options.GapGrace.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond * 5)), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await CheckGapsAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
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

    [LoggerMessage(EventId = 1206, Level = LogLevel.Error, Message = "Telemetry gap: {Site}/{Device} run {Run} seq {From}-{To} ({Count} polls) never stored within {Waited}")]
    private partial void LogGap(string site, string device, string run, long from, long to, long count, TimeSpan waited);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Information, Message = "Ingest reconnected to {Host}:{Port} (session present: {SessionPresent})")]
    private partial void LogReconnected(string host, int port, bool sessionPresent);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Warning, Message = "Stored confirmation on {Topic} not published: {Reason}; the agent sends the telemetry again")]
    private partial void LogConfirmationFailed(string topic, string reason);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Warning, Message = "Ignored a message on {Topic}: not a stored confirmation")]
    private partial void LogBadConfirmation(string topic);
}

/// <summary>An expected failure that stops ingest at start: its message is the one line printed (no stack trace), exit 2.</summary>
internal sealed class IngestStartException : Exception
{
    public IngestStartException()
    {
    }

    public IngestStartException(string message)
        : base(message)
    {
    }

    public IngestStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

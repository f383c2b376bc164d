using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core;
using PowerWatch.Mqtt;
using PowerWatch.Outbox;

namespace PowerWatch.Agent.Outputs.Mqtt;

/// <summary>Everything <see cref="MqttOutput"/> needs, already resolved (paths absolute, ids filled in).</summary>
internal sealed class MqttOutputSettings
{
    public required MqttTopics Topics { get; init; }

    /// <summary>Broker connection; <c>Will</c>, <c>CleanStart</c> and <c>AutoReconnect</c> are set by the output.</summary>
    public required MqttClientOptions Client { get; init; }

    public required OutboxOptions Outbox { get; init; }

    public MqttQualityOfService TelemetryQos { get; init; } = MqttQualityOfService.AtLeastOnce;

    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Delay between attempts while the broker refuses the credentials (a configuration error, not an outage).</summary>
    public TimeSpan RefusedRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Outbox entries handed to the client at once (the client's own window bounds what is on the wire).</summary>
    public int MaxOutstanding { get; init; } = 200;

    /// <summary>When a telemetry entry leaves the outbox: on the broker's PUBACK, or once ingest confirmed it stored it.</summary>
    public MqttDelivery Delivery { get; init; } = MqttDelivery.Stored;

    /// <summary>With <see cref="MqttDelivery.Stored"/>: how long sent telemetry may stay unconfirmed before it is sent again.</summary>
    public TimeSpan StoredTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>With <see cref="MqttDelivery.Stored"/>: most telemetry entries sent and not yet confirmed (flow control).</summary>
    public int MaxUnconfirmed { get; init; } = 10_000;
}

/// <summary>What lets a telemetry entry leave the outbox (docs/mqtt.md "End-to-end delivery").</summary>
internal enum MqttDelivery
{
    /// <summary>The broker's acknowledgement (PUBACK): enough for any consumer, lost if the broker forgets.</summary>
    Broker,

    /// <summary>Ingest's stored confirmation on <c>{prefix}/{site}/{device}/stored</c>: survives a broker that forgets.</summary>
    Stored,
}

/// <summary>
/// The MQTT output: every poll result from the <see cref="ReadingHub"/> becomes a telemetry message (and, on a
/// change, a retained availability message) that is appended to the durable outbox BEFORE anything is sent.
/// A sender loop reads the outbox in sequence order and publishes each entry, acknowledging the outbox entry only
/// when the broker acknowledged it (QoS 1 PUBACK). On a lost connection it reconnects with exponential back-off
/// and replays every unacknowledged entry in order. Alerts, events and failover state also go through the outbox.
/// With <see cref="MqttDelivery.Stored"/>, a QoS 1 telemetry entry stays in the outbox after its PUBACK until ingest
/// confirms it stored it (<see cref="StoredAck"/>); unconfirmed entries are sent again when confirmations stop
/// (<see cref="StoredDeliveryTracker"/>) and after every reconnect.
/// </summary>
internal sealed partial class MqttOutput : BackgroundService, IAlertPublisher, IEventPublisher, IAsyncDisposable
{
    /// <summary>Fraction of each reconnect delay drawn at random (±20 %).</summary>
    private const double ReconnectJitter = 0.2;

    private readonly MqttOutputSettings _settings;
    private readonly ChannelReader<PollResult>? _results;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttOutput> _log;
    private readonly TaskCompletionSource<DurableOutbox> _outbox = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, bool> _availability = new(StringComparer.Ordinal);
    private readonly StoredDeliveryTracker? _tracker;
    private readonly TimeSpan _checkInterval;
    private long _storedConfirmed;
    private long _published;
    private long _dropped;
    private long _appended;
    private long _connects;
    private long _connectFailures;
    private long _acknowledged;
    private long _publishedQos0;
    private long _publishedQos1;
    private long _refused;
    private long _interrupted;
    private int _connected;
    private int _credentialsRefused;
    private int _disposed;

    public MqttOutput(MqttOutputSettings settings, ReadingHub? hub, TimeProvider timeProvider, ILogger<MqttOutput> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _results = hub?.Subscribe("mqtt-outbox", 10_000);
        _time = timeProvider;
        _log = logger;
        Run = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        if (settings.Delivery == MqttDelivery.Stored)
        {
            _tracker = new StoredDeliveryTracker(settings.StoredTimeout, timeProvider);
        }

        _checkInterval = TimeSpan.FromTicks(Math.Clamp(settings.StoredTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
    }

    /// <summary>This output's run id, written into every telemetry payload (<c>run</c>): <c>seq</c> restarts with each run.</summary>
    public string Run { get; }

    /// <summary>Telemetry entries confirmed as stored by ingest since start (and acknowledged in the outbox).</summary>
    public long StoredConfirmed => Interlocked.Read(ref _storedConfirmed);

    /// <summary>Telemetry entries sent and not yet confirmed as stored (0 with <see cref="MqttDelivery.Broker"/>).</summary>
    public int Unconfirmed => _tracker?.Count ?? 0;

    /// <summary>Replays of unconfirmed telemetry since start (confirmations stopped for the timeout).</summary>
    public long Replays => _tracker?.Replays ?? 0;

    /// <summary>Entries acknowledged by the broker since start.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Entries appended to the outbox since start.</summary>
    public long Appended => Interlocked.Read(ref _appended);

    /// <summary>Entries the outbox dropped (quota) since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Successful broker connections since start.</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Entries waiting in the outbox (0 until it is open).</summary>
    public long Pending => _outbox.Task.IsCompletedSuccessfully ? _outbox.Task.Result.PendingCount : 0;

    /// <summary>Lifetime total of entries dropped by the outbox quota (persisted).</summary>
    public long DroppedTotal => _outbox.Task.IsCompletedSuccessfully ? _outbox.Task.Result.DroppedCount : 0;

    public MqttTopics Topics => _settings.Topics;

    /// <summary>
    /// A consistent-enough snapshot of every counter and gauge of the output and its outbox (for <c>/metrics</c>).
    /// Each value is read atomically; they are not read under one lock, so a publish completing meanwhile can show
    /// in one counter and not yet in another.
    /// </summary>
    public MqttOutputMetrics GetMetrics()
    {
        var outbox = _outbox.Task.IsCompletedSuccessfully ? _outbox.Task.Result : null;
        return new MqttOutputMetrics
        {
            Connected = Volatile.Read(ref _connected) != 0,
            CredentialsRefused = Volatile.Read(ref _credentialsRefused) != 0,
            Connects = Interlocked.Read(ref _connects),
            ConnectFailures = Interlocked.Read(ref _connectFailures),
            PublishedQos0 = Interlocked.Read(ref _publishedQos0),
            PublishedQos1 = Interlocked.Read(ref _publishedQos1),
            PublishesRefused = Interlocked.Read(ref _refused),
            PublishesInterrupted = Interlocked.Read(ref _interrupted),
            Appended = Interlocked.Read(ref _appended),
            Acknowledged = Interlocked.Read(ref _acknowledged),
            Dropped = Interlocked.Read(ref _dropped),
            OutboxOpen = outbox is not null,
            PendingEntries = outbox?.PendingCount ?? 0,
            PendingBytes = outbox?.PendingBytes ?? 0,
            DiskBytes = outbox?.DiskBytes ?? 0,
            OldestPending = outbox?.OldestPendingTimestamp,
            StoredConfirmed = Interlocked.Read(ref _storedConfirmed),
            Unconfirmed = _tracker?.Count ?? 0,
            Replays = _tracker?.Replays ?? 0,
        };
    }

    /// <summary>Appends one poll result (telemetry, plus availability when it changed) to the outbox.</summary>
    public async Task AppendAsync(PollResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var outbox = await _outbox.Task.WaitAsync(cancellationToken);
        var available = IsAvailable(result);
        bool changed;
        lock (_availability)
        {
            changed = !_availability.TryGetValue(result.Device, out var previous) || previous != available;
            _availability[result.Device] = available;
        }

        var topics = _settings.Topics;
        if (changed && !available)
        {
            await AppendAsync(outbox, result.Device, topics.Availability(result.Device), Payloads.Offline, MqttQualityOfService.AtLeastOnce, retain: true, cancellationToken);
        }

        await AppendAsync(outbox, result.Device, topics.Telemetry(result.Device), Payloads.Telemetry(result, Run), _settings.TelemetryQos, retain: false, cancellationToken);
        if (changed && available)
        {
            await AppendAsync(outbox, result.Device, topics.Availability(result.Device), Payloads.Online, MqttQualityOfService.AtLeastOnce, retain: true, cancellationToken);
        }
    }

    public async ValueTask PublishAlertAsync(AlertMessage alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var outbox = await _outbox.Task.WaitAsync(cancellationToken);
        await AppendAsync(outbox, "alerts", _settings.Topics.Alert(alert.Id), Payloads.Alert(alert), MqttQualityOfService.AtLeastOnce, retain: true, cancellationToken);
    }

    public async ValueTask ClearAlertAsync(string alertId, CancellationToken cancellationToken)
    {
        var outbox = await _outbox.Task.WaitAsync(cancellationToken);
        await AppendAsync(outbox, "alerts", _settings.Topics.Alert(alertId), ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true, cancellationToken);
    }

    public async ValueTask PublishEventAsync(EventMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var outbox = await _outbox.Task.WaitAsync(cancellationToken);
        await AppendAsync(outbox, "events", _settings.Topics.Events, Payloads.Event(message), MqttQualityOfService.AtLeastOnce, retain: false, cancellationToken);
    }

    public async ValueTask PublishFailoverAsync(FailoverMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var outbox = await _outbox.Task.WaitAsync(cancellationToken);
        await AppendAsync(outbox, "failover", _settings.Topics.Failover, Payloads.Failover(message), MqttQualityOfService.AtLeastOnce, retain: true, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        base.Dispose();
        if (_outbox.Task.IsCompletedSuccessfully)
        {
            await _outbox.Task.Result.DisposeAsync();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DurableOutbox outbox;
        try
        {
            outbox = await DurableOutbox.OpenAsync(_settings.Outbox, stoppingToken);
        }
        catch (Exception ex)
        {
            _outbox.TrySetException(ex);
            throw;
        }

        outbox.EntriesDropped += OnEntriesDropped;
        if (outbox.Recovery.LostEntries > 0 || outbox.Recovery.TruncatedBytes > 0)
        {
            LogRecovered(outbox.Recovery.LostEntries, outbox.Recovery.TruncatedBytes);
        }

        _outbox.TrySetResult(outbox);
        var appender = _results is null ? Task.CompletedTask : RunAppenderAsync(_results, stoppingToken);
        var sender = RunSenderAsync(outbox, stoppingToken);
        await Task.WhenAll(appender, sender);
    }

    private static bool IsAvailable(PollResult result)
    {
        foreach (var r in result.Readings)
        {
            if (string.Equals(r.Metric, MetricNames.DeviceAvailable, StringComparison.Ordinal) && r.Value.TryGetBoolean(out var a))
            {
                return a;
            }
        }

        return result.Error is null && result.Quality != Quality.Bad;
    }

    private async Task AppendAsync(DurableOutbox outbox, string stream, string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qos, bool retain, CancellationToken cancellationToken)
    {
        await outbox.AppendAsync(stream, payload, new OutboxMetadata(topic, (byte)qos, retain), cancellationToken);
        Interlocked.Increment(ref _appended);
    }

    private async Task RunAppenderAsync(ChannelReader<PollResult> results, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var result in results.ReadAllAsync(stoppingToken))
            {
                await AppendAsync(result, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void OnEntriesDropped(object? sender, OutboxDroppedEventArgs e)
    {
        Interlocked.Add(ref _dropped, e.Count);
        _tracker?.Forget(e.OldestSequence, e.NewestSequence);
        LogDropped(e.Count, e.OldestSequence, e.NewestSequence, e.TotalDropped);
        var message = new EventMessage(
            _time.GetUtcNow(),
            "outbox-dropped",
            $"outbox quota reached: dropped {e.Count} oldest unsent messages (sequences {e.OldestSequence}-{e.NewestSequence}; {e.TotalDropped} in total)",
            Severity: "warning",
            Value: e.Count);

        // Raised on the outbox writer: append from elsewhere so the handler stays quick.
        _ = Task.Run(async () =>
        {
            try
            {
                await PublishEventAsync(message, CancellationToken.None);
            }
            catch (ObjectDisposedException)
            {
                // Shutting down: the count is persisted by the outbox anyway.
            }
        });
    }

    private MqttClientOptions BuildClientOptions()
    {
        var c = _settings.Client;
        return new MqttClientOptions
        {
            Host = c.Host,
            Port = c.Port,
            ProtocolVersion = c.ProtocolVersion,
            ClientId = c.ClientId,
            CleanStart = true,
            KeepAlive = c.KeepAlive,
            PingTimeout = c.PingTimeout,
            UserName = c.UserName,
            Password = c.Password,
            Tls = c.Tls,
            ConnectTimeout = c.ConnectTimeout,
            MaxInFlight = c.MaxInFlight,
            AutoReconnect = false,
            TimeProvider = _time,
            Will = new MqttWill
            {
                Message = new MqttMessage { Topic = _settings.Topics.AgentStatus, Payload = Payloads.Offline, Retain = true, QualityOfService = MqttQualityOfService.AtLeastOnce },
            },
        };
    }

    /// <summary>Connects, replays and sends until the connection is lost, then again after a back-off (the MQTT client's reconnect loop), until stopped.</summary>
    private Task RunSenderAsync(DurableOutbox outbox, CancellationToken stoppingToken) =>
        new MqttReconnectLoop(_settings.ReconnectMinDelay, _settings.ReconnectMaxDelay, ReconnectJitter, _time)
            .RunAsync(token => ConnectAndSendAsync(outbox, token), delayFirst: false, stoppingToken);

    /// <summary>One connection: connect, replay everything unconfirmed, send until the connection is lost or the output stops.</summary>
    private async Task<MqttReconnectOutcome> ConnectAndSendAsync(DurableOutbox outbox, CancellationToken stoppingToken)
    {
        var client = new MqttClient(BuildClientOptions());
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var lostSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionStateChanged += (_, e) =>
        {
            if (e.State is MqttConnectionState.Disconnected or MqttConnectionState.Disposed)
            {
                Volatile.Write(ref _connected, 0);
                lostSignal.TrySetResult();
            }
        };
        _ = lostSignal.Task.ContinueWith(
            static (_, s) =>
            {
                try
                {
                    ((CancellationTokenSource)s!).Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The attempt is over.
                }
            },
            lost,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        var connected = false;
        try
        {
            await client.ConnectAsync(stoppingToken);
            connected = true;
            Interlocked.Increment(ref _connects);
            Volatile.Write(ref _connected, 1);
            if (Interlocked.Exchange(ref _credentialsRefused, 0) != 0)
            {
                LogCredentialsAccepted(_settings.Client.Host, _settings.Client.Port);
            }

            LogConnected(_settings.Client.Host, _settings.Client.Port);

            // Everything unconfirmed goes again on a new connection: the broker may have lost it (or restarted).
            _tracker?.BeginReplay(backOff: false);
            outbox.RewindReader();
            await client.PublishAsync(
                new MqttMessage { Topic = _settings.Topics.AgentStatus, Payload = Payloads.Online, Retain = true, QualityOfService = MqttQualityOfService.AtLeastOnce },
                lost.Token);
            var confirmations = Task.CompletedTask;
            if (_tracker is not null)
            {
                confirmations = ReceiveConfirmationsAsync(client, outbox, _tracker, lost.Token);
                var granted = await client.SubscribeAsync(_settings.Topics.StoredFilter, MqttQualityOfService.AtLeastOnce, lost.Token);
                if (!granted.Succeeded)
                {
                    LogConfirmationsRefused(_settings.Topics.StoredFilter, granted.ReasonCode.ToString());
                }
            }

            try
            {
                await PumpAsync(client, outbox, lost.Token);
            }
            finally
            {
                await confirmations;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await GoodbyeAsync(client, connected);
            await client.DisposeAsync();
            return MqttReconnectOutcome.Stop;
        }
        catch (MqttConnectException ex) when (IsCredentialsRefusal(ex))
        {
            // A configuration error, not an outage: one line naming the keys, then a long wait between attempts (a
            // broker whose password file or ACL is fixed later is picked up without restarting the agent).
            Interlocked.Increment(ref _connectFailures);
            if (Interlocked.Exchange(ref _credentialsRefused, 1) == 0)
            {
                LogCredentialsRefused(_settings.Client.Host, _settings.Client.Port, ex.Message, _settings.RefusedRetryDelay);
            }

            await client.DisposeAsync();
            try
            {
                await Task.Delay(_settings.RefusedRetryDelay, _time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return MqttReconnectOutcome.Stop;
            }

            return MqttReconnectOutcome.Failed;
        }
        catch (Exception ex) when (ex is MqttConnectException or MqttConnectionLostException or MqttProtocolException or OperationCanceledException or IOException or SocketException or TimeoutException)
        {
            if (!connected)
            {
                Interlocked.Increment(ref _connectFailures);
            }

            LogConnectionProblem(ex.Message);
        }
        finally
        {
            Volatile.Write(ref _connected, 0);
        }

        await client.DisposeAsync();
        return connected ? MqttReconnectOutcome.WasConnected : MqttReconnectOutcome.Failed;
    }

    /// <summary>CONNACK refusing who the agent is: 3.1.1 return code 4 (bad user name or password) or 5 (not authorized), MQTT 5 0x86 or 0x87.</summary>
    internal static bool IsCredentialsRefusal(MqttConnectException ex) =>
        ex.ReturnCode is 4 or 5 || ex.ReasonCode is MqttReasonCode.BadUserNameOrPassword or MqttReasonCode.NotAuthorized;

    private async Task GoodbyeAsync(MqttClient client, bool connected)
    {
        if (!connected || client.State != MqttConnectionState.Connected)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), _time);
        try
        {
            await client.PublishAsync(new MqttMessage { Topic = _settings.Topics.AgentStatus, Payload = Payloads.Offline, Retain = true, QualityOfService = MqttQualityOfService.AtLeastOnce }, timeout.Token);
            await client.DisconnectAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or MqttConnectionLostException or IOException or SocketException)
        {
            // Best effort: the will says offline otherwise.
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "MQTT connected to {Host}:{Port}; replaying the outbox")]
    private partial void LogConnected(string host, int port);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "MQTT connection problem: {Reason}; retrying with back-off")]
    private partial void LogConnectionProblem(string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Outbox quota reached: dropped {Count} oldest unsent messages ({Oldest}-{Newest}); {Total} dropped in total")]
    private partial void LogDropped(long count, long oldest, long newest, long total);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "The broker refused outbox entry {Sequence}: {Reason}")]
    private partial void LogRefused(long sequence, string reason);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Outbox recovery: {Lost} entries lost to damage, {Truncated} torn bytes cut")]
    private partial void LogRecovered(long lost, long truncated);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "No stored confirmation for {Count} telemetry entries within {Timeout}: sending them again (next timeout {Next}); is powerwatch ingest running? Consumers that do not confirm need PowerWatch:Mqtt:Delivery = broker")]
    private partial void LogReplay(int count, TimeSpan timeout, TimeSpan next);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Error, Message = "The broker refused the subscription to stored confirmations {Filter} ({Reason}): telemetry cannot be confirmed and stays in the outbox")]
    private partial void LogConfirmationsRefused(string filter, string reason);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Error, Message = "MQTT broker {Host}:{Port} refused the credentials ({Reason}); check PowerWatch:Mqtt:Username and Password (or the broker's password file and ACL). Telemetry stays in the outbox; trying again every {Delay}")]
    private partial void LogCredentialsRefused(string host, int port, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "MQTT broker {Host}:{Port} accepts the credentials now")]
    private partial void LogCredentialsAccepted(string host, int port);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "Ignored a message on {Topic}: not a stored confirmation")]
    private partial void LogBadConfirmation(string topic);
}

using System.Threading.Channels;
using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt;

/// <summary>
/// MQTT 3.1.1 / 5.0 client: QoS 0 and 1 publishing with a pipelined in-flight window, subscriptions with
/// manual or automatic acknowledgement, keep-alive, persistent sessions with in-order resend, TLS, and
/// optional background reconnection. Thread-safe.
/// </summary>
/// <remarks>
/// The client owns the connection state and its lock; it delegates opening a connection to
/// <see cref="MqttTransport"/> (TCP, TLS, CONNECT/CONNACK), what outlives a connection to <see cref="MqttSession"/>
/// (in-flight publishes and resend, subscriptions), packet ids and request correlation to
/// <see cref="PacketIdDispatcher"/>, the read side to <see cref="MqttReceiver"/> and reconnecting to
/// <see cref="MqttReconnectLoop"/>.
/// </remarks>
public sealed class MqttClient : IAsyncDisposable
{
    private readonly MqttClientOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Channel<MqttReceivedMessage> _received;
    private readonly MqttSession _session = new();
    private readonly PacketIdDispatcher _requests;
    private readonly MqttReceiver _receiver;
    private readonly InFlightWindow _window;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly MqttReconnectLoop _reconnect;
    private readonly MqttPublisher _publisher;
    private MqttConnection? _connection;
    private MqttConnectionState _state = MqttConnectionState.Disconnected;
    private bool _connecting;
    private Task _reconnectTask = Task.CompletedTask;

    public MqttClient(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = options.TimeProvider;
        _reconnect = new MqttReconnectLoop(options.ReconnectMinDelay, options.ReconnectMaxDelay, options.ReconnectJitter, _time);
        _requests = new PacketIdDispatcher(_gate, _session);
        _window = new InFlightWindow(options.MaxInFlight);
        _received = Channel.CreateBounded<MqttReceivedMessage>(new BoundedChannelOptions(options.ReceiveBufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
        });
        _publisher = new MqttPublisher(options, _gate, _session, _requests, _window, CurrentConnectionLocked);
        _receiver = new MqttReceiver(options, _gate, _session, _requests, _window, _received.Writer, LoseConnection);
    }

    /// <summary>Raised on every state change (Connecting, Connected, Disconnected with the cause, Disposed). Handlers must be quick.</summary>
    public event EventHandler<MqttConnectionStateChangedEventArgs>? ConnectionStateChanged;

    public MqttConnectionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Result of the latest successful CONNECT.</summary>
    public MqttConnectResult? LastConnectResult { get; private set; }

    /// <summary>Messages from the server, across reconnects. Completed when the client is disposed.</summary>
    public ChannelReader<MqttReceivedMessage> ReceivedMessages => _received.Reader;

    /// <summary>Outgoing QoS 1 publishes awaiting PUBACK (including those kept for resend while disconnected).</summary>
    public int PendingPublishCount
    {
        get
        {
            lock (_gate)
            {
                return _session.InFlightCountLocked;
            }
        }
    }

    /// <summary>
    /// Connects once (TCP, optional TLS, CONNECT/CONNACK) within <see cref="MqttClientOptions.ConnectTimeout"/>.
    /// Throws <see cref="MqttConnectException"/> on refusal (naming the reason code), TLS failure, timeout or network error.
    /// </summary>
    public async Task<MqttConnectResult> ConnectAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_state == MqttConnectionState.Disposed, this);
            if (_connection is not null || _connecting)
            {
                throw new InvalidOperationException("the client is already connected or connecting");
            }

            _connecting = true;
        }

        try
        {
            return await OpenAsync(cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                _connecting = false;
            }
        }
    }

    /// <summary>
    /// Publishes a message. QoS 0 completes when written to the socket (and flushed); QoS 1 completes on PUBACK
    /// (MQTT 5 failure reason codes throw <see cref="MqttPublishException"/>). QoS 2 is not supported.
    /// Publishes enter the connection in call order. Every error, including invalid arguments, is reported through
    /// the returned task, never thrown by the call itself.
    /// With a persistent session a QoS 1 publish made while disconnected is queued and sent on reconnect;
    /// otherwise it throws <see cref="MqttConnectionLostException"/>. A QoS 0 publish while disconnected, or one
    /// still queued when the connection is lost, throws <see cref="MqttConnectionLostException"/>.
    /// Cancelling only stops waiting: a message already handed to the connection may still be delivered.
    /// </summary>
    /// <remarks>
    /// QoS 0 publishes queued between two passes of the connection's writer share one completion, so the returned
    /// task may be the same instance for several calls (and may already be complete on return if the writer was
    /// quick). It completes once the writer has written and flushed all of them, and fails for all of them if
    /// the connection is lost before that.
    /// </remarks>
    public Task PublishAsync(MqttMessage message, CancellationToken cancellationToken) => _publisher.PublishAsync(message, cancellationToken);

    /// <summary>Subscribes; the result has one entry per filter (granted QoS or failure code).</summary>
    public async Task<IReadOnlyList<MqttSubscribeResult>> SubscribeAsync(IReadOnlyList<MqttSubscription> subscriptions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        if (subscriptions.Count == 0)
        {
            throw new ArgumentException("at least one subscription is required", nameof(subscriptions));
        }

        foreach (var s in subscriptions)
        {
            if (MqttTopic.ValidateTopicFilter(s.TopicFilter) is { } why)
            {
                throw new ArgumentException(why, nameof(subscriptions));
            }
        }

        var results = await SubscribeCoreAsync(RequireConnection(), subscriptions, cancellationToken);
        lock (_gate)
        {
            _session.RecordSubscribedLocked(subscriptions, results);
        }

        return results;
    }

    /// <summary>Subscribes to one topic filter.</summary>
    public async Task<MqttSubscribeResult> SubscribeAsync(string topicFilter, MqttQualityOfService qualityOfService, CancellationToken cancellationToken) =>
        (await SubscribeAsync([new MqttSubscription(topicFilter, qualityOfService)], cancellationToken))[0];

    /// <summary>Unsubscribes; returns the MQTT 5 reason codes (Success for each filter under 3.1.1).</summary>
    public async Task<IReadOnlyList<MqttReasonCode>> UnsubscribeAsync(IReadOnlyList<string> topicFilters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        if (topicFilters.Count == 0)
        {
            throw new ArgumentException("at least one topic filter is required", nameof(topicFilters));
        }

        var connection = RequireConnection();
        var packet = new UnsubscribePacket();
        packet.TopicFilters.AddRange(topicFilters);
        var reply = (UnsubAckPacket)await _requests.RequestAsync(connection, packet, id => packet.PacketId = id, cancellationToken);
        lock (_gate)
        {
            _session.RecordUnsubscribedLocked(topicFilters);
        }

        return connection.Version == MqttProtocolVersion.V500
            ? reply.ReasonCodes
            : topicFilters.Select(_ => MqttReasonCode.Success).ToList();
    }

    /// <summary>
    /// Acknowledges a received QoS 1 message (manual mode). PUBACKs leave in the order the messages were
    /// received: acknowledging a later message first holds its PUBACK until the earlier ones are acknowledged.
    /// A message received on a connection that has since been lost is not acknowledged (the server redelivers it).
    /// </summary>
    public Task AcknowledgeAsync(MqttReceivedMessage received, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(received);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(State == MqttConnectionState.Disposed, this);
        if (received.Ack is { } ack && received.Connection is { IsClosed: false } connection)
        {
            connection.Acknowledge(ack);
        }

        return Task.CompletedTask;
    }

    /// <summary>Sends DISCONNECT (normal, will discarded) and closes; no automatic reconnect follows.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        if (Connection is not { } connection)
        {
            return;
        }

        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (connection.Enqueue(new Outgoing(new DisconnectPacket(), sent)))
        {
            try
            {
                await sent.Task.WaitAsync(cancellationToken);
            }
            catch (MqttConnectionLostException)
            {
            }
        }

        LoseConnection(connection, null);
    }

    public async ValueTask DisposeAsync()
    {
        MqttConnection? connection;
        lock (_gate)
        {
            if (_state == MqttConnectionState.Disposed)
            {
                return;
            }

            connection = _connection;
        }

        await _lifetime.CancelAsync();
        if (connection is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), _time);
            try
            {
                await DisconnectAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        try
        {
            await _reconnectTask;
        }
        catch (OperationCanceledException)
        {
        }

        List<PendingPublish> pending;
        List<TaskCompletionSource<MqttPacket>> requests;
        lock (_gate)
        {
            _state = MqttConnectionState.Disposed;
            connection = _connection;
            _connection = null;
            pending = _session.TakeAllInFlightLocked();
            requests = _requests.TakeAllRequestsLocked();
        }

        var error = new MqttConnectionLostException("the MQTT client was disposed");
        if (connection is not null)
        {
            await connection.DisposeAsync();

            // Still queued (e.g. QoS 0 publishes behind a DISCONNECT that could not be written in time): fail them.
            foreach (var item in connection.DrainUnsent())
            {
                item.Written?.TrySetException(error);
            }
        }

        // Wake publishers waiting for a window slot: they see the disposed state and throw.
        _window.SetLimit(int.MaxValue);
        foreach (var p in pending)
        {
            p.Completion.TrySetException(error);
        }

        PacketIdDispatcher.Fail(requests, error);

        _received.Writer.TryComplete();
        Raise(MqttConnectionState.Disposed, null, false);
        _lifetime.Dispose();
        _publisher.Dispose();
    }

    /// <summary>Keep-alive idle waits started on the current connection (-1 when disconnected); for fake-time tests.</summary>
    internal int KeepAliveIdleWaits => Connection?.IdleWaits ?? -1;

    /// <summary>Packets queued on the current connection that its writer has not taken yet (-1 when disconnected); for tests.</summary>
    internal int QueuedPacketCount => Connection?.QueuedCount ?? -1;

    /// <summary>The open connection, or null.</summary>
    private MqttConnection? Connection
    {
        get
        {
            lock (_gate)
            {
                return _connection;
            }
        }
    }

    /// <summary>Drops the socket without DISCONNECT (as a network failure would): the server publishes the will.</summary>
    internal void AbortConnection()
    {
        if (Connection is { } connection)
        {
            LoseConnection(connection, new MqttConnectionLostException("connection aborted"));
        }
    }

    /// <summary>The open connection (null when disconnected); throws when disposed. Caller holds the state lock.</summary>
    private MqttConnection? CurrentConnectionLocked() =>
        _state == MqttConnectionState.Disposed ? throw new ObjectDisposedException(nameof(MqttClient)) : _connection;

    private MqttConnection RequireConnection()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_state == MqttConnectionState.Disposed, this);
            return _connection ?? throw new MqttConnectionLostException("not connected");
        }
    }

    private async Task<IReadOnlyList<MqttSubscribeResult>> SubscribeCoreAsync(MqttConnection connection, IReadOnlyList<MqttSubscription> subscriptions, CancellationToken cancellationToken)
    {
        var packet = new SubscribePacket();
        packet.Subscriptions.AddRange(subscriptions);
        var reply = (SubAckPacket)await _requests.RequestAsync(connection, packet, id => packet.PacketId = id, cancellationToken);
        if (reply.ReasonCodes.Count != subscriptions.Count)
        {
            var error = new MqttProtocolException(MqttProtocolError.InvalidValue, $"SUBACK has {reply.ReasonCodes.Count} codes for {subscriptions.Count} filters");
            LoseConnection(connection, error);
            throw error;
        }

        return [.. subscriptions.Zip(reply.ReasonCodes, (s, c) => new MqttSubscribeResult(s.TopicFilter, c))];
    }

    private async Task<MqttConnectResult> OpenAsync(CancellationToken cancellationToken)
    {
        Raise(MqttConnectionState.Connecting, null, false);
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _lifetime.Token);
        var token = linked.Token;
        MqttConnection? connection = null;
        try
        {
            (connection, var result) = await MqttTransport.HandshakeAsync(_options, BuildConnect(), token);
            await ActivateAsync(connection, result, token);
            return result;
        }
        catch (Exception e)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            var error = e as MqttConnectException
                ?? MqttTransport.DescribeConnectFailure(_options, e, timedOut: timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested);
            Raise(MqttConnectionState.Disconnected, error ?? e, false);
            if (error is null || ReferenceEquals(error, e))
            {
                throw;
            }

            throw error;
        }
    }

    private ConnectPacket BuildConnect()
    {
        lock (_gate)
        {
            // Reconnects resume the session when it is persistent.
            var cleanStart = _session.EverConnected && _options.PersistentSession ? false : _options.CleanStart;
            return MqttTransport.BuildConnect(_options, _session.AssignedClientId ?? _options.ClientId, cleanStart);
        }
    }

    private async Task ActivateAsync(MqttConnection connection, MqttConnectResult result, CancellationToken cancellationToken)
    {
        List<PendingPublish> resend;
        List<MqttSubscription> resubscribe;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_state == MqttConnectionState.Disposed, this);
            resend = _session.InFlightInOrderLocked();
            resubscribe = _session.BeginConnectionLocked(result.SessionPresent);

            _connection = connection;
            _state = MqttConnectionState.Connected;
            _session.EverConnected = true;
            LastConnectResult = result;

            // A server-assigned id (MQTT 5, empty ClientId) is reused so that reconnects resume the same session.
            if (_options.ClientId.Length == 0 && result.ClientId.Length > 0)
            {
                _session.AssignedClientId = result.ClientId;
            }
        }

        _window.SetLimit(Math.Min(_options.MaxInFlight, result.ServerReceiveMaximum));
        try
        {
            await MqttSession.ResendAsync(connection, resend, result.SessionPresent, cancellationToken);
        }
        catch
        {
            lock (_gate)
            {
                _connection = null;
                _state = MqttConnectionState.Disconnected;
            }

            throw;
        }

        connection.StartWriter(LoseConnection);
        _ = Task.Run(() => _receiver.ReadLoopAsync(connection), CancellationToken.None);
        _ = Task.Run(() => connection.KeepAliveLoopAsync(result.KeepAlive, _options.PingTimeout, LoseConnection), CancellationToken.None);
        Raise(MqttConnectionState.Connected, null, result.SessionPresent);
        if (resubscribe.Count > 0)
        {
            _ = ResubscribeAsync(connection, resubscribe);
        }
    }

    private async Task ResubscribeAsync(MqttConnection connection, List<MqttSubscription> subscriptions)
    {
        try
        {
            await SubscribeCoreAsync(connection, subscriptions, connection.Closing);
        }
        catch (Exception e) when (e is MqttConnectionLostException or MqttProtocolException or OperationCanceledException)
        {
            // The connection is gone (the next one resubscribes) or the server misbehaved (the connection was lost).
        }
    }

    private void LoseConnection(MqttConnection connection, Exception? error)
    {
        List<PendingPublish>? failed = null;
        List<TaskCompletionSource<MqttPacket>> requests;
        bool reconnect;
        lock (_gate)
        {
            if (connection.IsClosed && _connection != connection)
            {
                return;
            }

            connection.Close();
            if (_connection != connection)
            {
                return;
            }

            _connection = null;
            if (_state != MqttConnectionState.Disposed)
            {
                _state = MqttConnectionState.Disconnected;
            }

            // Subscribe/unsubscribe requests are not resent: they fail.
            requests = _requests.TakeAllRequestsLocked();
            if (!_options.PersistentSession)
            {
                failed = _session.TakeAllInFlightLocked();
            }

            reconnect = error is not null && _options.AutoReconnect && !_lifetime.IsCancellationRequested && _reconnectTask.IsCompleted;
            if (reconnect)
            {
                _reconnectTask = Task.Run(() => ReconnectLoopAsync(_lifetime.Token));
            }
        }

        var lost = error switch
        {
            null => new MqttConnectionLostException("disconnected by the application"),
            MqttConnectionLostException l => l,
            _ => new MqttConnectionLostException("connection lost: " + error.Message, error),
        };
        PacketIdDispatcher.Fail(requests, lost);

        if (failed is not null)
        {
            foreach (var p in failed)
            {
                _window.Release();
                p.Completion.TrySetException(lost);
            }
        }

        foreach (var item in connection.DrainUnsent())
        {
            item.Written?.TrySetException(lost);
        }

        _ = connection.DisposeAsync().AsTask();
        Raise(MqttConnectionState.Disconnected, error, false);
    }

    private Task ReconnectLoopAsync(CancellationToken cancellationToken) =>
        _reconnect.RunAsync(ReconnectOnceAsync, delayFirst: true, cancellationToken);

    private async Task<MqttReconnectOutcome> ReconnectOnceAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_connection is not null || _connecting || _state == MqttConnectionState.Disposed)
            {
                return MqttReconnectOutcome.Stop;
            }

            _connecting = true;
        }

        try
        {
            await OpenAsync(cancellationToken);
            return MqttReconnectOutcome.Stop;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return MqttReconnectOutcome.Stop;
        }
        catch (MqttConnectException)
        {
            // Reported through ConnectionStateChanged; try again after the next back-off.
            return MqttReconnectOutcome.Failed;
        }
        finally
        {
            lock (_gate)
            {
                _connecting = false;
            }
        }
    }

    /// <summary>Exponential back-off from ReconnectMinDelay doubling to ReconnectMaxDelay, with ± jitter.</summary>
    internal TimeSpan NextDelay(int attempt) => _reconnect.NextDelay(attempt);

    private void Raise(MqttConnectionState state, Exception? error, bool sessionPresent)
    {
        lock (_gate)
        {
            if (_state != MqttConnectionState.Disposed || state == MqttConnectionState.Disposed)
            {
                _state = state == MqttConnectionState.Connecting && _connection is not null ? _state : state;
            }
        }

        var handler = ConnectionStateChanged;
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, new MqttConnectionStateChangedEventArgs(state, error, sessionPresent));
        }
#pragma warning disable CA1031 // A faulty event handler must not break the connection's loops.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}

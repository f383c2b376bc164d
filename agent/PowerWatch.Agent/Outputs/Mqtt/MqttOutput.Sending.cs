using PowerWatch.Mqtt;
using PowerWatch.Outbox;

namespace PowerWatch.Agent.Outputs.Mqtt;

/// <summary>The sending side of <see cref="MqttOutput"/> on one connection: the outbox drain, stored-confirmation flow control and replay, and outbox acknowledgement.</summary>
internal sealed partial class MqttOutput
{
    private async Task PumpAsync(MqttClient client, DurableOutbox outbox, CancellationToken token)
    {
        using var slots = new SemaphoreSlim(_settings.MaxOutstanding);
        var outstanding = new List<Task>();
        try
        {
            while (true)
            {
                token.ThrowIfCancellationRequested();
                ReplayIfDue(outbox);
                var entries = await outbox.ReadPendingAsync(256, token);
                if (entries.Count == 0)
                {
                    await WaitOrCheckAsync(outbox.WaitForPendingAsync(token), token);
                    continue;
                }

                outstanding.RemoveAll(t => t.IsCompleted);
                foreach (var entry in entries)
                {
                    var key = AwaitsStoredConfirmation(entry);
                    if (key is not null && !await WaitForRoomAsync(outbox, token))
                    {
                        // Replayed meanwhile: the outbox was rewound and hands these entries out again.
                        break;
                    }

                    await slots.WaitAsync(token);
                    var message = new MqttMessage
                    {
                        Topic = entry.Metadata.Topic!,
                        Payload = entry.Payload,
                        Retain = entry.Metadata.Retain,
                        QualityOfService = (MqttQualityOfService)entry.Metadata.Qos,
                    };

                    // Registered before the publish: a confirmation can overtake the PUBACK.
                    if (key is { } k)
                    {
                        _tracker!.Sent(entry.Sequence, k);
                    }

                    // Not cancellable: a message handed to the connection may be delivered anyway; its PUBACK (or
                    // the connection loss) completes it.
                    var publish = client.PublishAsync(message, CancellationToken.None);
                    outstanding.Add(AcknowledgeWhenDoneAsync(publish, entry.Sequence, message.QualityOfService, key is not null, outbox, slots));
                }
            }
        }
        finally
        {
            // Let every publish finish (PUBACK or failure) so acknowledgements land before a rewind.
            await Task.WhenAll(outstanding);
        }
    }

    /// <summary>The telemetry key of an entry that leaves the outbox only on a stored confirmation; null when the PUBACK is enough.</summary>
    private TelemetryKey? AwaitsStoredConfirmation(OutboxEntry entry) =>
        _tracker is not null
            && entry.Metadata.Qos == (byte)MqttQualityOfService.AtLeastOnce
            && !entry.Metadata.Retain
            && entry.Metadata.Topic is { } topic && topic.EndsWith("/telemetry", StringComparison.Ordinal)
            && StoredAck.TryReadTelemetryKey(entry.Payload.Span, out var key)
            ? key
            : null;

    /// <summary>Waits while too much is unconfirmed; false when a replay was started meanwhile.</summary>
    private async Task<bool> WaitForRoomAsync(DurableOutbox outbox, CancellationToken token)
    {
        while (_tracker!.Count >= _settings.MaxUnconfirmed)
        {
            if (ReplayIfDue(outbox))
            {
                return false;
            }

            await WaitOrCheckAsync(_tracker.Changed(), token);
        }

        return true;
    }

    /// <summary>Sends every unconfirmed entry again when confirmations stopped (see <see cref="StoredDeliveryTracker"/>).</summary>
    private bool ReplayIfDue(DurableOutbox outbox)
    {
        if (_tracker is null || !_tracker.ReplayDue())
        {
            return false;
        }

        var timeout = _tracker.CurrentTimeout;
        var count = _tracker.BeginReplay();
        outbox.RewindReader();
        LogReplay(count, timeout, _tracker.CurrentTimeout);
        return true;
    }

    /// <summary>Waits for a signal, but with stored delivery at most one check interval (to look at the replay timeout).</summary>
    private async Task WaitOrCheckAsync(Task signal, CancellationToken token)
    {
        if (_tracker is null)
        {
            await signal;
            return;
        }

        try
        {
            await signal.WaitAsync(_checkInterval, _time, token);
        }
        catch (TimeoutException)
        {
            // Time to check the replay timeout.
        }
    }

    private async Task ReceiveConfirmationsAsync(MqttClient client, DurableOutbox outbox, StoredDeliveryTracker tracker, CancellationToken token)
    {
        try
        {
            await foreach (var m in client.ReceivedMessages.ReadAllAsync(token))
            {
                if (!m.Topic.EndsWith("/stored", StringComparison.Ordinal) || !StoredAck.TryDecode(m.Payload.Span, out var ack))
                {
                    LogBadConfirmation(m.Topic);
                    continue;
                }

                var covered = tracker.Confirm(ack!);
                if (covered.Count > 0)
                {
                    await outbox.AcknowledgeAsync(covered, CancellationToken.None);
                    Interlocked.Add(ref _acknowledged, covered.Count);
                    Interlocked.Add(ref _storedConfirmed, covered.Count);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or MqttConnectionLostException)
        {
            // The connection is over; the next one subscribes again.
        }
    }

    private async Task AcknowledgeWhenDoneAsync(Task publish, long sequence, MqttQualityOfService qos, bool awaitStored, DurableOutbox outbox, SemaphoreSlim slots)
    {
        try
        {
            await publish;
            Interlocked.Increment(ref _published);
            if (!awaitStored)
            {
                await outbox.AcknowledgeAsync(sequence, CancellationToken.None);
                Interlocked.Increment(ref _acknowledged);
            }

            if (qos == MqttQualityOfService.AtMostOnce)
            {
                Interlocked.Increment(ref _publishedQos0);
            }
            else
            {
                Interlocked.Increment(ref _publishedQos1);
            }
        }
        catch (MqttPublishException ex)
        {
            // The broker refused this one message (MQTT 5 reason code): retrying cannot help.
            Interlocked.Increment(ref _refused);
            LogRefused(sequence, ex.Message);
            _tracker?.Forget(sequence, sequence);
            await outbox.AcknowledgeAsync(sequence, CancellationToken.None);
            Interlocked.Increment(ref _acknowledged);
        }
        catch (Exception ex) when (ex is MqttConnectionLostException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Stays in the outbox; replayed after the reconnect.
            Interlocked.Increment(ref _interrupted);
        }
        finally
        {
            slots.Release();
        }
    }
}

using static PowerWatch.Core.Alerts.AlertText;

namespace PowerWatch.Core.Alerts;

/// <summary>
/// The raise/clear lifecycle of one alert id, under the engine's lock: <c>for</c> before the raise, escalation and
/// damped de-escalation, clear delay (flap hold while flapping), the notification rate limit, shelves, causes, and
/// the recent list.
/// </summary>
public sealed partial class AlertEngine
{
    private void Process(AlertTrack track, AlertVerdict? verdict, DateTimeOffset now, List<AlertTransition> output)
    {
        if (verdict is null)
        {
            return;
        }

        var rule = track.Rule;
        if (verdict.Active)
        {
            track.GoneSince = null;
            track.ConditionSince ??= now;
            if (track.Alert is null)
            {
                var wait = rule is null || verdict.IgnoreFor ? TimeSpan.Zero : rule.For;
                if (now - track.ConditionSince.Value >= wait)
                {
                    Raise(track, verdict, now, output);
                }
            }
            else
            {
                var previous = track.Alert;
                var severity = verdict.Severity;
                if (severity < previous.Severity)
                {
                    // De-escalation is damped like a clear: the lower severity must last the clear delay.
                    track.LowerSince ??= now;
                    var lowerHold = track.Flapping ? _options.FlapHold : rule?.ClearAfter ?? _options.ClearAfter;
                    if (now - track.LowerSince.Value < lowerHold)
                    {
                        severity = previous.Severity;
                    }
                }

                if (severity >= previous.Severity)
                {
                    track.LowerSince = null;
                }

                track.Alert = previous with { Message = verdict.Message, Value = verdict.Value, Unit = verdict.Unit, Severity = severity, ConditionEndedAt = null };
                if (severity != previous.Severity)
                {
                    track.LowerSince = null;
                    var up = severity > previous.Severity;
                    if (up)
                    {
                        track.Alert = track.Alert with { Acknowledged = false, AcknowledgedBy = null };
                    }

                    Notify(track, up ? AlertTransitionKind.Escalated : AlertTransitionKind.Deescalated, now, output);
                }
            }

            return;
        }

        track.ConditionSince = null;
        if (track.Alert is null)
        {
            return;
        }

        track.GoneSince ??= now;
        var hold = track.Flapping ? _options.FlapHold : rule?.ClearAfter ?? _options.ClearAfter;
        var nowText = verdict.Now ?? "condition ended";
        if (now - track.GoneSince.Value < hold)
        {
            // Not cleared yet: say the condition has ended and what it is now, never the raising value as current.
            track.Alert = track.Alert with
            {
                ConditionEndedAt = track.GoneSince,
                Message = $"{track.Title}: condition ended ({nowText}); clears after {F(hold.TotalSeconds)} s if it stays so",
            };
        }
        else
        {
            track.Alert = track.Alert with { ClearedAt = now, ConditionEndedAt = track.GoneSince, Message = $"{track.Title} cleared: {nowText}" };
            _active.Remove(track);
            RecordTransition(track, now);
            track.Flapping = false;
            if (track.Notified)
            {
                output.Add(new AlertTransition(AlertTransitionKind.Cleared, track.Alert, now));
            }

            AddRecent(track.Alert);
            track.Alert = null;
            track.GoneSince = null;
            track.Notified = false;
        }
    }

    /// <summary>Keeps every active alert's cause current (a cause raised or cleared after it re-parents it).</summary>
    private void RefreshCauses()
    {
        if (_causes is null)
        {
            return;
        }

        foreach (var track in _active)
        {
            var cause = CauseOf(track);
            if (!string.Equals(cause, track.Alert!.Cause, StringComparison.Ordinal))
            {
                track.Alert = track.Alert with { Cause = cause };
            }
        }
    }

    private string? CauseOf(AlertTrack track) =>
        _causes?.CauseOf(track.RuleId, track.Device, id => _tracks.TryGetValue(id, out var t) && (t.Alert is not null || t.Pending));

    private void Raise(AlertTrack track, AlertVerdict verdict, DateTimeOffset now, List<AlertTransition> output)
    {
        RecordTransition(track, now);
        if (!track.Flapping && track.Transitions.Count >= _options.FlapTransitions)
        {
            track.Flapping = true;
        }

        _shelves.TryGetValue(track.Id, out var shelvedUntil);
        track.Title = track.Rule is { } r ? Prefix(r, track.Device) : Head(verdict.Message);
        var cause = CauseOf(track);
        _active.Add(track);
        track.Alert = new AlertInfo
        {
            Id = track.Id,
            Rule = track.RuleId,
            Device = track.Device,
            Severity = verdict.Severity,
            Message = verdict.Message,
            Value = verdict.Value,
            Unit = verdict.Unit,
            RaisedAt = now,
            ShelvedUntil = shelvedUntil > now ? shelvedUntil : null,
            Flapping = track.Flapping,
            Cause = cause,
        };
        track.Notified = false;
        Notify(track, AlertTransitionKind.Raised, now, output);
    }

    private void Notify(AlertTrack track, AlertTransitionKind kind, DateTimeOffset now, List<AlertTransition> output)
    {
        var alert = track.Alert!;
        if (alert.ShelvedUntil is { } until && until > now)
        {
            return;
        }

        while (_notifications.Count > 0 && now - _notifications.Peek() >= TimeSpan.FromMinutes(1))
        {
            _notifications.Dequeue();
        }

        var exempt = alert.Severity == AlertSeverity.Critical || kind == AlertTransitionKind.Deescalated;
        if (!exempt && _notifications.Count >= _options.MaxNotificationsPerMinute)
        {
            Suppressed++;
            return;
        }

        _notifications.Enqueue(now);
        track.Notified = true;
        output.Add(new AlertTransition(kind, alert, now));
    }

    private void RecordTransition(AlertTrack track, DateTimeOffset now)
    {
        track.Transitions.Enqueue(now);
        while (track.Transitions.Count > 0 && now - track.Transitions.Peek() > _options.FlapWindow)
        {
            track.Transitions.Dequeue();
        }
    }

    private void AddRecent(AlertInfo info)
    {
        _recent.AddFirst(info);
        while (_recent.Count > Math.Max(1, _options.RecentCapacity))
        {
            _recent.RemoveLast();
        }
    }
}

// Longer than 600 lines because the five rule kinds are still evaluated inline with the raise/clear lifecycle under one lock; splitting them into one evaluator per kind is planned (architecture issue).
using System.Globalization;
using PowerWatch.Core.Trends;

namespace PowerWatch.Core.Alerts;

/// <summary>
/// Evaluates alert rules against readings on an injected <see cref="TimeProvider"/>: threshold (hysteresis,
/// <c>for</c>), state, rate, projection and stale rules, plus conditions computed elsewhere (the failover analyzer).
/// One alert per id <c>{rule}:{device}</c> (dedup); clear delay and flap hold (damping); a notification rate limit
/// (critical raises are never suppressed); acknowledge and shelve. Pure logic, no I/O; thread-safe (one lock).
/// Every mutating call returns the transitions it caused, in order.
/// </summary>
public sealed class AlertEngine
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly AlertEngineOptions _options;
    private readonly List<AlertRule> _rules;
    private readonly HashSet<string> _ruleIds;
    private readonly Dictionary<string, DeviceData> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Track> _tracks = new(StringComparer.Ordinal);

    // The tracks with an active alert (causes are refreshed over these, not over every rule × device).
    private readonly HashSet<Track> _active = [];
    private readonly Dictionary<string, DateTimeOffset> _shelves = new(StringComparer.Ordinal);
    private readonly LinkedList<AlertInfo> _recent = new();
    private readonly Queue<DateTimeOffset> _notifications = new();
    private readonly DateTimeOffset _startedAt;
    private readonly IAlertCauses? _causes;

    /// <param name="causes">Where each alert's <see cref="AlertInfo.Cause"/> comes from (e.g. <see cref="ChainCauses"/>); null = every alert is a root.</param>
    public AlertEngine(IEnumerable<AlertRule> rules, AlertEngineOptions options, TimeProvider time, IAlertCauses? causes = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _options = options;
        _rules = [.. rules.Where(r => r.Enabled)];
        _ruleIds = new HashSet<string>(_rules.Select(r => r.Id), StringComparer.Ordinal);
        _startedAt = time.GetUtcNow();
        _causes = causes;
    }

    /// <summary>Raise/escalate notifications dropped by the rate limit so far.</summary>
    public long Suppressed { get; private set; }

    public IReadOnlyList<AlertRule> Rules => _rules;

    /// <summary>Declares a configured device so stale rules cover it before it ever answers.</summary>
    public void RegisterDevice(string device, string kind)
    {
        lock (_gate)
        {
            GetDevice(device, kind);
        }
    }

    /// <summary>Feeds one poll's readings of one device and evaluates that device's rules.</summary>
    public IReadOnlyList<AlertTransition> Observe(string device, string? kind, IReadOnlyList<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var data = GetDevice(device, kind);
            data.Readings.Record(now, readings);

            var output = new List<AlertTransition>();
            foreach (var rule in _rules)
            {
                if (!rule.AppliesTo(device, data.Kind))
                {
                    continue;
                }

                var track = GetTrack(rule, device);
                if (rule.Kind is AlertRuleKind.Rate or AlertRuleKind.Projection
                    && data.Readings.TryGet(rule.Metric, out var r) && r.Quality == Quality.Good && r.Value.TryGetNumber(out var v)
                    && readings.Any(x => x.Metric == rule.Metric))
                {
                    track.History.Add((r.Timestamp, v));
                    var cutoff = r.Timestamp - rule.Window;
                    track.History.RemoveAll(p => p.At < cutoff);
                }

                Process(track, Evaluate(rule, data, track, now), now, output);
            }

            RefreshCauses();
            return output;
        }
    }

    /// <summary>Re-evaluates everything against the clock: <c>for</c> durations, clear delays, stale rules, shelf expiry.</summary>
    public IReadOnlyList<AlertTransition> Tick()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var output = new List<AlertTransition>();
            foreach (var data in _devices.Values)
            {
                foreach (var rule in _rules)
                {
                    if (rule.AppliesTo(data.Id, data.Kind))
                    {
                        Process(GetTrack(rule, data.Id), Evaluate(rule, data, GetTrack(rule, data.Id), now), now, output);
                    }
                }
            }

            foreach (var track in _tracks.Values.Where(t => t.Rule is null).ToList())
            {
                Process(track, track.External, now, output);
            }

            foreach (var (id, until) in _shelves.ToList())
            {
                if (until <= now)
                {
                    _shelves.Remove(id);
                    if (_tracks.TryGetValue(id, out var t) && t.Alert is not null)
                    {
                        t.Alert = t.Alert with { ShelvedUntil = null };
                        t.Notified = true;
                        output.Add(new AlertTransition(AlertTransitionKind.Unshelved, t.Alert, now));
                    }
                }
            }

            RefreshCauses();
            return output;
        }
    }

    /// <summary>
    /// Applies the complete current set of externally computed conditions: each present condition is active; every
    /// active alert of a non-rule id missing from the set goes through the normal clear path.
    /// </summary>
    /// <param name="notes">Per alert id, what the condition is now: shown while an ended condition waits out its clear delay, and in the clear.</param>
    public IReadOnlyList<AlertTransition> ApplyConditions(IEnumerable<AlertCondition> conditions, IReadOnlyDictionary<string, string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var output = new List<AlertTransition>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var c in conditions)
            {
                if (!seen.Add(c.Id))
                {
                    continue;
                }

                var track = GetExternalTrack(c.Rule, c.Device);
                track.External = new Verdict(true, c.Severity, c.Message, c.Value, c.Unit);
                Process(track, track.External, now, output);
            }

            foreach (var track in _tracks.Values.Where(t => t.Rule is null && !seen.Contains(t.Id)).ToList())
            {
                var severity = track.Alert?.Severity ?? AlertSeverity.Info;
                var note = notes is not null && notes.TryGetValue(track.Id, out var n) ? n : "condition no longer present";
                track.External = new Verdict(false, severity, track.Alert?.Message ?? "", null, null, Now: note);
                Process(track, track.External, now, output);
            }

            RefreshCauses();
            return output;
        }
    }

    /// <summary>Records a one-shot event (never active), e.g. retransfer to utility completed.</summary>
    public AlertTransition Event(string rule, string device, AlertSeverity severity, string message)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var info = new AlertInfo
            {
                Id = AlertIds.Make(rule, device),
                Rule = rule,
                Device = device,
                Severity = severity,
                Message = message,
                RaisedAt = now,
                ClearedAt = now,
            };
            AddRecent(info);
            return new AlertTransition(AlertTransitionKind.Event, info, now);
        }
    }

    /// <summary>Acknowledges an active alert; null when no such active alert.</summary>
    public AlertTransition? Acknowledge(string id, string by)
    {
        lock (_gate)
        {
            if (!_tracks.TryGetValue(id, out var t) || t.Alert is null)
            {
                return null;
            }

            var now = _time.GetUtcNow();
            t.Alert = t.Alert with { Acknowledged = true, AcknowledgedBy = by };
            return new AlertTransition(AlertTransitionKind.Acknowledged, t.Alert, now, by);
        }
    }

    /// <summary>Shelves an alert id until <paramref name="until"/>: raises and escalations are not notified meanwhile.</summary>
    public AlertTransition? Shelve(string id, DateTimeOffset until, string by)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (until <= now)
            {
                return null;
            }

            _shelves[id] = until;
            if (_tracks.TryGetValue(id, out var t) && t.Alert is not null)
            {
                t.Alert = t.Alert with { ShelvedUntil = until };
                return new AlertTransition(AlertTransitionKind.Shelved, t.Alert, now, by);
            }

            var parts = id.Split(':', 2);
            var placeholder = new AlertInfo
            {
                Id = id,
                Rule = parts[0],
                Device = parts.Length > 1 ? parts[1] : "",
                Severity = AlertSeverity.Info,
                Message = "shelved while inactive",
                RaisedAt = now,
                ClearedAt = now,
                ShelvedUntil = until,
            };
            return new AlertTransition(AlertTransitionKind.Shelved, placeholder, now, by);
        }
    }

    /// <summary>Active alerts, most severe first, then oldest first.</summary>
    public IReadOnlyList<AlertInfo> Active()
    {
        lock (_gate)
        {
            return [.. _tracks.Values.Where(t => t.Alert is not null).Select(t => t.Alert!)
                .OrderByDescending(a => a.Severity).ThenBy(a => a.RaisedAt).ThenBy(a => a.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>Recently cleared alerts and events, newest first.</summary>
    public IReadOnlyList<AlertInfo> Recent()
    {
        lock (_gate)
        {
            return [.. _recent];
        }
    }

    /// <summary>The latest reading of a metric of a device, if any.</summary>
    public bool TryGetLatest(string device, string metric, out Reading reading)
    {
        lock (_gate)
        {
            reading = default;
            return _devices.TryGetValue(device, out var d) && d.Readings.TryGet(metric, out reading);
        }
    }

    public AlertEngineSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new AlertEngineSnapshot
            {
                Active = [.. _tracks.Values.Where(t => t.Alert is not null).Select(t => t.Alert!).OrderBy(a => a.Id, StringComparer.Ordinal)],
                Shelves = new Dictionary<string, DateTimeOffset>(_shelves, StringComparer.Ordinal),
            };
        }
    }

    /// <summary>Restores persisted active alerts and shelves; a still-true condition does not re-fire them.</summary>
    public void Restore(AlertEngineSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_gate)
        {
            foreach (var alert in snapshot.Active)
            {
                if (!alert.Active)
                {
                    continue;
                }

                var rule = _rules.FirstOrDefault(r => r.Id == alert.Rule);
                var track = rule is not null ? GetTrack(rule, alert.Device) : GetExternalTrack(alert.Rule, alert.Device);
                track.Alert = alert;
                track.Title = rule is not null ? Prefix(rule, alert.Device) : Head(alert.Message);
                _active.Add(track);
                track.ConditionSince = alert.RaisedAt;
                track.Notified = true;
                track.Flapping = alert.Flapping;
                if (rule is null)
                {
                    track.External = new Verdict(true, alert.Severity, alert.Message, alert.Value, alert.Unit);
                }
            }

            foreach (var (id, until) in snapshot.Shelves)
            {
                _shelves[id] = until;
            }
        }
    }

    private DeviceData GetDevice(string device, string? kind)
    {
        if (!_devices.TryGetValue(device, out var data))
        {
            data = new DeviceData(device, _startedAt);
            _devices[device] = data;
        }

        if (!string.IsNullOrEmpty(kind))
        {
            data.Kind = kind;
        }

        return data;
    }

    private Track GetTrack(AlertRule rule, string device)
    {
        var id = AlertIds.Make(rule.Id, device);
        if (!_tracks.TryGetValue(id, out var track))
        {
            track = new Track(id, rule.Id, device, rule);
            _tracks[id] = track;
        }

        return track;
    }

    private Track GetExternalTrack(string rule, string device)
    {
        var id = AlertIds.Make(rule, device);
        if (!_tracks.TryGetValue(id, out var track))
        {
            track = new Track(id, rule, device, null);
            _tracks[id] = track;
        }

        return track;
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string WithUnit(double v, string? unit) => string.IsNullOrEmpty(unit) ? F(v) : F(v) + " " + unit;

    private static string Prefix(AlertRule rule, string device) =>
        (string.IsNullOrEmpty(rule.Description) ? rule.Id : rule.Description) + " (" + device + ")";

    private static Verdict? Evaluate(AlertRule rule, DeviceData data, Track track, DateTimeOffset now)
    {
        if (rule.Kind == AlertRuleKind.Stale)
        {
            return EvaluateStale(rule, data, now);
        }

        if (!data.Readings.TryGet(rule.Metric, out var reading) || reading.Quality != Quality.Good)
        {
            return null;
        }

        return rule.Kind switch
        {
            AlertRuleKind.Threshold => EvaluateThreshold(rule, data.Id, reading, track),
            AlertRuleKind.State => EvaluateState(rule, data.Id, reading),
            AlertRuleKind.Rate => EvaluateRate(rule, data.Id, reading, track),
            AlertRuleKind.Projection => EvaluateProjection(rule, data.Id, reading, track, now),
            _ => null,
        };
    }

    private static Verdict EvaluateStale(AlertRule rule, DeviceData data, DateTimeOffset now)
    {
        // Never null: a device counts as heard when the engine started.
        var silent = now - data.Readings.LastHeard.GetValueOrDefault();
        if (data.Readings.TryGet(MetricNames.DeviceAvailable, out var available)
            && available.Value.TryGetBoolean(out var ok) && !ok)
        {
            return new Verdict(true, rule.Severity, Prefix(rule, data.Id) + ": device not answering", null, null);
        }

        var limit = rule.For > TimeSpan.Zero ? rule.For : TimeSpan.FromSeconds(30);
        return silent > limit
            ? new Verdict(true, rule.Severity, Prefix(rule, data.Id) + ": no data for " + F(silent.TotalSeconds) + " s", silent.TotalSeconds, "s", IgnoreFor: true)
            : new Verdict(false, rule.Severity, "", null, null, Now: "device answering again");
    }

    private static Verdict? EvaluateThreshold(AlertRule rule, string device, Reading reading, Track track)
    {
        if (!reading.Value.TryGetNumber(out var v))
        {
            return null;
        }

        var active = track.Alert is not null || track.ConditionSince is not null;
        var level = active ? rule.Clear ?? rule.Level : rule.Level;
        var beyond = rule.Direction == AlertDirection.Above ? v > level : v < level;
        // Escalation has the same hysteresis band as the raise: a critical alert stays critical until the value is
        // back past CriticalLevel by (Level - Clear).
        var severity = rule.Severity;
        if (rule.CriticalLevel is { } critical)
        {
            var band = track.Alert?.Severity == AlertSeverity.Critical ? (rule.Clear ?? rule.Level) - rule.Level : 0;
            var criticalLevel = critical + band;
            if (rule.Direction == AlertDirection.Above ? v > criticalLevel : v < criticalLevel)
            {
                severity = AlertSeverity.Critical;
            }
        }

        var word = rule.Direction == AlertDirection.Above ? "above" : "below";
        var message = $"{Prefix(rule, device)}: {rule.Metric} {WithUnit(v, reading.Unit)} {word} {WithUnit(severity == AlertSeverity.Critical && rule.CriticalLevel is { } c ? c : rule.Level, reading.Unit)}";
        return new Verdict(beyond, severity, message, v, reading.Unit, Now: $"{rule.Metric} {WithUnit(v, reading.Unit)}");
    }

    private static Verdict? EvaluateState(AlertRule rule, string device, Reading reading)
    {
        bool match;
        string shown = reading.Value.ToString();
        if (rule.Token is not null)
        {
            if (!reading.Value.TryGetText(out var text))
            {
                return null;
            }

            match = UpsStatus.Parse(text).Tokens.Contains(rule.Token, StringComparer.Ordinal);
        }
        else
        {
            match = string.Equals(shown, rule.EqualTo, StringComparison.Ordinal);
        }

        if (rule.Negate)
        {
            match = !match;
        }

        var message = $"{Prefix(rule, device)}: {rule.Metric} = {(string.IsNullOrEmpty(shown) ? "(none)" : shown)}";
        return new Verdict(match, rule.Severity, message, reading.Value.TryGetNumber(out var n) ? n : null, null,
            Now: $"{rule.Metric} = {(string.IsNullOrEmpty(shown) ? "(none)" : shown)}");
    }

    private static bool Enough(AlertRule rule, int count, TimeSpan span) =>
        count >= 3 && span >= TimeSpan.FromTicks(Math.Min(rule.Window.Ticks / 4, TimeSpan.FromSeconds(10).Ticks));

    private static Verdict? EvaluateRate(AlertRule rule, string device, Reading reading, Track track)
    {
        var (slope, _, count, span) = LinearTrend.Of(track.History);
        if (!Enough(rule, count, span))
        {
            return null;
        }

        var perMinute = slope * 60;
        var active = track.Alert is not null;
        var level = active ? rule.Clear ?? rule.Level : rule.Level;
        var beyond = rule.Direction == AlertDirection.Above ? perMinute > level : perMinute < level;
        var severity = rule.CriticalLevel is { } c && (rule.Direction == AlertDirection.Above ? perMinute > c : perMinute < c)
            ? AlertSeverity.Critical
            : rule.Severity;
        var unit = string.IsNullOrEmpty(reading.Unit) ? "/min" : reading.Unit + "/min";
        var message = $"{Prefix(rule, device)}: {rule.Metric} changing {F(perMinute)} {unit} (limit {F(rule.Level)} {unit})";
        return new Verdict(beyond, severity, message, perMinute, unit, Now: $"{rule.Metric} changing {F(perMinute)} {unit}");
    }

    private static Verdict? EvaluateProjection(AlertRule rule, string device, Reading reading, Track track, DateTimeOffset now)
    {
        if (!reading.Value.TryGetNumber(out var latest))
        {
            return null;
        }

        var below = rule.Direction == AlertDirection.Below;
        double seconds;
        if (below ? latest <= rule.Level : latest >= rule.Level)
        {
            seconds = 0;
        }
        else
        {
            var (slope, fit, count, span) = LinearTrend.Of(track.History);
            if (!Enough(rule, count, span))
            {
                return null;
            }

            var towards = below ? slope < 0 : slope > 0;
            if (!towards)
            {
                return new Verdict(false, rule.Severity, "", null, "s", Now: $"{rule.Metric} {WithUnit(latest, reading.Unit)}, not moving towards {WithUnit(rule.Level, reading.Unit)}");
            }

            seconds = Math.Max(0, ((rule.Level - fit) / slope) - (now - track.History[^1].At).TotalSeconds);
        }

        var active = seconds <= rule.Horizon.TotalSeconds;
        var severity = rule.CriticalHorizon is { } ch && seconds <= ch.TotalSeconds ? AlertSeverity.Critical : rule.Severity;
        var message = $"{Prefix(rule, device)}: {rule.Metric} {WithUnit(latest, reading.Unit)} projected to reach {WithUnit(rule.Level, reading.Unit)} in {F(Math.Round(seconds))} s";
        return new Verdict(active, severity, message, seconds, "s", Now: $"{rule.Metric} {WithUnit(latest, reading.Unit)}");
    }

    private void Process(Track track, Verdict? verdict, DateTimeOffset now, List<AlertTransition> output)
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

    private string? CauseOf(Track track) =>
        _causes?.CauseOf(track.RuleId, track.Device, id => _tracks.TryGetValue(id, out var t) && t.Alert is not null);

    private void Raise(Track track, Verdict verdict, DateTimeOffset now, List<AlertTransition> output)
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

    private void Notify(Track track, AlertTransitionKind kind, DateTimeOffset now, List<AlertTransition> output)
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

    private void RecordTransition(Track track, DateTimeOffset now)
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

    /// <param name="Now">What the condition is now (the value and unit), for an alert waiting to clear and for the clear.</param>
    private sealed record Verdict(bool Active, AlertSeverity Severity, string Message, double? Value, string? Unit, bool IgnoreFor = false, string? Now = null);

    private sealed class DeviceData(string id, DateTimeOffset startedAt)
    {
        public string Id { get; } = id;

        public string? Kind { get; set; }

        public LatestReadings Readings { get; } = new(startedAt);
    }

    /// <summary>The part of a message before its first ": " (the alert's title, e.g. "Generator late (gen-1)").</summary>
    private static string Head(string message)
    {
        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 ? message[..colon] : message;
    }

    private sealed class Track(string id, string ruleId, string device, AlertRule? rule)
    {
        /// <summary>What the alert is, without values ("UPS load high (ups)"): heads the ended and cleared messages.</summary>
        public string Title { get; set; } = id;

        public string Id { get; } = id;

        public string RuleId { get; } = ruleId;

        public string Device { get; } = device;

        public AlertRule? Rule { get; } = rule;

        public AlertInfo? Alert { get; set; }

        public DateTimeOffset? ConditionSince { get; set; }

        public DateTimeOffset? GoneSince { get; set; }

        public DateTimeOffset? LowerSince { get; set; }

        public bool Notified { get; set; }

        public bool Flapping { get; set; }

        public Verdict? External { get; set; }

        public Queue<DateTimeOffset> Transitions { get; } = new();

        public List<(DateTimeOffset At, double Value)> History { get; } = [];
    }
}

using static PowerWatch.Core.Alerts.AlertText;

namespace PowerWatch.Core.Alerts;

/// <summary>
/// Evaluates alert rules against readings on an injected <see cref="TimeProvider"/>: threshold (hysteresis,
/// <c>for</c>), state, rate, projection and stale rules, plus conditions computed elsewhere (the failover analyzer).
/// One alert per id <c>{rule}:{device}</c> (dedup); clear delay and flap hold (damping); a notification rate limit
/// (critical raises are never suppressed); acknowledge and shelve. Pure logic, no I/O; thread-safe (one lock).
/// Every mutating call returns the transitions it caused, in order. Each rule kind has its evaluator
/// (<see cref="ThresholdRuleEvaluator"/>, <see cref="StateRuleEvaluator"/>, <see cref="RateRuleEvaluator"/>,
/// <see cref="ProjectionRuleEvaluator"/>, <see cref="StaleRuleEvaluator"/>); the raise/clear lifecycle is in AlertEngine.Lifecycle.cs.
/// </summary>
public sealed partial class AlertEngine
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly AlertEngineOptions _options;
    private readonly List<AlertRule> _rules;
    private readonly HashSet<string> _ruleIds;
    private readonly Dictionary<string, DeviceData> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AlertTrack> _tracks = new(StringComparer.Ordinal);

    // The tracks with an active alert (causes are refreshed over these, not over every rule × device).
    private readonly HashSet<AlertTrack> _active = [];
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
                    track.AddToHistory(r.Timestamp, v, rule.Window);
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
            foreach (var t in _tracks.Values.Where(t => t.Rule is null))
            {
                t.Pending = false;
            }

            foreach (var c in conditions)
            {
                if (c.Pending)
                {
                    // Only a cause-in-waiting: an alert already raised is cleared (or kept) by the usual path below.
                    var pending = GetExternalTrack(c.Rule, c.Device);
                    pending.Pending = pending.Alert is null;
                    continue;
                }

                if (!seen.Add(c.Id))
                {
                    continue;
                }

                var track = GetExternalTrack(c.Rule, c.Device);
                track.External = new AlertVerdict(true, c.Severity, c.Message, c.Value, c.Unit);
                Process(track, track.External, now, output);
            }

            foreach (var track in _tracks.Values.Where(t => t.Rule is null && !seen.Contains(t.Id)).ToList())
            {
                var severity = track.Alert?.Severity ?? AlertSeverity.Info;
                var note = notes is not null && notes.TryGetValue(track.Id, out var n) ? n : "condition no longer present";
                track.External = new AlertVerdict(false, severity, track.Alert?.Message ?? "", null, null, Now: note);
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

    /// <summary>
    /// Entries the engine keeps: one track per (rule, device) ever evaluated, the latest readings per device and the
    /// shelves. All are bounded by the configuration (rules × configured devices; shelves only for those ids), which
    /// the soak benchmark checks stays flat.
    /// </summary>
    public int TrackedCount
    {
        get
        {
            lock (_gate)
            {
                return _tracks.Count + _devices.Count + _shelves.Count;
            }
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
                    track.External = new AlertVerdict(true, alert.Severity, alert.Message, alert.Value, alert.Unit);
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

    private AlertTrack GetTrack(AlertRule rule, string device) => GetTrack(rule.Id, device, rule);

    private AlertTrack GetExternalTrack(string rule, string device) => GetTrack(rule, device, null);

    private AlertTrack GetTrack(string ruleId, string device, AlertRule? rule)
    {
        var id = AlertIds.Make(ruleId, device);
        if (!_tracks.TryGetValue(id, out var track))
        {
            track = new AlertTrack(id, ruleId, device, rule);
            _tracks[id] = track;
        }

        return track;
    }

    private static AlertVerdict? Evaluate(AlertRule rule, DeviceData data, AlertTrack track, DateTimeOffset now)
    {
        if (rule.Kind == AlertRuleKind.Stale)
        {
            return StaleRuleEvaluator.Evaluate(rule, data.Id, data.Readings, now);
        }

        if (!data.Readings.TryGet(rule.Metric, out var reading) || reading.Quality != Quality.Good)
        {
            return null;
        }

        return rule.Kind switch
        {
            AlertRuleKind.Threshold => ThresholdRuleEvaluator.Evaluate(rule, data.Id, reading, track),
            AlertRuleKind.State => StateRuleEvaluator.Evaluate(rule, data.Id, reading),
            AlertRuleKind.Rate => RateRuleEvaluator.Evaluate(rule, data.Id, reading, track),
            AlertRuleKind.Projection => ProjectionRuleEvaluator.Evaluate(rule, data.Id, reading, track, now),
            _ => null,
        };
    }

    private sealed class DeviceData(string id, DateTimeOffset startedAt)
    {
        public string Id { get; } = id;

        public string? Kind { get; set; }

        public LatestReadings Readings { get; } = new(startedAt);
    }
}

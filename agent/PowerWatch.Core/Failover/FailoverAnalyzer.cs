using System.Globalization;
using PowerWatch.Core.Alerts;

namespace PowerWatch.Core.Failover;

/// <summary>
/// Watches the configured power chain (utility → ATS ← generator; ATS → UPS) and computes, per UPS, the runtime
/// margin = runtime remaining (the more pessimistic of reported and observed) − time the generator still needs to
/// carry the load, plus the failover conditions (utility lost, start required, late, failed, unstable, transfer
/// failed, margin, depletion before the generator, fuel hours, overload, runtime disagreement) and the retransfer
/// event. Pure logic on an injected <see cref="TimeProvider"/>; thread-safe.
/// </summary>
public sealed partial class FailoverAnalyzer
{
    private static readonly HashSet<string> RaisedAlarmConditions = new(StringComparer.Ordinal)
    {
        "warning", "shutdown", "electrical-trip", "controlled-shutdown",
    };

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly FailoverOptions _options;
    private readonly List<FailoverChain> _chains;
    private readonly Dictionary<string, DeviceData> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChainState> _chainStates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RuntimeEstimator> _estimators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BatteryModel> _models;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _pdus;

    /// <param name="pdus">PDUs fed by each UPS (Topology:Ups): all of them dead means the load is lost.</param>
    public FailoverAnalyzer(IEnumerable<FailoverChain> chains, FailoverOptions options, TimeProvider time, IDictionary<string, BatteryModel>? learned = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? pdus = null)
    {
        ArgumentNullException.ThrowIfNull(chains);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _chains = [.. chains];
        _options = options;
        _time = time;
        _models = learned is null ? new(StringComparer.Ordinal) : new(learned, StringComparer.Ordinal);
        _pdus = pdus ?? new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var chain in _chains)
        {
            _chainStates[chain.Ats] = new ChainState();
            foreach (var ups in chain.Ups)
            {
                Learn(ups, _models.GetValueOrDefault(ups) ?? new BatteryModel());
            }
        }
    }

    /// <summary>Restores battery models learned in an earlier run (the persisted <see cref="LearnedModels"/>); UPSes not in the chains are ignored.</summary>
    public void RestoreModels(IReadOnlyDictionary<string, BatteryModel> learned)
    {
        ArgumentNullException.ThrowIfNull(learned);
        lock (_gate)
        {
            foreach (var (ups, model) in learned)
            {
                if (_estimators.ContainsKey(ups))
                {
                    Learn(ups, new BatteryModel { Points = [.. model.Points] });
                }
            }
        }
    }

    private void Learn(string ups, BatteryModel model)
    {
        _models[ups] = model;
        _estimators[ups] = new RuntimeEstimator(model, _options.DischargeWindow, _options.DefaultExponent);
    }

    public IReadOnlyList<FailoverChain> Chains => _chains;

    /// <summary>The learned battery models per UPS (persist these).</summary>
    public IReadOnlyDictionary<string, BatteryModel> LearnedModels()
    {
        lock (_gate)
        {
            return _models.ToDictionary(p => p.Key, p => new BatteryModel { Points = [.. p.Value.Points] }, StringComparer.Ordinal);
        }
    }

    /// <summary>Feeds one poll of one device.</summary>
    public void Observe(string device, IReadOnlyList<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (!_devices.TryGetValue(device, out var data))
            {
                data = new DeviceData();
                _devices[device] = data;
            }

            data.Readings.Record(now, readings);

            if (_estimators.TryGetValue(device, out var estimator))
            {
                var onBattery = Status(data).Contains(UpsStatusTokens.OnBattery, StringComparer.Ordinal);
                estimator.Observe(now, Number(data, MetricNames.BatteryCharge), Number(data, MetricNames.UpsLoad), onBattery);
            }

            if (Number(data, MetricNames.FuelLevel) is { } fuel && readings.Any(r => r.Metric == MetricNames.FuelLevel))
            {
                FuelProjection.Track(data.FuelSteps, data.Fuel.Count > 0 ? data.Fuel[^1].Value : null, now, fuel);
                data.Fuel.Add((now, fuel));
                var cutoff = now - _options.FuelWindow;
                data.Fuel.RemoveAll(p => p.At < cutoff);
            }
        }
    }

    /// <summary>Evaluates every chain now.</summary>
    public FailoverEvaluation Evaluate()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var states = new List<FailoverUpsState>();
            var conditions = new List<AlertCondition>();
            var events = new List<AlertCondition>();
            var notes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var chain in _chains)
            {
                EvaluateChain(chain, now, states, conditions, events, notes);
            }

            return new FailoverEvaluation(states, conditions, events, SiteVerdict.From(states, now), notes);
        }
    }

    private static string S(double seconds) => Math.Round(seconds).ToString("0", CultureInfo.InvariantCulture) + " s";

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static double? Number(DeviceData? d, string metric) => d?.Readings.Number(metric);

    private static bool? Bool(DeviceData? d, string metric) => d?.Readings.Boolean(metric);

    private static string? Text(DeviceData? d, string metric) => d?.Readings.Text(metric);

    /// <summary>An <c>input.source</c> value in words for messages (the words of alert texts before the NUT names).</summary>
    private static string PositionText(string? position) => position switch
    {
        InputSources.Source1 => "source1",
        InputSources.Source2 => "source2",
        InputSources.Neutral => "neutral",
        null => "unknown",
        _ => position,
    };

    private static System.Collections.Immutable.ImmutableArray<string> Status(DeviceData? d) =>
        Text(d, MetricNames.UpsStatus) is { } s ? UpsStatus.Parse(s).Tokens : [];

    private DeviceData? Fresh(string? device, DateTimeOffset now)
    {
        if (device is null || !_devices.TryGetValue(device, out var d))
        {
            return null;
        }

        if (Bool(d, MetricNames.DeviceAvailable) == false || now - d.Readings.LastHeard > _options.StaleAfter)
        {
            return null;
        }

        return d;
    }

    private void EvaluateChain(FailoverChain chain, DateTimeOffset now, List<FailoverUpsState> states, List<AlertCondition> conditions, List<AlertCondition> events,
        Dictionary<string, string> notes)
    {
        var st = _chainStates[chain.Ats];
        var ats = Fresh(chain.Ats, now);
        var gen = Fresh(chain.Generator, now);
        var upsData = chain.Ups.Select(u => (Id: u, Data: Fresh(u, now))).ToList();

        // Utility: the ATS's source-1 flag; without a fresh ATS, a UPS on battery says the same.
        var source1 = Bool(ats, MetricNames.AtsSource1Available);
        var position = Text(ats, MetricNames.InputSource);
        var anyOnBattery = upsData.Any(u => Status(u.Data).Contains(UpsStatusTokens.OnBattery, StringComparer.Ordinal));
        var utilityDown = source1 is { } s1 ? !s1 : anyOnBattery && position != InputSources.Source2;
        if (utilityDown)
        {
            st.UtilityDownSince ??= now;
        }
        else
        {
            st.UtilityDownSince = null;
        }

        var utilityLost = st.UtilityDownSince is { } since && now - since >= _options.UtilityLossDebounce;
        if (utilityLost)
        {
            st.OutageStart ??= st.UtilityDownSince;
        }
        else if (!utilityDown)
        {
            if (st.OutageStart is { } ended)
            {
                st.LastOutage = now - ended;
            }

            st.OutageStart = null;
            st.GeneratorUpThisOutage = false;
        }

        notes[AlertIds.Make(FailoverRules.UtilityLost, chain.Ats)] = utilityDown
            ? $"utility down for {S((now - st.UtilityDownSince!.Value).TotalSeconds)}"
            : st.LastOutage is { } outageLength ? $"utility back after {VerdictRules.Duration(outageLength.TotalSeconds)}" : "utility present";

        // Retransfer completed: source2 → source1 with the utility back.
        if (position is not null)
        {
            if (st.LastPosition == InputSources.Source2 && position == InputSources.Source1 && source1 == true)
            {
                events.Add(new AlertCondition(FailoverRules.RetransferCompleted, chain.Ats, AlertSeverity.Info,
                    $"Retransfer to utility completed ({chain.Ats})"));
            }

            if (position != InputSources.Neutral)
            {
                st.LastPosition = position;
            }
        }

        if (st.UtilityDownSince is { } downSince)
        {
            conditions.Add(new AlertCondition(FailoverRules.UtilityLost, chain.Ats, AlertSeverity.Warning,
                $"Utility lost at {chain.Ats} for {S((now - downSince).TotalSeconds)}", (now - downSince).TotalSeconds, "s") { Pending = !utilityLost });
        }

        // Generator.
        var genState = gen is null ? "unknown" : Text(gen, MetricNames.GeneratorState) ?? "unknown";
        if (genState != st.GeneratorState)
        {
            st.GeneratorState = genState;
            st.GeneratorStateSince = now;
        }

        var genUp = genState is "available" or "on-load";
        if (genUp)
        {
            st.GeneratorUpSince ??= now;
            st.GeneratorUpThisOutage = st.OutageStart is not null;
        }
        else
        {
            if (st.GeneratorUpSince is { } upSince)
            {
                st.LastUpFor = now - upSince;
            }

            st.GeneratorUpSince = null;
        }

        var contact = Bool(ats, MetricNames.AtsStartContact);
        var startRequired = contact ?? utilityLost;
        var genName = chain.Generator ?? chain.Ats;
        if (startRequired && chain.Generator is not null)
        {
            conditions.Add(new AlertCondition(FailoverRules.GeneratorStartRequired, genName, AlertSeverity.Info,
                $"Generator start required ({genName}): {(contact == true ? "ATS start contact closed" : "utility lost")}; generator {genState}"));
        }

        DateTimeOffset? deadline = st.OutageStart is { } outage ? outage + _options.StartDeadline : null;
        var onGenerator = position == InputSources.Source2 && Bool(ats, MetricNames.AtsSource2Available) != false;
        var failStartAlarm = Text(gen, "generator.alarm.fail-to-start") is { } fta && RaisedAlarmConditions.Contains(fta);
        var failed = genState == "failed" || failStartAlarm;

        // Late only while it could still come: once it has failed, the failure is the alert (late never follows it).
        var late = chain.Generator is not null && deadline is { } dl && utilityLost && now >= dl && !genUp && !onGenerator && !st.GeneratorUpThisOutage && !failed;
        if (late)
        {
            conditions.Add(new AlertCondition(FailoverRules.GeneratorLate, genName, AlertSeverity.Warning,
                $"Generator late ({genName}): not available {S((now - st.OutageStart!.Value).TotalSeconds)} after utility loss (deadline {S(_options.StartDeadline.TotalSeconds)}); state {genState}",
                (now - st.OutageStart!.Value).TotalSeconds, "s"));
        }

        // A generator that ran this outage and then failed did start: it failed to stabilise (it ran for less than
        // the stabilisation window) or tripped (it ran longer).
        string? failure = null;
        if (chain.Generator is not null && failed && (startRequired || utilityLost))
        {
            var ran = st.LastUpFor ?? TimeSpan.Zero;
            failure = !st.GeneratorUpThisOutage ? FailoverRules.GeneratorFailedToStart
                : ran < _options.StabilisationWindow ? FailoverRules.GeneratorFailedToStabilise
                : FailoverRules.GeneratorTripped;
            var stopped = StoppedBy(gen);
            var detail = $"state {genState}{(failStartAlarm ? ", fail-to-start alarm" : "")}; it will not carry the load";
            conditions.Add(failure switch
            {
                FailoverRules.GeneratorFailedToStart => new AlertCondition(FailoverRules.GeneratorFailedToStart, genName, AlertSeverity.Critical,
                    $"Generator failed to start ({genName}): {detail}"),
                FailoverRules.GeneratorFailedToStabilise => new AlertCondition(FailoverRules.GeneratorFailedToStabilise, genName, AlertSeverity.Critical,
                    $"Generator failed to stabilise ({genName}): it ran {VerdictRules.Duration(ran.TotalSeconds)} and stopped{stopped}; {detail}"),
                _ => new AlertCondition(FailoverRules.GeneratorTripped, genName, AlertSeverity.Critical,
                    $"Generator tripped ({genName}): it ran {VerdictRules.Duration(ran.TotalSeconds)} and stopped{stopped}; {detail}"),
            });
        }

        var genNote = st.OutageStart is { } o0
            ? (st.GeneratorUpSince is { } up ? $"generator {genState} {S((up - o0).TotalSeconds)} after utility loss" : $"generator {genState} {S((now - o0).TotalSeconds)} after utility loss")
            : startRequired ? $"generator {genState}" : $"start no longer required (utility back), generator {genState}";
        foreach (var rule in (ReadOnlySpan<string>)[FailoverRules.GeneratorStartRequired, FailoverRules.GeneratorLate, FailoverRules.GeneratorFailedToStart,
            FailoverRules.GeneratorFailedToStabilise, FailoverRules.GeneratorTripped])
        {
            notes[AlertIds.Make(rule, genName)] = genNote;
        }

        if (gen is not null && genUp && now - st.GeneratorUpSince!.Value >= _options.StabilityGrace)
        {
            var f = Number(gen, MetricNames.GeneratorFrequency);
            var v = Number(gen, "generator.voltage.l1n");
            notes[AlertIds.Make(FailoverRules.GeneratorUnstable, genName)] = $"frequency {(f is { } f0 ? F(f0) + " Hz" : "unknown")}, voltage {(v is { } v0 ? F(v0) + " V" : "unknown")}";
            var fBad = f is { } fv && Math.Abs(fv - _options.NominalFrequency) > _options.FrequencyTolerance * _options.NominalFrequency;
            var vBad = v is { } vv && Math.Abs(vv - _options.NominalVoltage) > _options.VoltageTolerance * _options.NominalVoltage;
            if (fBad || vBad)
            {
                conditions.Add(new AlertCondition(FailoverRules.GeneratorUnstable, genName, AlertSeverity.Critical,
                    $"Generator unstable ({genName}): {(fBad ? $"frequency {F(f!.Value)} Hz outside {F(_options.NominalFrequency)} Hz ±{F(_options.FrequencyTolerance * 100)} %" : "")}{(fBad && vBad ? ", " : "")}{(vBad ? $"voltage {F(v!.Value)} V outside {F(_options.NominalVoltage)} V ±{F(_options.VoltageTolerance * 100)} %" : "")}",
                    fBad ? f : v, fBad ? "Hz" : "V"));
            }
        }

        notes[AlertIds.Make(FailoverRules.TransferFailed, chain.Ats)] = $"ATS on {PositionText(position)}";
        if (genUp && utilityLost && ats is not null && position != InputSources.Source2 && now - st.GeneratorUpSince!.Value >= _options.TransferTimeout)
        {
            conditions.Add(new AlertCondition(FailoverRules.TransferFailed, chain.Ats, AlertSeverity.Critical,
                $"ATS not transferred ({chain.Ats}): generator available for {S((now - st.GeneratorUpSince!.Value).TotalSeconds)}, ATS on {PositionText(position)}{(Bool(ats, "ats.fault") == true ? ", ATS fault" : "")}"));
        }

        double? fuelHours = null;
        if (genState is "stopped" or "unknown" or "failed")
        {
            st.FuelAlarmedAt = null;
            st.FuelHours = null;
        }
        else if (gen is not null && _devices.TryGetValue(chain.Generator!, out var genData) && genData.Fuel.Count >= 3
            && genData.Fuel[^1].At - genData.Fuel[0].At >= TimeSpan.FromMinutes(Math.Min(15, _options.FuelWindow.TotalMinutes / 2)))
        {
            var level = genData.Fuel[^1].Value;
            if (FuelProjection.Estimate(genData.Fuel, genData.FuelSteps, now) is { } projection)
            {
                st.FuelHours = projection.Hours;
                st.FuelBurn = projection.BurnPerHour;
            }

            // Fuel does not come back by itself: once raised the alert holds until the tank is refilled
            // (level 5 points above the level at the raise) or the engine stops. Level steps are coarse (whole %).
            if (st.FuelAlarmedAt is { } alarmedAt && level >= alarmedAt + 5)
            {
                st.FuelAlarmedAt = null;
            }
            else if (st.FuelAlarmedAt is null && st.FuelHours < _options.FuelWarning.TotalHours)
            {
                st.FuelAlarmedAt = level;
            }

            fuelHours = st.FuelHours;
            if (st.FuelAlarmedAt is not null && fuelHours is { } h)
            {
                var severity = h < _options.FuelCritical.TotalHours ? AlertSeverity.Critical : AlertSeverity.Warning;
                conditions.Add(new AlertCondition(FailoverRules.FuelHoursLow, genName, severity,
                    $"Generator fuel ({genName}): {F(Math.Round(h, 1))} h left at the current burn ({F(Math.Round(st.FuelBurn, 2))} %/h, level {F(Math.Round(level, 1))} %)",
                    h, "h"));
            }
        }

        notes[AlertIds.Make(FailoverRules.FuelHoursLow, genName)] = st.FuelHours is { } fh ? $"{F(Math.Round(fh, 1))} h of fuel left" : $"generator {genState}";
        if (Number(gen, "generator.power.percent") is { } pct0)
        {
            notes[AlertIds.Make(FailoverRules.GeneratorOverload, genName)] = $"{F(pct0)} % of rated power";
        }

        if (Number(gen, "generator.power.percent") is { } loadPct && loadPct > _options.OverloadWarningPercent)
        {
            conditions.Add(new AlertCondition(FailoverRules.GeneratorOverload, genName,
                loadPct > _options.OverloadCriticalPercent ? AlertSeverity.Critical : AlertSeverity.Warning,
                $"Generator overload ({genName}): {F(loadPct)} % of rated power", loadPct, "%"));
        }

        // Time the generator still needs to carry the load.
        var mode = Text(gen, MetricNames.GeneratorMode);
        var inState = now - st.GeneratorStateSince;
        var o = _options;
        double Left(TimeSpan budget) => Math.Max(0, (budget - inState).TotalSeconds);
        double? need = onGenerator ? 0 : genState switch
        {
            "on-load" => 0,
            "available" or "cooling" => Math.Max(0, (o.TransferDelay - (now - (st.GeneratorUpSince ?? now))).TotalSeconds),
            "warming" => Left(o.SafetyDelay + o.WarmUp) + o.TransferDelay.TotalSeconds,
            "cranking" => Left(o.CrankTime) + (o.SafetyDelay + o.WarmUp + o.TransferDelay).TotalSeconds,
            "starting" => Left(o.GeneratorStartDelay) + (o.CrankTime + o.SafetyDelay + o.WarmUp + o.TransferDelay).TotalSeconds,
            "stopped" when mode is null or "auto" or "auto-manual-restore" =>
                (contact == true ? 0 : o.EngineStartDelay.TotalSeconds) + (o.GeneratorStartDelay + o.CrankTime + o.SafetyDelay + o.WarmUp + o.TransferDelay).TotalSeconds,
            _ => null,
        };
        if (chain.Generator is null)
        {
            need = null;
        }

        var phase = !utilityDown && !anyOnBattery ? FailoverPhases.Normal
            : onGenerator ? FailoverPhases.OnGenerator
            : need is null ? FailoverPhases.GeneratorUnavailable
            : genUp ? FailoverPhases.GeneratorAvailable
            : genState is "starting" or "cranking" or "warming" ? FailoverPhases.GeneratorStarting
            : FailoverPhases.UtilityLost;

        foreach (var (upsId, ups) in upsData)
        {
            var onBattery = Status(ups).Contains(UpsStatusTokens.OnBattery, StringComparer.Ordinal);
            var reported = Number(ups, MetricNames.BatteryRuntime);
            var estimator = _estimators[upsId];
            var estimate = onBattery && ups is not null ? estimator.EstimateSeconds : null;
            double? used = null;
            var usedName = "none";
            if (reported is { } r && (estimate is null || r <= estimate))
            {
                used = r;
                usedName = "reported";
            }
            else if (estimate is { } e)
            {
                used = e;
                usedName = "estimate";
            }

            var relevant = utilityLost || onBattery;
            var margin = used is { } u && need is { } nd ? u - nd : (double?)null;
            var upsPhase = phase == FailoverPhases.OnGenerator && onBattery ? FailoverPhases.UtilityLost : phase;
            if (phase == FailoverPhases.Normal && onBattery)
            {
                upsPhase = FailoverPhases.UtilityLost;
            }

            var loadLost = LoadLost(upsId, ups, now);
            if (loadLost is not null)
            {
                conditions.Add(new AlertCondition(FailoverRules.LoadLost, upsId, AlertSeverity.Critical, $"Load lost ({upsId}): {loadLost}"));
            }

            notes[AlertIds.Make(FailoverRules.LoadLost, upsId)] = ups is null ? "no data from the UPS"
                : $"output on (status {Text(ups, MetricNames.UpsStatus) ?? "unknown"}{(Number(ups, MetricNames.OutputVoltage) is { } ov ? ", " + F(ov) + " V" : "")})";
            // Cleared because the load dropped is not "better": say so, or the clear reads as a recovery at the worst moment.
            var marginNote = loadLost is not null ? $"superseded by load lost: {loadLost}"
                : !onBattery ? (onGenerator ? "on generator" : "UPS on line")
                : margin is { } m0 ? $"margin {S(m0)}" : used is { } u0 ? $"battery empty in {S(u0)}" : "runtime unknown";
            notes[AlertIds.Make(FailoverRules.MarginLow, upsId)] = marginNote;
            notes[AlertIds.Make(FailoverRules.DepletionBeforeGenerator, upsId)] = marginNote;
            notes[AlertIds.Make(FailoverRules.RuntimeDisagreement, upsId)] =
                $"reported {(reported is { } rp ? S(rp) : "unknown")}, observed {(estimate is { } es ? S(es) : "unknown")}";

            if (loadLost is null && relevant && !(onGenerator && !onBattery) && used is { } runtime)
            {
                if (need is null)
                {
                    conditions.Add(new AlertCondition(FailoverRules.MarginLow, upsId, AlertSeverity.Critical,
                        $"Failover margin ({upsId}): the generator cannot carry the load ({genState}{(mode is not null && genState == "stopped" ? ", mode " + mode : "")}); battery empty in {S(runtime)}", null, "s"));
                    conditions.Add(new AlertCondition(FailoverRules.DepletionBeforeGenerator, upsId, AlertSeverity.Critical,
                        $"Battery depletes before the generator ({upsId}): {S(runtime)} of runtime ({usedName}), generator {genState}", runtime, "s"));
                }
                else if (margin is { } m)
                {
                    if (m < o.MarginWarning.TotalSeconds)
                    {
                        conditions.Add(new AlertCondition(FailoverRules.MarginLow, upsId,
                            m < o.MarginCritical.TotalSeconds ? AlertSeverity.Critical : AlertSeverity.Warning,
                            $"Failover margin ({upsId}): {S(m)} (runtime {S(runtime)} {usedName} − generator needs {S(need.Value)}, {genState})", m, "s"));
                    }

                    if (m < 0)
                    {
                        conditions.Add(new AlertCondition(FailoverRules.DepletionBeforeGenerator, upsId, AlertSeverity.Critical,
                            $"Battery depletes before the generator ({upsId}): runtime {S(runtime)} < generator need {S(need.Value)}", m, "s"));
                    }
                }
            }

                if (onBattery && reported is { } rep && estimator.Source == "observed" && estimator.EstimateSeconds is { } est
                && est >= o.RuntimeComparisonMinimum.TotalSeconds && Math.Abs(rep - est) / est > o.RuntimeDisagreement)
            {
                conditions.Add(new AlertCondition(FailoverRules.RuntimeDisagreement, upsId, AlertSeverity.Warning,
                    $"Runtime disagreement ({upsId}): UPS reports {S(rep)}, observed discharge gives {S(est)} ({F(Math.Round((rep - est) / est * 100))} %)",
                    (rep - est) / est, "ratio"));
            }

            var (verdict, cause, action, runbook) = VerdictRules.Decide(new VerdictInputs
            {
                Ups = upsId,
                Ats = chain.Ats,
                Generator = chain.Generator,
                UpsFresh = ups is not null,
                GeneratorFresh = gen is not null,
                LoadLost = loadLost,
                OnBattery = onBattery,
                UtilityLost = utilityLost,
                OnGenerator = onGenerator,
                UtilityLostSeconds = st.UtilityDownSince is { } down ? (now - down).TotalSeconds : null,
                GeneratorState = genState,
                GeneratorMode = mode,
                GeneratorFailure = failure,
                GeneratorLate = late,
                NeedSeconds = need,
                RuntimeSeconds = used,
                RuntimeSource = usedName,
                MarginSeconds = margin,
            }, o);
            var secondsLeft = onBattery && loadLost is null ? used : null;
            states.Add(new FailoverUpsState
            {
                Ups = upsId,
                Ats = chain.Ats,
                Generator = chain.Generator,
                Phase = upsPhase,
                UtilityLost = utilityLost,
                UtilityLostAt = st.UtilityDownSince,
                OnBattery = onBattery,
                RuntimeReportedSeconds = reported,
                RuntimeEstimatedSeconds = estimate,
                RuntimeEstimateSource = onBattery ? estimator.Source : "none",
                RuntimeUsedSeconds = used,
                RuntimeUsed = usedName,
                GeneratorState = genState,
                GeneratorNeedSeconds = need,
                MarginSeconds = margin,
                StartDeadline = deadline,
                DepletionAt = secondsLeft is { } left ? now + TimeSpan.FromSeconds(left) : null,
                FuelHoursRemaining = fuelHours,
                Verdict = verdict,
                SecondsLeft = secondsLeft,
                Cause = cause,
                Action = action,
                Runbook = runbook,
                At = now,
            });
        }
    }

    /// <summary>
    /// Why the load behind a UPS is lost, or null: its output is off (status OFF), its output voltage is near 0, or
    /// every PDU it feeds reads near 0 V. "Near 0" is below <see cref="FailoverOptions.LoadLostVoltageFraction"/> of
    /// the UPS's nominal output voltage (or <see cref="FailoverOptions.NominalVoltage"/>). Only fresh readings count.
    /// </summary>
    private string? LoadLost(string upsId, DeviceData? ups, DateTimeOffset now)
    {
        if (ups is null)
        {
            return null;
        }

        var threshold = _options.LoadLostVoltageFraction * (Number(ups, "output.voltage.nominal") ?? _options.NominalVoltage);
        var reasons = new List<string>(2);
        var tokens = Status(ups);
        if (tokens.Contains(UpsStatusTokens.Off, StringComparer.Ordinal))
        {
            reasons.Add($"output off (status {string.Join(' ', tokens)})");
        }
        else if (Number(ups, MetricNames.OutputVoltage) is { } volts && volts < threshold)
        {
            reasons.Add($"output voltage {F(volts)} V");
        }

        if (_pdus.TryGetValue(upsId, out var pdus) && pdus.Count > 0
            && pdus.All(p => Number(Fresh(p, now), "input.voltage") is { } v && v < threshold))
        {
            reasons.Add($"{(pdus.Count == 1 ? "PDU " : "PDUs ")}{string.Join(", ", pdus)} at 0 V");
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }
}

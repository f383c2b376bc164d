using System.Globalization;

namespace PowerWatch.Simulators.Scenarios;

/// <summary>Options of a scenario run.</summary>
public sealed class ScenarioRunOptions
{
    /// <summary>Site description; null = the demo site.</summary>
    public SiteDescription? Site { get; init; }

    /// <summary>Pace the run against this provider at <see cref="Speed"/>× (null = as fast as possible, stepped).</summary>
    public TimeProvider? PaceWith { get; init; }

    /// <summary>Speed-up factor when paced.</summary>
    public double Speed { get; init; } = 1;

    /// <summary>Called for every timeline entry as it happens.</summary>
    public Action<SimulationEvent>? OnEvent { get; init; }

    /// <summary>Name used in line-numbered errors.</summary>
    public string Source { get; init; } = "scenario";
}

/// <summary>
/// Runs a scenario on a fresh site: applies each event at its time (before the step that starts there), integrates
/// in the scenario's fixed step (shortened so events and <c>at</c> checks land exactly), and evaluates every
/// expectation after each step (and once at time 0).
/// </summary>
public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, ScenarioRunOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        var clock = options.PaceWith is null ? SimulationClock.CreateStepped() : SimulationClock.CreateLive(options.PaceWith, options.Speed);
        var site = Site.Create(scenario.SiteFor(options.Site), clock);
        var source = options.Source == "scenario" ? scenario.Name : options.Source;

        var actions = scenario.Actions
            .Select((a, i) => (Action: a, Order: i, Run: SiteCommands.Bind(site, a, source)))
            .OrderBy(a => a.Action.At).ThenBy(a => a.Order)
            .ToList();
        var checks = scenario.Expectations
            .Select(e => new Tracker(e, SiteProperties.Resolve(site, e.Property)
                ?? throw new ScenarioException(source, e.Line, e.Column, $"unknown property '{e.Property}'" + Known(site, e.Property))))
            .ToList();
        var breakpoints = actions.Select(a => a.Action.At)
            .Concat(scenario.Expectations.Where(e => e.Timing is ExpectationTiming.At or ExpectationTiming.Between or ExpectationTiming.During)
                .SelectMany(e => new[] { e.From, e.To }))
            .Where(t => t > TimeSpan.Zero && t < scenario.Duration)
            .Distinct().Order().ToList();

        var timeline = new List<SimulationEvent>();
        site.EventOccurred += (_, e) =>
        {
            timeline.Add(e);
            options.OnEvent?.Invoke(e);
        };

        var next = 0;
        var nextBreak = 0;
        ApplyDue();
        Evaluate();
        while (site.Elapsed < scenario.Duration)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (nextBreak < breakpoints.Count && breakpoints[nextBreak] <= site.Elapsed)
            {
                nextBreak++;
            }

            var dt = scenario.Step;
            var limit = nextBreak < breakpoints.Count ? breakpoints[nextBreak] : scenario.Duration;
            if (limit - site.Elapsed < dt)
            {
                dt = limit - site.Elapsed;
            }

            if (options.PaceWith is not null)
            {
                var wait = site.Elapsed + dt - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
                }
            }

            site.Step(dt);
            ApplyDue();
            Evaluate();
        }

        var results = checks.Select(c => c.Finish(site.Elapsed)).ToList();
        return new ScenarioResult(scenario, timeline, results, site.Elapsed);

        void ApplyDue()
        {
            while (next < actions.Count && actions[next].Action.At <= site.Elapsed)
            {
                var (action, _, run) = actions[next++];
                var entry = new SimulationEvent(site.Elapsed, "scenario", "event", $"{action.Device}.{action.Verb}{(action.Arguments.Count > 0 ? " " + string.Join(' ', action.Arguments) : string.Empty)} (line {action.Line})");
                timeline.Add(entry);
                options.OnEvent?.Invoke(entry);
                site.Write(_ => run());
            }
        }

        void Evaluate()
        {
            site.Read(s =>
            {
                foreach (var c in checks)
                {
                    c.Observe(s.Elapsed);
                }

                return 0;
            });
        }
    }

    private static string Known(Site site, string path)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        var device = dot > 0 ? site.FindDevice(path[..dot]) : null;
        return device is null ? " (unknown device)" : $" (known: {string.Join(", ", SiteProperties.NamesFor(device))})";
    }

    private sealed class Tracker(Expectation expectation, Func<object> read)
    {
        private TimeSpan? _firstHeld;
        private TimeSpan? _firstViolation;
        private object? _violationValue;
        private object? _atValue;
        private bool _atDone;
        private bool _atHeld;
        private object? _lastValue;

        public void Observe(TimeSpan now)
        {
            // Read only while the verdict is still open (keeps long runs cheap).
            var e = expectation;
            var open = e.Timing switch
            {
                ExpectationTiming.At => !_atDone && now >= e.To,
                ExpectationTiming.By or ExpectationTiming.Between => _firstHeld is null && now <= e.To,
                ExpectationTiming.Never => _firstHeld is null,
                ExpectationTiming.Always => _firstViolation is null,
                _ => _firstViolation is null && now >= e.From && now <= e.To,
            };
            if (!open)
            {
                return;
            }

            var value = read();
            _lastValue = value;
            var held = e.Condition.Evaluate(value);
            if (held && _firstHeld is null)
            {
                _firstHeld = now;
            }

            switch (e.Timing)
            {
                case ExpectationTiming.At:
                    _atDone = true;
                    _atHeld = held;
                    _atValue = value;
                    break;
                case ExpectationTiming.Always:
                case ExpectationTiming.During:
                    if (!held && _firstViolation is null)
                    {
                        _firstViolation = now;
                        _violationValue = value;
                    }

                    break;
                default:
                    break;
            }
        }

        public ExpectationResult Finish(TimeSpan end)
        {
            var e = expectation;
            var what = $"{e.Property} {e.Condition}";
            var first = _firstHeld is { } f ? Durations.Format(f) : null;
            return e.Timing switch
            {
                ExpectationTiming.At => _atDone
                    ? new(e, _atHeld, $"{e.Property} was {Condition.Format(_atValue)} at {Durations.Format(e.To)}")
                    : new(e, false, $"run ended at {Durations.Format(end)} before {Durations.Format(e.To)}"),
                ExpectationTiming.By => _firstHeld is { } t && t <= e.To
                    ? new(e, true, $"{what} from {first}")
                    : new(e, false, first is null ? $"{what} never held (last value {Condition.Format(_lastValue)})" : $"{what} only from {first}, after {Durations.Format(e.To)}"),
                ExpectationTiming.Between => _firstHeld is { } b && b >= e.From && b <= e.To
                    ? new(e, true, $"{what} from {first}")
                    : new(e, false, first is null ? $"{what} never held (last value {Condition.Format(_lastValue)})" : $"{what} first held at {first}, outside {Durations.Format(e.From)}–{Durations.Format(e.To)}"),
                ExpectationTiming.Never => _firstHeld is null
                    ? new(e, true, $"{what} never held")
                    : new(e, false, $"{what} held at {first}"),
                _ => _firstViolation is null
                    ? new(e, true, $"{what} held throughout")
                    : new(e, false, $"{e.Property} was {Condition.Format(_violationValue)} at {Durations.Format(_firstViolation.Value)}"),
            };
        }
    }

    /// <summary>Renders a result as text: timeline then one PASS/FAIL line per expectation.</summary>
    public static string Format(ScenarioResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"scenario {result.Scenario.Name}: {result.Scenario.Description.Replace('\n', ' ')}\n");
        foreach (var e in result.Timeline)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Durations.Format(e.Elapsed),12}  {e.Device,-10} {e.Kind,-9} {e.Message}\n");
        }

        foreach (var r in result.Expectations)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(r.Passed ? "PASS" : "FAIL")}  line {r.Expectation.Line}: {r.Expectation.Text}  -- {r.Detail}\n");
        }

        var passed = result.Expectations.Count(r => r.Passed);
        text.Append(CultureInfo.InvariantCulture, $"{passed}/{result.Expectations.Count} expectations passed after {Durations.Format(result.Elapsed)} simulated\n");
        return text.ToString();
    }
}

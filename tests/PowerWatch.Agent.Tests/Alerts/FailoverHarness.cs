using PowerWatch.Core;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;
using PowerWatch.Simulators;
using SimUpsStatus = PowerWatch.Simulators.UpsStatus;

namespace PowerWatch.Agent.Tests.Alerts;

/// <summary>One recorded transition, at virtual seconds since the site started.</summary>
internal sealed record Seen(double At, AlertTransitionKind Kind, string Id, AlertSeverity Severity, string Message);

/// <summary>
/// The simulator Site on its stepped clock, polled in-process every <see cref="PollInterval"/>: readings are built from
/// the model state as the device profiles would decode them, fed to the failover analyzer and the alert engine
/// (both on the site's clock). Records every transition and the failover states.
/// </summary>
internal sealed class FailoverHarness
{
    private readonly List<(TimeSpan At, Action<Site> Action)> _commands = [];
    private long _sequence;

    public FailoverHarness(SiteDescription? description = null, FailoverOptions? failover = null, AlertEngineOptions? engine = null, IEnumerable<AlertRule>? rules = null)
    {
        // The analyzer's defaults budget the DSE factory timers; so does this proof's site unless a test says otherwise.
        Site = Site.Create(description ?? DseFactorySite());
        Failover = failover ?? new FailoverOptions();
        FailoverChain[] chains = [new FailoverChain("ats", "generator", ["ups"])];
        Analyzer = new FailoverAnalyzer(chains, Failover, Site.Clock);
        Engine = new AlertEngine(rules ?? DefaultAlertRules.Create(), engine ?? new AlertEngineOptions(), Site.Clock, new ChainCauses(chains));
        foreach (var (id, kind) in Devices)
        {
            Engine.RegisterDevice(id, kind);
        }
    }

    public static (string Id, string Kind)[] Devices { get; } = [("ups", "ups"), ("generator", "generator"), ("ats", "ats")];

    public Site Site { get; }

    /// <summary>The demo site with the DSE5110 factory timers (the simulator's defaults are NFPA 110 Type 10 timers).</summary>
    public static SiteDescription DseFactorySite()
    {
        var site = new SiteDescription();
        SiteTimerSets.Apply(site, SiteTimers.DseFactory);
        return site;
    }

    public FailoverOptions Failover { get; }

    public FailoverAnalyzer Analyzer { get; }

    public AlertEngine Engine { get; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Step { get; init; } = Site.DefaultStep;

    /// <summary>Devices whose polls fail (comms lost): they publish only device.available = false.</summary>
    public HashSet<string> Unreachable { get; } = [];

    public List<Seen> Seen { get; } = [];

    public List<(double At, FailoverUpsState State)> States { get; } = [];

    /// <summary>The site verdict after every poll.</summary>
    public List<(double At, SiteVerdict Site)> Verdicts { get; } = [];

    /// <summary>After every poll: the number of active critical alerts that are root causes (not folded under another).</summary>
    public List<(double At, int Count)> UnfoldedCriticals { get; } = [];

    /// <summary>Called after every poll with the virtual seconds and the UPS state (for true-runtime comparisons).</summary>
    public Action<double, FailoverUpsState, Site>? OnPoll { get; set; }

    public double Seconds => Site.Elapsed.TotalSeconds;

    public FailoverHarness At(double seconds, Action<Site> action)
    {
        _commands.Add((TimeSpan.FromSeconds(seconds), action));
        return this;
    }

    public void RunUntil(double seconds)
    {
        var end = TimeSpan.FromSeconds(seconds);
        var pollTicks = PollInterval.Ticks;
        while (Site.Elapsed < end)
        {
            foreach (var c in _commands.Where(c => c.At == Site.Elapsed).ToList())
            {
                Site.Write(c.Action);
            }

            Site.Step(Step);
            if (Site.Elapsed.Ticks % pollTicks == 0)
            {
                Poll();
            }
        }
    }

    public void Poll()
    {
        _sequence++;
        foreach (var (id, kind) in Devices)
        {
            var readings = Unreachable.Contains(id)
                ? [new Reading(id, MetricNames.DeviceAvailable, ReadingValue.FromBoolean(false), "", Site.Now, Quality.Good, _sequence)]
                : Site.Read(s => SiteReadings.For(s, id, _sequence));
            Record(Engine.Observe(id, kind, readings));
            Analyzer.Observe(id, readings);
        }

        var evaluation = Analyzer.Evaluate();
        Record(Engine.ApplyConditions(evaluation.Conditions, evaluation.Notes));
        foreach (var e in evaluation.Events)
        {
            Record([Engine.Event(e.Rule, e.Device, e.Severity, e.Message)]);
        }

        Record(Engine.Tick());
        Verdicts.Add((Seconds, evaluation.Site));
        UnfoldedCriticals.Add((Seconds, AlertTree.Roots(Engine.Active()).Count(a => a.Severity == AlertSeverity.Critical)));
        foreach (var state in evaluation.States)
        {
            States.Add((Seconds, state));
            OnPoll?.Invoke(Seconds, state, Site);
        }
    }

    public Seen? First(string id, AlertTransitionKind kind = AlertTransitionKind.Raised) =>
        Seen.FirstOrDefault(s => s.Id == id && s.Kind == kind);

    public IEnumerable<Seen> Of(string id) => Seen.Where(s => s.Id == id);

    private void Record(IEnumerable<AlertTransition> transitions)
    {
        foreach (var t in transitions)
        {
            Seen.Add(new Seen(Math.Round(Seconds, 1), t.Kind, t.Alert.Id, t.Alert.Severity, t.Alert.Message));
        }
    }
}

/// <summary>Readings of one simulated device, named and scaled as the shipped profiles decode them (docs/metrics.md).</summary>
internal static class SiteReadings
{
    public static IReadOnlyList<Reading> For(Site site, string device, long sequence)
    {
        var list = new List<Reading>();
        var at = site.Now;
        void N(string metric, double value, string unit = "") => list.Add(new Reading(device, metric, ReadingValue.FromNumber(value), unit, at, Quality.Good, sequence));
        void T(string metric, string value) => list.Add(new Reading(device, metric, ReadingValue.FromText(value), "", at, Quality.Good, sequence));
        void B(string metric, bool value) => list.Add(new Reading(device, metric, ReadingValue.FromBoolean(value), "", at, Quality.Good, sequence));
        B(MetricNames.DeviceAvailable, true);
        switch (device)
        {
            case "ups":
                var ups = site.Ups;
                T(MetricNames.UpsStatus, string.Join(' ', UpsStatusMapping.ToNutTokens(ups.Status)));

                // APC registers: charge ÷512 %, runtime in whole seconds, load ÷256 % (SPEC-DEVICES §2.2).
                N(MetricNames.BatteryCharge, Math.Round(ups.ChargePercent * 512) / 512, "%");
                N(MetricNames.BatteryRuntime, Math.Floor(ups.ReportedRuntimeSeconds), "s");
                N(MetricNames.UpsLoad, Math.Round(ups.LoadPercent * 256) / 256, "%");
                N(MetricNames.InputVoltage, Math.Round(ups.InputVoltage, 1), "V");
                N(MetricNames.OutputVoltage, Math.Round(ups.OutputVoltage, 1), "V");
                break;
            case "generator":
                var g = site.Generator;
                T(MetricNames.GeneratorState, g.State.ToText());
                T(MetricNames.GeneratorMode, g.Mode.ToText());
                N(MetricNames.GeneratorFrequency, Math.Round(g.Frequency, 1), "Hz");
                N("generator.voltage.l1n", Math.Round(g.Voltage, 1), "V");
                N(MetricNames.GeneratorPower, Math.Round(g.PowerW / 1000, 1), "kW");
                N("generator.power.percent", Math.Round(g.LoadPercent, 1), "%");
                N(MetricNames.FuelLevel, Math.Round(g.FuelPercent), "%"); // DSE 1027: whole percent
                var alarms = g.Alarms;
                foreach (var (alarm, condition) in alarms)
                {
                    T(MetricNames.GeneratorAlarmPrefix + alarm.ToText(), condition switch
                    {
                        AlarmCondition.Warning => "warning",
                        AlarmCondition.Shutdown => "shutdown",
                        AlarmCondition.ElectricalTrip => "electrical-trip",
                        AlarmCondition.ControlledShutdown => "controlled-shutdown",
                        _ => "inactive",
                    });
                }

                N(MetricNames.GeneratorAlarmsActive, alarms.Count(a => a.Value is AlarmCondition.Warning or AlarmCondition.Shutdown or AlarmCondition.ElectricalTrip or AlarmCondition.ControlledShutdown));
                N(MetricNames.GeneratorAlarmsShutdown, alarms.Count(a => a.Value is AlarmCondition.Shutdown or AlarmCondition.ElectricalTrip or AlarmCondition.ControlledShutdown));
                break;
            case "ats":
                var a = site.Ats;
                T(MetricNames.InputSource, a.Position switch { AtsPosition.Source1 => InputSources.Source1, AtsPosition.Source2 => InputSources.Source2, _ => InputSources.Neutral });
                B(MetricNames.AtsSource1Available, a.Source1Available);
                B(MetricNames.AtsSource2Available, a.Source2Available);
                B(MetricNames.AtsStartContact, a.EngineStartContactClosed);
                B("ats.fault", a.FaultActive);
                break;
        }

        return list;
    }

    public static bool OnBattery(Site site) => (site.Ups.Status & SimUpsStatus.OnBattery) != 0;
}

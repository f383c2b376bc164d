using System.Globalization;
using System.Text;
using PowerWatch.Simulators.Scenarios;

namespace PowerWatch.Agent.Tests.Acceptance;

/// <summary>What happened, in order: an alert transition or a change of the site verdict.</summary>
/// <param name="At">Site time since the scenario started.</param>
/// <param name="Kind"><c>raised</c>, <c>escalated</c>, <c>deescalated</c>, <c>cleared</c>, <c>event</c> or <c>verdict</c>.</param>
/// <param name="Rule">Alert rule (for a verdict: the verdict, e.g. <c>on-battery</c>).</param>
/// <param name="Device">Alert device (empty for a verdict).</param>
/// <param name="Severity">info, warning or critical (empty for a verdict).</param>
/// <param name="Cause">The id (<c>rule:device</c>) of the alert this one folds under; <see cref="CauseUnknown"/> when the agent does not say.</param>
/// <param name="Message">The alert's message (for the printed timeline).</param>
public sealed record TimelineEntry(TimeSpan At, string Kind, string Rule, string Device, string Severity, string? Cause, string Message)
{
    /// <summary>The cause of an alert in a build whose alerts carry no cause.</summary>
    public const string CauseUnknown = "?";

    public string Id => Kind == "verdict" ? Rule : $"{Rule}:{Device}";

    /// <summary>The entry in the expectation-file syntax, with its time and message as a comment.</summary>
    public string ToLine()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Kind,-11} {Id,-36}");
        if (Kind != "verdict")
        {
            sb.Append(CultureInfo.InvariantCulture, $" {Severity,-8}");
            if (Cause != CauseUnknown)
            {
                sb.Append(CultureInfo.InvariantCulture, $" cause {Cause ?? "none"}");
            }
        }

        sb.Append(CultureInfo.InvariantCulture, $"   # {Durations.Format(At)}");
        if (Message.Length > 0)
        {
            sb.Append(": ").Append(Message);
        }

        return sb.ToString();
    }
}

/// <summary>One expected entry of the ordered timeline (a line of an <c>.alerts</c> file).</summary>
public sealed record ExpectedEntry(int Line, string Kind, string Rule, string? Device, string? Severity, string? Cause)
{
    public bool Matches(TimelineEntry actual) =>
        actual.Kind == Kind
        && actual.Rule == Rule
        && (Device is null || actual.Device == Device)
        && (Severity is null || actual.Severity == Severity)
        && (Cause is null || actual.Cause == (Cause == "none" ? null : Cause));

    public override string ToString() =>
        $"{Kind} {(Kind == "verdict" ? Rule : $"{Rule}:{Device ?? "*"}")}{(Severity is null ? "" : " " + Severity)}{(Cause is null ? "" : " cause " + Cause)}";
}

/// <summary>An alert that must never be raised: rule (or <c>*</c>), optionally device and severity.</summary>
public sealed record ForbiddenAlert(int Line, string Rule, string? Device, string? Severity)
{
    public bool Matches(TimelineEntry actual) =>
        actual.Kind is "raised" or "escalated"
        && (Rule == "*" || actual.Rule == Rule)
        && (Device is null || actual.Device == Device)
        && (Severity is null || actual.Severity == Severity);

    public override string ToString() => $"never {Rule}{(Device is null ? "" : ":" + Device)}{(Severity is null ? "" : " " + Severity)}";
}

/// <summary>A parse error: file, line and reason.</summary>
public sealed class AlertTimelineException(string file, int line, string reason)
    : Exception($"{file}:{line}: {reason}")
{
    public string File { get; } = file;

    public int LineNumber { get; } = line;

    public string Reason { get; } = reason;
}

/// <summary>
/// An expected alert timeline (<c>simulators/scenarios/NAME.alerts</c>, format in simulators/README.md): the ordered
/// alert transitions and site verdicts the real agent must produce for scenario NAME, and what must never appear.
/// <code>
/// speed 1000                                      optional: site clock speed-up for the run (default 1000)
/// poll 1s                                         optional: every device's poll interval (default: the agent's, 1 s)
/// slow                                            optional: a run of minutes, checked only with POWERWATCH_ACCEPTANCE_SLOW=1
/// raised   utility-lost:ats      warning          the next transition (kind rule:device [severity] [cause ID|none])
/// cleared  utility-lost:ats
/// verdict  on-battery                             the next change of the site verdict
/// never    generator-late                         never raised: rule[:device] [severity]; rule may be *
/// </code>
/// The ordered lines must match the actual timeline one for one: nothing missing, nothing extra, in that order (entries
/// within <see cref="Simultaneous"/> of each other may come in either order).
/// Verdict lines are matched only when the file has at least one; the verdicts are then a second ordered sequence,
/// checked apart from the alerts (<c>verdicts off</c> says a scenario's verdicts are not compared).
/// </summary>
public sealed class AlertTimelineFile
{
    private static readonly string[] Kinds = ["raised", "escalated", "deescalated", "cleared", "event"];
    private static readonly string[] Severities = ["info", "warning", "critical"];

    public required string Name { get; init; }

    public double Speed { get; init; } = 1000;

    public TimeSpan? PollInterval { get; init; }

    /// <summary>The <c>slow</c> line: the run takes minutes; checked only with POWERWATCH_ACCEPTANCE_SLOW=1.</summary>
    public bool Slow { get; init; }

    /// <summary>The <c>verdicts off</c> line: this scenario's site verdicts change too quickly to compare (a flapping utility).</summary>
    public bool NoVerdicts { get; init; }

    public required IReadOnlyList<ExpectedEntry> Sequence { get; init; }

    public required IReadOnlyList<ForbiddenAlert> Never { get; init; }

    public bool HasVerdicts => Sequence.Any(e => e.Kind == "verdict");

    public bool HasCauses => Sequence.Any(e => e.Cause is not null);

    public static AlertTimelineFile Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    public static AlertTimelineFile Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sequence = new List<ExpectedEntry>();
        var never = new List<ForbiddenAlert>();
        double speed = 1000;
        TimeSpan? poll = null;
        var slow = false;
        var noVerdicts = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNo = i + 1;
            var raw = lines[i].TrimEnd('\r');
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var content = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (content.Length == 0)
            {
                continue;
            }

            var t = content.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (t[0])
            {
                case "speed":
                    Once("speed");
                    Require(t.Length == 2 && double.TryParse(t[1], NumberStyles.Float, CultureInfo.InvariantCulture, out speed) && speed is > 0 and <= 10_000,
                        "expected 'speed N' with 0 < N <= 10000");
                    break;
                case "poll":
                    Once("poll");
                    Require(t.Length == 2 && Durations.TryParse(t[1], out var interval) && interval > TimeSpan.Zero, "expected 'poll <duration>', e.g. 'poll 5s'");
                    poll = Durations.TryParse(t[1], out interval) ? interval : null;
                    break;
                case "slow":
                    Once("slow");
                    Require(t.Length == 1, "expected 'slow' alone");
                    slow = true;
                    break;
                case "verdicts":
                    Once("verdicts");
                    Require(t.Length == 2 && t[1] == "off", "expected 'verdicts off' (the site verdicts of this scenario are not compared)");
                    noVerdicts = true;
                    break;
                case "verdict":
                    Require(!noVerdicts, "'verdict' line in a file with 'verdicts off'");
                    Require(t.Length == 2, "expected 'verdict <normal|on-battery|at-risk|unknown|critical|load-lost>'");
                    sequence.Add(new ExpectedEntry(lineNo, "verdict", t[1], null, null, null));
                    break;
                case "never":
                    Require(t.Length is 2 or 3, "expected 'never <rule>[:<device>] [severity]'");
                    var (rule, device) = SplitId(t[1], allowWildcard: true);
                    string? severity = null;
                    if (t.Length == 3)
                    {
                        Require(Severities.Contains(t[2]), $"unknown severity '{t[2]}' (expected info, warning or critical)");
                        severity = t[2];
                    }

                    never.Add(new ForbiddenAlert(lineNo, rule, device, severity));
                    break;
                default:
                    Require(Kinds.Contains(t[0]), $"unknown statement '{t[0]}' (expected raised, escalated, deescalated, cleared, event, verdict, never, speed, poll, slow, verdicts off)");
                    Require(t.Length >= 2, $"expected '{t[0]} <rule>:<device> [severity] [cause <rule:device>|none]'");
                    var (r, d) = SplitId(t[1], allowWildcard: false);
                    Require(d is not null, $"'{t[1]}' is not <rule>:<device>");
                    string? sev = null;
                    string? cause = null;
                    var k = 2;
                    if (k < t.Length && t[k] != "cause")
                    {
                        Require(Severities.Contains(t[k]), $"unknown severity '{t[k]}' (expected info, warning or critical)");
                        sev = t[k++];
                    }

                    if (k < t.Length)
                    {
                        Require(t[k] == "cause" && k + 1 < t.Length, "expected 'cause <rule:device>' or 'cause none'");
                        cause = t[k + 1];
                        Require(cause == "none" || SplitId(cause, allowWildcard: false).Device is not null, $"cause '{cause}' is not <rule>:<device> or none");
                        k += 2;
                    }

                    Require(k == t.Length, $"unexpected '{string.Join(' ', t[k..])}'");
                    sequence.Add(new ExpectedEntry(lineNo, t[0], r, d, sev, cause));
                    break;
            }

            void Require(bool ok, string reason)
            {
                if (!ok)
                {
                    throw new AlertTimelineException(file, lineNo, reason);
                }
            }

            void Once(string keyword)
            {
                Require(seen.Add(keyword), $"'{keyword}' appears twice");
            }

            (string Rule, string? Device) SplitId(string id, bool allowWildcard)
            {
                var colon = id.IndexOf(':', StringComparison.Ordinal);
                var ruleId = colon < 0 ? id : id[..colon];
                var dev = colon < 0 ? null : id[(colon + 1)..];
                Require(ruleId.Length > 0 && (allowWildcard || ruleId != "*") && (dev is null || dev.Length > 0), $"'{id}' is not <rule>:<device>");
                return (ruleId, dev);
            }
        }

        return new AlertTimelineFile { Name = file, Speed = speed, PollInterval = poll, Slow = slow, NoVerdicts = noVerdicts, Sequence = sequence, Never = never };
    }

    /// <summary>
    /// Entries this close in site time count as simultaneous: their order may differ between runs (two devices polled
    /// in the same second, on different connections), so the file may list them in either order.
    /// </summary>
    public static TimeSpan Simultaneous { get; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The tie window of this file: <see cref="Simultaneous"/>, or one poll and a second when devices are read less
    /// often (with 5 s polls, two consequences of one event reach the agent up to a poll apart, in either order).
    /// </summary>
    public TimeSpan Tie => PollInterval is { } poll && poll + TimeSpan.FromSeconds(1) > Simultaneous ? poll + TimeSpan.FromSeconds(1) : Simultaneous;

    /// <summary>A file expecting exactly <paramref name="timeline"/> (severities and known causes included).</summary>
    public static AlertTimelineFile FromTimeline(string name, IReadOnlyList<TimelineEntry> timeline) => new()
    {
        Name = name,
        Sequence = [.. timeline.Select((e, i) => e.Kind == "verdict"
            ? new ExpectedEntry(i + 1, "verdict", e.Rule, null, null, null)
            : new ExpectedEntry(i + 1, e.Kind, e.Rule, e.Device, e.Severity, e.Cause == TimelineEntry.CauseUnknown ? null : e.Cause ?? "none"))],
        Never = [],
    };

    /// <summary>
    /// Every way <paramref name="actual"/> departs from this file (empty: it matches): the ordered lines must match the
    /// actual entries one for one, in order up to <see cref="Simultaneous"/> ties; then every <c>never</c> line.
    /// </summary>
    public IReadOnlyList<string> Check(IReadOnlyList<TimelineEntry> actual)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var problems = new List<string>();

        // Alerts and verdicts are two ordered sequences, each checked on its own: a verdict follows the evaluation
        // after a poll while an alert may wait out a debounce or a clear delay, so how the two interleave shifts by
        // seconds between runs while each sequence does not.
        MatchInOrder(Sequence.Where(e => e.Kind != "verdict"), [.. actual.Where(a => a.Kind != "verdict")]);
        if (HasVerdicts)
        {
            MatchInOrder(Sequence.Where(e => e.Kind == "verdict"), [.. actual.Where(a => a.Kind == "verdict")]);
        }

        void MatchInOrder(IEnumerable<ExpectedEntry> expected, List<TimelineEntry> left)
        {
            foreach (var e in expected)
            {
                var j = left.FindIndex(a => e.Matches(a) || RaisedWithItsCause(e, a, actual));
                if (j < 0)
                {
                    var instead = left.Count == 0 ? "the timeline ended" : $"next was '{left[0].ToLine()}'";
                    var why = e.Cause is not null && left.Any(a => a.Cause == TimelineEntry.CauseUnknown) ? " (this build's alerts carry no cause)" : "";
                    problems.Add($"{Name}:{e.Line}: expected '{e}', not found{why}; {instead}");
                    return;
                }

                if (j > 0 && left[j].At - left[0].At > Tie)
                {
                    problems.Add($"{Name}:{e.Line}: expected '{e}' (it came at {Durations.Format(left[j].At)}), but first came '{left[0].ToLine()}'");
                    return;
                }

                left.RemoveAt(j);
            }

            if (left.Count > 0)
            {
                problems.Add($"{Name}: unexpected '{left[0].ToLine()}'{(left.Count > 1 ? $" and {left.Count - 1} more" : "")} not in the file");
            }
        }

        foreach (var f in Never)
        {
            foreach (var a in actual.Where(f.Matches))
            {
                problems.Add($"{Name}:{f.Line}: '{f}' but got '{a.ToLine()}'");
            }
        }

        if (HasVerdicts && !actual.Any(a => a.Kind == "verdict"))
        {
            problems.Add($"{Name}: the file expects site verdicts, but this build reported none");
        }

        return problems;
    }

    /// <summary>
    /// An expected consequence (<c>cause C</c>) raised without a cause in the same site instant as C: the two
    /// matured together (e.g. both debounced 3 s from the same utility failure) and the polls of different devices
    /// at one instant reach the agent in no defined order, so the consequence was evaluated first. The agent folds
    /// it under C at C's raise (causes are refreshed), so the operator sees the same tree either way.
    /// </summary>
    private static bool RaisedWithItsCause(ExpectedEntry e, TimelineEntry a, IReadOnlyList<TimelineEntry> actual) =>
        e.Cause is { } cause && cause != "none" && a.Cause is null
        && (e with { Cause = null }).Matches(a)
        && actual.Any(c => c.Kind == "raised" && c.Id == cause && (c.At - a.At).Duration() <= TimeSpan.FromSeconds(1));
}
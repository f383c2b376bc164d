namespace PowerWatch.Simulators.Scenarios;

/// <summary>
/// Parses the scenario grammar (one statement per line, '#' starts a comment):
/// <code>
/// step &lt;duration&gt;                                   integration step (default 100ms)
/// timers nfpa110-type10|dse-factory                  generator and ATS start-path timers (default: the site's)
/// run &lt;duration&gt;                                    simulated time to run (required, once)
/// at &lt;duration&gt; &lt;device&gt;.&lt;verb&gt; [args…]               a timed event
/// expect &lt;device&gt;.&lt;property&gt; [op] &lt;value&gt; &lt;timing&gt;   an expectation; op = != &lt; &lt;= &gt; &gt;= has lacks
///     timing: at T | by T | between T1 and T2 | from T1 to T2 | never | always
/// </code>
/// Errors name the source and the line. Device names and verbs are checked against a site when the scenario runs.
/// </summary>
public static class ScenarioParser
{
    private static readonly string[] Operators = ["=", "==", "!=", "<", "<=", ">", ">=", "has", "lacks"];

    public static Scenario Parse(string text, string name = "scenario")
    {
        ArgumentNullException.ThrowIfNull(text);
        var actions = new List<ScenarioAction>();
        var expectations = new List<Expectation>();
        var description = new List<string>();
        TimeSpan? duration = null;
        var step = Site.DefaultStep;
        var stepSeen = false;
        SiteTimers? timers = null;
        var lines = text.Split('\n');
        var inHeader = true;
        for (var index = 0; index < lines.Length; index++)
        {
            var lineNo = index + 1;
            var raw = lines[index].TrimEnd('\r');
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            if (inHeader && raw.TrimStart().StartsWith('#'))
            {
                description.Add(raw.TrimStart()[1..].Trim());
                continue;
            }

            var content = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (content.Length == 0)
            {
                continue;
            }

            inHeader = false;
            var tokens = content.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (tokens[0])
            {
                case "run":
                    Require(tokens.Length == 2, lineNo, "expected 'run <duration>'");
                    Require(duration is null, lineNo, "'run' appears twice");
                    duration = ParseDuration(tokens[1], lineNo);
                    Require(duration > TimeSpan.Zero, lineNo, "run duration must be positive");
                    break;
                case "step":
                    Require(tokens.Length == 2, lineNo, "expected 'step <duration>'");
                    Require(!stepSeen, lineNo, "'step' appears twice");
                    step = ParseDuration(tokens[1], lineNo);
                    Require(step > TimeSpan.Zero, lineNo, "step must be positive");
                    stepSeen = true;
                    break;
                case "timers":
                    Require(tokens.Length == 2, lineNo, "expected 'timers nfpa110-type10|dse-factory'");
                    Require(timers is null, lineNo, "'timers' appears twice");
                    Require(SiteTimerSets.TryParse(tokens[1], out var set), lineNo, $"unknown timer set '{tokens[1]}' (expected nfpa110-type10 or dse-factory)");
                    timers = set;
                    break;
                case "at":
                    Require(tokens.Length >= 3, lineNo, "expected 'at <time> <device>.<verb> [args]'");
                    var at = ParseDuration(tokens[1], lineNo);
                    var (device, verb) = SplitPath(tokens[2], lineNo);
                    actions.Add(new ScenarioAction(lineNo, at, device, verb, tokens[3..], content));
                    break;
                case "expect":
                    expectations.Add(ParseExpectation(tokens, content, lineNo));
                    break;
                default:
                    throw new ScenarioException(name, lineNo, $"unknown statement '{tokens[0]}' (expected at, expect, run, step, timers)");
            }

            void Require(bool ok, int line, string message)
            {
                if (!ok)
                {
                    throw new ScenarioException(name, line, message);
                }
            }

            TimeSpan ParseDuration(string token, int line) =>
                Durations.TryParse(token, out var value) ? value : throw new ScenarioException(name, line, $"'{token}' is not a duration (e.g. 500ms, 10s, 5m, 2h, 1d)");

            (string Device, string Name) SplitPath(string token, int line)
            {
                var dot = token.IndexOf('.', StringComparison.Ordinal);
                Require(dot > 0 && dot < token.Length - 1, line, $"'{token}' is not <device>.<name>");
                return (token[..dot], token[(dot + 1)..]);
            }

            Expectation ParseExpectation(string[] t, string line, int lineNumber)
            {
                Require(t.Length >= 4, lineNumber, "expected 'expect <device>.<property> [op] <value> <timing>'");
                SplitPath(t[1], lineNumber);
                ExpectationTiming timing;
                TimeSpan from = TimeSpan.Zero, to = TimeSpan.MaxValue;
                int conditionEnd;
                var n = t.Length;
                if (t[n - 1] == "never" || t[n - 1] == "always")
                {
                    timing = t[n - 1] == "never" ? ExpectationTiming.Never : ExpectationTiming.Always;
                    conditionEnd = n - 1;
                }
                else if (n >= 6 && t[n - 4] == "between" && t[n - 2] == "and")
                {
                    timing = ExpectationTiming.Between;
                    from = ParseDuration(t[n - 3], lineNumber);
                    to = ParseDuration(t[n - 1], lineNumber);
                    conditionEnd = n - 4;
                }
                else if (n >= 6 && t[n - 4] == "from" && t[n - 2] == "to")
                {
                    timing = ExpectationTiming.During;
                    from = ParseDuration(t[n - 3], lineNumber);
                    to = ParseDuration(t[n - 1], lineNumber);
                    conditionEnd = n - 4;
                }
                else if (t[n - 2] == "at" || t[n - 2] == "by")
                {
                    timing = t[n - 2] == "at" ? ExpectationTiming.At : ExpectationTiming.By;
                    from = TimeSpan.Zero;
                    to = ParseDuration(t[n - 1], lineNumber);
                    conditionEnd = n - 2;
                }
                else
                {
                    throw new ScenarioException(name, lineNumber, "expectation needs a timing: at T, by T, between T1 and T2, from T1 to T2, never or always");
                }

                Require(from <= to, lineNumber, "the window ends before it starts");
                var condition = t[2..conditionEnd];
                Condition parsed;
                if (condition.Length == 1)
                {
                    parsed = new Condition("=", condition[0]);
                }
                else if (condition.Length == 2 && Operators.Contains(condition[0]))
                {
                    parsed = new Condition(condition[0] == "==" ? "=" : condition[0], condition[1]);
                }
                else
                {
                    throw new ScenarioException(name, lineNumber, $"condition '{string.Join(' ', condition)}' must be '<value>' or '<op> <value>' with op one of {string.Join(' ', Operators)}");
                }

                return new Expectation(lineNumber, line, t[1], parsed, timing, from, to);
            }
        }

        if (duration is null)
        {
            throw new ScenarioException(name, lines.Length, "missing 'run <duration>'");
        }

        return new Scenario
        {
            Name = name,
            Description = string.Join('\n', description),
            Actions = actions,
            Expectations = expectations,
            Duration = duration.Value,
            Step = step,
            Timers = timers,
        };
    }

    /// <summary>Reads and parses a scenario file; the scenario is named after the file.</summary>
    public static async Task<Scenario> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(text, Path.GetFileNameWithoutExtension(path));
    }
}

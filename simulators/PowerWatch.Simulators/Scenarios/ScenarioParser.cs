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
/// Errors name the source, the line and the column of the token in error (<c>bad.scn: line 3, column 4: …</c>, as the
/// agent's configuration loader words its errors). Device names and verbs are checked against a site when the scenario runs.
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
            var (tokens, columns) = Tokenize(hash >= 0 ? raw[..hash] : raw);
            switch (tokens[0])
            {
                case "run":
                    Require(tokens.Length == 2, lineNo, At(tokens.Length > 2 ? 2 : 0), "expected 'run <duration>'");
                    Require(duration is null, lineNo, At(0), "'run' appears twice");
                    duration = ParseDuration(1, lineNo);
                    Require(duration > TimeSpan.Zero, lineNo, At(1), "run duration must be positive");
                    break;
                case "step":
                    Require(tokens.Length == 2, lineNo, At(tokens.Length > 2 ? 2 : 0), "expected 'step <duration>'");
                    Require(!stepSeen, lineNo, At(0), "'step' appears twice");
                    step = ParseDuration(1, lineNo);
                    Require(step > TimeSpan.Zero, lineNo, At(1), "step must be positive");
                    stepSeen = true;
                    break;
                case "timers":
                    Require(tokens.Length == 2, lineNo, At(tokens.Length > 2 ? 2 : 0), "expected 'timers nfpa110-type10|dse-factory'");
                    Require(timers is null, lineNo, At(0), "'timers' appears twice");
                    Require(SiteTimerSets.TryParse(tokens[1], out var set), lineNo, At(1), $"unknown timer set '{tokens[1]}' (expected nfpa110-type10 or dse-factory)");
                    timers = set;
                    break;
                case "at":
                    Require(tokens.Length >= 3, lineNo, At(0), "expected 'at <time> <device>.<verb> [args]'");
                    var at = ParseDuration(1, lineNo);
                    var (device, verb) = SplitPath(2, lineNo);
                    actions.Add(new ScenarioAction(lineNo, at, device, verb, tokens[3..], content, columns[2]));
                    break;
                case "expect":
                    expectations.Add(ParseExpectation(tokens, content, lineNo));
                    break;
                default:
                    throw new ScenarioException(name, lineNo, columns[0], $"unknown statement '{tokens[0]}' (expected at, expect, run, step, timers)");
            }

            int At(int token) => columns[Math.Min(token, columns.Length - 1)];

            void Require(bool ok, int line, int column, string message)
            {
                if (!ok)
                {
                    throw new ScenarioException(name, line, column, message);
                }
            }

            TimeSpan ParseDuration(int token, int line) =>
                Durations.TryParse(tokens[token], out var value) ? value : throw new ScenarioException(name, line, columns[token], $"'{tokens[token]}' is not a duration (e.g. 500ms, 10s, 5m, 2h, 1d)");

            (string Device, string Name) SplitPath(int index, int line)
            {
                var token = tokens[index];
                var dot = token.IndexOf('.', StringComparison.Ordinal);
                Require(dot > 0 && dot < token.Length - 1, line, columns[index], $"'{token}' is not <device>.<name>");
                return (token[..dot], token[(dot + 1)..]);
            }

            Expectation ParseExpectation(string[] t, string line, int lineNumber)
            {
                Require(t.Length >= 4, lineNumber, At(0), "expected 'expect <device>.<property> [op] <value> <timing>'");
                SplitPath(1, lineNumber);
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
                    from = ParseDuration(n - 3, lineNumber);
                    to = ParseDuration(n - 1, lineNumber);
                    conditionEnd = n - 4;
                }
                else if (n >= 6 && t[n - 4] == "from" && t[n - 2] == "to")
                {
                    timing = ExpectationTiming.During;
                    from = ParseDuration(n - 3, lineNumber);
                    to = ParseDuration(n - 1, lineNumber);
                    conditionEnd = n - 4;
                }
                else if (t[n - 2] == "at" || t[n - 2] == "by")
                {
                    timing = t[n - 2] == "at" ? ExpectationTiming.At : ExpectationTiming.By;
                    from = TimeSpan.Zero;
                    to = ParseDuration(n - 1, lineNumber);
                    conditionEnd = n - 2;
                }
                else
                {
                    throw new ScenarioException(name, lineNumber, columns[n - 1], "expectation needs a timing: at T, by T, between T1 and T2, from T1 to T2, never or always");
                }

                Require(from <= to, lineNumber, columns[n - 1], "the window ends before it starts");
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
                    throw new ScenarioException(name, lineNumber, columns[2], $"condition '{string.Join(' ', condition)}' must be '<value>' or '<op> <value>' with op one of {string.Join(' ', Operators)}");
                }

                return new Expectation(lineNumber, line, t[1], parsed, timing, from, to, columns[1]);
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

    /// <summary>The words of a line and their 1-based columns (tabs count as one column).</summary>
    private static (string[] Tokens, int[] Columns) Tokenize(string line)
    {
        var tokens = new List<string>();
        var columns = new List<int>();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] is ' ' or '\t' or '\r')
            {
                i++;
            }

            var start = i;
            while (i < line.Length && line[i] is not (' ' or '\t' or '\r'))
            {
                i++;
            }

            if (i > start)
            {
                tokens.Add(line[start..i]);
                columns.Add(start + 1);
            }
        }

        return ([.. tokens], [.. columns]);
    }
}

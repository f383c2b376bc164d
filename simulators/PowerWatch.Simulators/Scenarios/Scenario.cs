using System.Globalization;

namespace PowerWatch.Simulators.Scenarios;

/// <summary>A timed event of a scenario: <c>at &lt;time&gt; &lt;device&gt;.&lt;verb&gt; [args…]</c>.</summary>
public sealed record ScenarioAction(int Line, TimeSpan At, string Device, string Verb, IReadOnlyList<string> Arguments, string Text, int Column = 0);

/// <summary>When an expectation is checked.</summary>
public enum ExpectationTiming
{
    /// <summary><c>at T</c>: holds at the first evaluation at or after T.</summary>
    At,

    /// <summary><c>by T</c>: holds at some evaluation no later than T.</summary>
    By,

    /// <summary><c>between T1 and T2</c>: first holds within [T1, T2] (not before).</summary>
    Between,

    /// <summary><c>never</c>: never holds during the run.</summary>
    Never,

    /// <summary><c>always</c>: holds at every evaluation of the run.</summary>
    Always,

    /// <summary><c>from T1 to T2</c>: holds at every evaluation within [T1, T2].</summary>
    During,
}

/// <summary>A comparison of a property with a value: <c>[op] value</c>; op is =, !=, &lt;, &lt;=, &gt;, &gt;=, has, lacks.</summary>
public sealed record Condition(string Operator, string Value)
{
    /// <summary>Evaluates against a property value (a double or a string).</summary>
    public bool Evaluate(object? actual)
    {
        switch (Operator)
        {
            case "has":
                return Tokens(actual).Contains(Value, StringComparer.OrdinalIgnoreCase);
            case "lacks":
                return !Tokens(actual).Contains(Value, StringComparer.OrdinalIgnoreCase);
            default:
                break;
        }

        if (actual is double number && double.TryParse(Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var expected))
        {
            return Operator switch
            {
                "<" => number < expected,
                "<=" => number <= expected,
                ">" => number > expected,
                ">=" => number >= expected,
                "!=" => Math.Abs(number - expected) > 1e-9 * Math.Max(1, Math.Abs(expected)),
                _ => Math.Abs(number - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected)),
            };
        }

        var text = Format(actual);
        return Operator switch
        {
            "!=" => !string.Equals(text, Value, StringComparison.OrdinalIgnoreCase),
            "=" => string.Equals(text, Value, StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    /// <summary>Renders a property value for reports.</summary>
    public static string Format(object? value) => value switch
    {
        null => "(none)",
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    public override string ToString() => Operator == "=" ? Value : $"{Operator} {Value}";

    private static string[] Tokens(object? actual) =>
        Format(actual).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>An expectation on the model: <c>expect &lt;device&gt;.&lt;property&gt; [op] value &lt;timing&gt;</c>.</summary>
public sealed record Expectation(int Line, string Text, string Property, Condition Condition, ExpectationTiming Timing, TimeSpan From, TimeSpan To, int Column = 0);

/// <summary>A parsed scenario file.</summary>
public sealed class Scenario
{
    public required string Name { get; init; }

    /// <summary>The leading comment lines (without '#').</summary>
    public required string Description { get; init; }

    public required IReadOnlyList<ScenarioAction> Actions { get; init; }

    public required IReadOnlyList<Expectation> Expectations { get; init; }

    /// <summary>Simulated time to run (the <c>run</c> line).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Integration step (the <c>step</c> line; default 100 ms).</summary>
    public TimeSpan Step { get; init; } = Site.DefaultStep;

    /// <summary>The <c>timers</c> line: the generator and ATS timer set the scenario needs (null: the site's own).</summary>
    public SiteTimers? Timers { get; init; }

    /// <summary>The site to run on: <paramref name="site"/> (default: the demo site) with this scenario's <see cref="Timers"/> applied.</summary>
    public SiteDescription SiteFor(SiteDescription? site)
    {
        site ??= new SiteDescription();
        if (Timers is { } timers)
        {
            SiteTimerSets.Apply(site, timers);
        }

        return site;
    }
}

/// <summary>A scenario file (or its binding to a site) is invalid; <see cref="Line"/> names the line.</summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException()
    {
    }

    public ScenarioException(string message)
        : base(message)
    {
    }

    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ScenarioException(string source, int line, string message)
        : this(source, line, 0, message)
    {
    }

    /// <summary>
    /// An error at a place of a scenario file, worded as the configuration loader words its errors:
    /// <c>bad.scn: line 3, column 4: '10x' is not a duration …</c> (without a column when <paramref name="column"/>
    /// is 0, without line and column when <paramref name="line"/> is 0: a command not from a file).
    /// </summary>
    public ScenarioException(string source, int line, int column, string message)
        : base(Format(source, line, column, message))
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line number, or 0 when not tied to a line.</summary>
    public int Line { get; }

    /// <summary>1-based column of the token in error, or 0 when not tied to one.</summary>
    public int Column { get; }

    private static string Format(string source, int line, int column, string message) =>
        line <= 0 ? $"{source}: {message}"
        : column <= 0 ? $"{source}: line {line}: {message}"
        : $"{source}: line {line}, column {column}: {message}";
}

/// <summary>Outcome of one expectation.</summary>
public sealed record ExpectationResult(Expectation Expectation, bool Passed, string Detail);

/// <summary>Outcome of a scenario run: the timeline and every expectation's verdict.</summary>
public sealed record ScenarioResult(Scenario Scenario, IReadOnlyList<SimulationEvent> Timeline, IReadOnlyList<ExpectationResult> Expectations, TimeSpan Elapsed)
{
    public bool Passed => Expectations.All(e => e.Passed);
}

using PowerWatch.Simulators;
using PowerWatch.Simulators.Scenarios;

namespace PowerWatch.Simulators.Tests;

public sealed class ScenarioTests
{
    private static readonly string ScenarioDir = Path.Combine(AppContext.BaseDirectory, "scenarios");

    private static string[] ScenarioFiles() =>
        [.. Directory.GetFiles(ScenarioDir, "*.scn").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> ShippedScenarios() => new(ScenarioFiles());

    // The grammar tests' timings are the DSE factory timers' (the defaults are the NFPA 110 Type 10 set).
    private static Task<ScenarioResult> RunTextAsync(string text, SiteDescription? site = null) =>
        ScenarioRunner.RunAsync(ScenarioParser.Parse(text, "test"), new ScenarioRunOptions { Site = site ?? TestSites.DseFactory() }, CancellationToken.None);

    [Fact]
    public void At_least_the_seven_required_scenarios_ship()
    {
        var names = ScenarioFiles();

        Assert.Superset(
            new HashSet<string>
            {
                "utility-loss-good-generator.scn", "generator-fails-to-start.scn", "generator-fails-to-stabilise.scn",
                "ats-fails-to-transfer.scn", "aged-battery.scn", "low-fuel-long-outage.scn", "brownout-flapping.scn",
            },
            names.ToHashSet());
    }

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public async Task Shipped_scenario_passes_every_expectation(string file)
    {
        var scenario = await ScenarioParser.LoadAsync(Path.Combine(ScenarioDir, file), CancellationToken.None);

        var result = await ScenarioRunner.RunAsync(scenario, new ScenarioRunOptions(), CancellationToken.None);

        Assert.True(scenario.Expectations.Count >= 5, "a shipped scenario checks the physics with several expectations");
        Assert.True(result.Passed, ScenarioRunner.Format(result));
    }

    [Fact]
    public async Task Seed_outage_turns_the_ups_off_at_the_time_predicted_by_the_fitted_curve()
    {
        // Generator fails to start; utility lost at 10 s; UPS at 100 % load -> off after t(1.0) = 300 s (±2 %).
        var result = await RunTextAsync("""
            at 0s  ups.load-step 100
            at 0s  generator.fault fail-to-start
            at 10s utility.fail
            expect ups.output off by 1000s
            run 400s
            """);
        var off = result.Timeline.First(e => e is { Device: "ups", Message: "off" }).Elapsed;
        var predicted = 10 + RuntimeCurve.FromTwoPoints(1.0, TimeSpan.FromSeconds(300), 0.5, TimeSpan.FromSeconds(900)).SecondsAt(1.0);

        Assert.InRange(off.TotalSeconds, predicted * 0.98, predicted * 1.02);
        Assert.Contains(result.Timeline, e => e is { Device: "generator", Kind: "state", Message: "failed" } && e.Elapsed == TimeSpan.FromSeconds(68));
    }

    [Fact]
    public async Task Failing_expectations_are_reported_with_the_observed_value()
    {
        var result = await RunTextAsync("""
            at 10s utility.fail
            expect ups.output off by 60s
            expect generator.state on-load at 20s
            expect ats.position source2 between 1s and 5s
            expect ups.status has OB between 12s and 20s
            expect ups.status has OB never
            expect utility.voltage 230 always
            run 60s
            """);

        Assert.False(result.Passed);
        Assert.All(result.Expectations, r => Assert.False(r.Passed, r.Detail));
        Assert.Contains("never held", result.Expectations[0].Detail, StringComparison.Ordinal);
        Assert.Contains("was warming at 20s", result.Expectations[1].Detail, StringComparison.Ordinal);
        Assert.Contains("never held (last value source1)", result.Expectations[2].Detail, StringComparison.Ordinal);
        Assert.Contains("first held at 10.1s, outside 12s–20s", result.Expectations[3].Detail, StringComparison.Ordinal);
        Assert.Contains("held at 10.1s", result.Expectations[4].Detail, StringComparison.Ordinal);
        Assert.Contains("was 0 at 10s", result.Expectations[5].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passing_expectations_cover_every_timing_and_operator()
    {
        var result = await RunTextAsync("""
            at 10s utility.fail
            expect ups.status has OB between 10s and 10.5s
            expect ups.status lacks OB at 5s
            expect ups.battery.charge < 100 by 11s
            expect ups.battery.charge >= 99 at 11s
            expect ats.start-contact != closed at 12.9s
            expect generator.state failed never
            expect utility.frequency > 49 from 0s to 9.9s
            expect ups.output on always
            expect pdu1.outlet.1 on at 1s
            expect pdu1.outlet.1.power > 0 at 1s
            run 40s
            """);

        Assert.True(result.Passed, ScenarioRunner.Format(result));
    }

    [Fact]
    public async Task Same_scenario_and_seed_give_the_same_timeline()
    {
        const string text = """
            at 0s generator.fault fail-to-stabilise
            at 10s utility.fail
            expect ups.output off by 2h
            run 1500s
            """;

        var first = await RunTextAsync(text);
        var second = await RunTextAsync(text);

        Assert.Equal(first.Timeline, second.Timeline);
    }

    [Fact]
    public async Task Events_at_times_between_steps_land_exactly()
    {
        var result = await RunTextAsync("""
            step 1s
            at 10.25s utility.fail
            expect ats.start-contact closed between 13.25s and 13.25s
            run 20s
            """);

        Assert.True(result.Passed, ScenarioRunner.Format(result));
        Assert.Contains(result.Timeline, e => e.Device == "utility" && e.Elapsed == TimeSpan.FromSeconds(10.25));
    }

    [Fact]
    public void Parser_reads_the_documented_grammar()
    {
        var scenario = ScenarioParser.Parse("""
            # title line
            # second line

            step 500ms   # comment after a statement
            at 1h30m  utility.brownout 190
            at 2.5s   pdu2.outlet 3 off
            expect ups.status has OB between 1s and 2s
            expect generator.fuel.level <= 10 by 1d
            run 2d
            """, "demo");

        Assert.Equal("title line\nsecond line", scenario.Description);
        Assert.Equal(TimeSpan.FromMilliseconds(500), scenario.Step);
        Assert.Equal(TimeSpan.FromDays(2), scenario.Duration);
        Assert.Equal(TimeSpan.FromMinutes(90), scenario.Actions[0].At);
        Assert.Equal(("utility", "brownout", "190"), (scenario.Actions[0].Device, scenario.Actions[0].Verb, scenario.Actions[0].Arguments[0]));
        Assert.Equal(5, scenario.Actions[0].Line);
        Assert.Equal(["3", "off"], scenario.Actions[1].Arguments);
        var e = scenario.Expectations[1];
        Assert.Equal(("generator.fuel.level", "<=", "10", ExpectationTiming.By, TimeSpan.FromDays(1)), (e.Property, e.Condition.Operator, e.Condition.Value, e.Timing, e.To));
        Assert.Equal(ExpectationTiming.Between, scenario.Expectations[0].Timing);
    }

    [Theory]
    [InlineData("run 10s\nfoo bar", 2, 1, "unknown statement 'foo'")]
    [InlineData("at 10x utility.fail\nrun 10s", 1, 4, "'10x' is not a duration")]
    [InlineData("# c\n\nat 1s utilityfail\nrun 10s", 3, 7, "'utilityfail' is not <device>.<name>")]
    [InlineData("expect ups.output off\nrun 10s", 1, 1, "<timing>")]
    [InlineData("expect ups.output ~ off at 1s\nrun 10s", 1, 19, "condition '~ off'")]
    [InlineData("expect ups.load > 5 between 9s and 2s\nrun 10s", 1, 36, "ends before it starts")]
    [InlineData("run 10s\n  run 20s", 2, 3, "twice")]
    [InlineData("step 0s\nrun 10s", 1, 6, "positive")]
    [InlineData("timers nfpa110-type10\nrun 1s\ntimers\tdse-factory extra", 3, 20, "expected 'timers")]
    public void Parser_errors_name_file_line_and_column_like_the_configuration_loader(string text, int line, int column, string message)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(text, "bad.scn"));

        Assert.Equal((line, column), (ex.Line, ex.Column));
        Assert.StartsWith($"bad.scn: line {line}, column {column}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_run_statement_names_the_last_line()
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse("at 1s utility.fail\n", "bad.scn"));
        Assert.Equal("bad.scn: line 2: missing 'run <duration>'", ex.Message);
    }

    [Theory]
    [InlineData("at 1s genset.fail\nrun 10s", 1, 7, "unknown device 'genset'")]
    [InlineData("\nat 1s utility.explode\nrun 10s", 2, 7, "not an event of utility")]
    [InlineData("at 1s generator.fault gremlins\nrun 10s", 1, 7, "fail-to-start")]
    [InlineData("at 1s pdu1.outlet 9 off\nrun 10s", 1, 7, "1–8")]
    [InlineData("  at 1s ups.bias -1\nrun 10s", 1, 9, "positive")]
    [InlineData("at 1s utility.fail\n\n\nexpect ups.colour blue at 1s\nrun 10s", 4, 8, "unknown property 'ups.colour'")]
    public async Task Binding_errors_name_the_line_and_the_column_of_the_device(string text, int line, int column, string message)
    {
        var ex = await Assert.ThrowsAsync<ScenarioException>(() => RunTextAsync(text));

        Assert.Equal((line, column), (ex.Line, ex.Column));
        Assert.StartsWith($"test: line {line}, column {column}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("300s", 300)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("500ms", 0.5)]
    [InlineData("2.5s", 2.5)]
    [InlineData("1d", 86400)]
    [InlineData("42", 42)]
    public void Durations_parse_number_and_unit_parts(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("s")]
    [InlineData("-5s")]
    public void Durations_reject_garbage(string text) => Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public async Task Paced_run_follows_the_base_clock_at_the_requested_speed()
    {
        var baseTime = new PowerWatch.TestSupport.ManualTimeProvider();
        var scenario = ScenarioParser.Parse("at 1s utility.fail\nexpect ups.status has OB by 2s\nrun 3s", "paced");
        var run = ScenarioRunner.RunAsync(scenario, new ScenarioRunOptions { PaceWith = baseTime, Speed = 10 }, CancellationToken.None);

        // 3 s of simulated time at 10x needs 0.3 s of base time; nothing finishes before the base clock moves.
        Assert.False(run.IsCompleted);
        for (var i = 0; i < 1000 && !run.IsCompleted; i++)
        {
            await baseTime.AdvanceInStepsAsync(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));
        }

        var result = await run;
        Assert.True(result.Passed, ScenarioRunner.Format(result));
        Assert.InRange(baseTime.GetUtcNow() - new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromSeconds(0.29), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Inverter_fault_shows_as_fault_state_on_bypass_and_pdu_addresses_the_first_pdu()
    {
        var result = await RunTextAsync("""
            at 1s ups.fault inverter
            at 1s pdu.outlet 1 off
            expect ups.state fault at 2s
            expect ups.status has BYPASS at 2s
            expect ups.status has ALARM at 2s
            expect pdu1.outlet.1 off at 2s
            expect pdu1.outlet.1.power 0 at 2s
            run 3s
            """);

        Assert.True(result.Passed, ScenarioRunner.Format(result));
    }

    // Found by the scenario fuzz target (docs/fuzzing.md): a duration beyond TimeSpan threw OverflowException.
    [Theory]
    [InlineData("99999999999999999999h")]
    [InlineData("1e300")]
    public void Duration_too_long_for_a_TimeSpan_is_a_scenario_error_not_an_overflow(string duration)
    {
        Assert.False(Durations.TryParse(duration, out _));
        Assert.Throws<ScenarioException>(() => ScenarioParser.Parse($"at {duration} utility.fail\n"));
    }
}

namespace PowerWatch.Agent.Tests.Dashboards;

public sealed class GrafanaQueryExpanderTests
{
    private static readonly DateTimeOffset From = new(2026, 1, 2, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddHours(1);

    private static Dictionary<string, IReadOnlyList<string>> Vars(params (string Name, string[] Values)[] vars) =>
        vars.ToDictionary(v => v.Name, v => (IReadOnlyList<string>)v.Values, StringComparer.Ordinal);

    [Fact]
    public void Time_filter_becomes_an_epoch_millisecond_range()
    {
        var q = GrafanaQueryExpander.Expand("SELECT x FROM y WHERE $timeFilter", Vars(), From, To, TimeSpan.FromSeconds(10));
        Assert.Equal($"SELECT x FROM y WHERE time >= {From.ToUnixTimeMilliseconds()}ms and time <= {To.ToUnixTimeMilliseconds()}ms", q);
    }

    [Fact]
    public void Time_range_variables_become_epoch_milliseconds_so_a_freshness_window_ends_at_the_range_end()
    {
        var q = GrafanaQueryExpander.Expand("WHERE time > ${__to}ms - 10s AND time > $__from", Vars(), From, To, TimeSpan.FromSeconds(10));
        Assert.Equal($"WHERE time > {To.ToUnixTimeMilliseconds()}ms - 10s AND time > {From.ToUnixTimeMilliseconds()}", q);
        Assert.Empty(GrafanaQueryExpander.VariablesUsed("WHERE time > ${__to}ms - 10s"));
    }

    [Theory]
    [InlineData(500, "500ms")]
    [InlineData(10_000, "10s")]
    [InlineData(300_000, "5m")]
    [InlineData(7_200_000, "2h")]
    [InlineData(86_400_000, "1d")]
    public void Interval_uses_grafana_notation(int ms, string expected) =>
        Assert.Equal(expected, GrafanaQueryExpander.FormatInterval(TimeSpan.FromMilliseconds(ms)));

    [Fact]
    public void Interval_macro_and_millisecond_variant_are_both_expanded()
    {
        var q = GrafanaQueryExpander.Expand("time($__interval) $__interval_ms", Vars(), From, To, TimeSpan.FromMinutes(1));
        Assert.Equal("time(1m) 60000", q);
    }

    [Fact]
    public void Variable_in_a_regex_literal_is_escaped()
    {
        var q = GrafanaQueryExpander.Expand("WHERE \"site\" =~ /^$site$/", Vars(("site", ["dc1.hall/a"])), From, To, TimeSpan.FromSeconds(1));
        Assert.Equal("WHERE \"site\" =~ /^dc1\\.hall\\/a$/", q);
    }

    [Fact]
    public void Several_values_in_a_regex_literal_become_an_alternation()
    {
        var q = GrafanaQueryExpander.Expand("\"device\" =~ /^$device$/", Vars(("device", ["ups-a", "ups-b"])), From, To, TimeSpan.FromSeconds(1));
        Assert.Equal("\"device\" =~ /^(ups-a|ups-b)$/", q);
    }

    [Fact]
    public void All_values_in_a_regex_literal_match_anything()
    {
        var q = GrafanaQueryExpander.Expand("\"device\" =~ /^${device}$/", Vars(("device", [])), From, To, TimeSpan.FromSeconds(1));
        Assert.Equal("\"device\" =~ /^.*$/", q);
    }

    [Fact]
    public void Field_regex_anchors_are_left_alone()
    {
        var q = GrafanaQueryExpander.Expand("SELECT mean(/^outlet\\.[0-9]+\\.current$/) FROM \"pdu\"", Vars(), From, To, TimeSpan.FromSeconds(1));
        Assert.Equal("SELECT mean(/^outlet\\.[0-9]+\\.current$/) FROM \"pdu\"", q);
    }

    [Fact]
    public void Undefined_variable_is_an_error()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => GrafanaQueryExpander.Expand("WHERE \"site\" = '$nope'", Vars(), From, To, TimeSpan.FromSeconds(1)));
        Assert.Contains("$nope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Variables_used_lists_template_variables_but_not_macros()
    {
        var used = GrafanaQueryExpander.VariablesUsed("SELECT 1 FROM x WHERE \"a\" =~ /^$site$/ AND [[device]] AND ${meter:regex} AND $timeFilter GROUP BY time($__interval)");
        Assert.Equal(["site", "device", "meter"], used);
    }
}

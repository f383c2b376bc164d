using PowerWatch.Agent.Inputs.Nut;

namespace PowerWatch.Agent.Tests.Inputs.Nut;

public sealed class NutProtocolTests
{
    // NUT network protocol (docs/net-protocol.txt): quoted words with \" and \\ escapes.
    [Theory]
    [InlineData("VAR sim ups.status \"OL CHRG\"", new[] { "VAR", "sim", "ups.status", "OL CHRG" })]
    [InlineData("VAR sim ups.model \"Smart \\\"X\\\" \\\\ 3000\"", new[] { "VAR", "sim", "ups.model", "Smart \"X\" \\ 3000" })]
    [InlineData("BEGIN LIST VAR sim", new[] { "BEGIN", "LIST", "VAR", "sim" })]
    [InlineData("UPS sim \"\"", new[] { "UPS", "sim", "" })]
    [InlineData("  OK   Goodbye ", new[] { "OK", "Goodbye" })]
    public void Lines_split_into_words_honouring_quotes_and_escapes(string line, string[] expected)
    {
        Assert.Equal(expected, NutProtocol.Split(line));
    }

    [Theory]
    [InlineData("VAR sim x \"unterminated")]
    [InlineData("VAR sim x dangling\\")]
    public void Malformed_lines_are_rejected(string line)
    {
        Assert.Throws<NutProtocolException>(() => NutProtocol.Split(line));
    }

    [Fact]
    public void Err_reply_becomes_a_typed_error()
    {
        var ex = Assert.Throws<NutErrorException>(() => NutProtocol.ThrowIfError(NutProtocol.Split("ERR DATA-STALE")));
        Assert.Equal("DATA-STALE", ex.Code);
        Assert.True(ex.IsStale);
        var denied = Assert.Throws<NutErrorException>(() => NutProtocol.ThrowIfError(NutProtocol.Split("ERR ACCESS-DENIED")));
        Assert.False(denied.IsStale);
    }

    [Fact]
    public void Quoting_round_trips_through_splitting()
    {
        var word = "pass \"word\" \\ x";
        Assert.Equal(["PASSWORD", word], NutProtocol.Split("PASSWORD " + NutProtocol.Quote(word)));
    }

    [Fact]
    public void Var_line_for_another_ups_is_rejected()
    {
        Assert.Throws<NutProtocolException>(() => NutProtocol.ParseVar(NutProtocol.Split("VAR other battery.charge \"97\""), "sim"));
    }
}

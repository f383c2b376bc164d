namespace PowerWatch.Core.Tests;

public sealed class UpsStatusTests
{
    [Fact]
    public void Parse_and_format_round_trip()
    {
        var s = UpsStatus.Parse("OL CHRG");
        Assert.True(s.Contains("OL"));
        Assert.True(s.Contains("CHRG"));
        Assert.Equal("OL CHRG", s.Format());
    }

    [Fact]
    public void Unknown_tokens_are_tolerated_and_preserved_after_known_ones()
    {
        var s = UpsStatus.Parse("HE OB LB vendor:x");
        Assert.Equal("OB LB HE vendor:x", s.Format());
        Assert.Equal(["HE", "vendor:x"], s.UnknownTokens);
    }

    [Fact]
    public void Tokens_are_formatted_in_canonical_order_and_duplicates_collapse()
    {
        Assert.Equal("OB LB DISCHRG", UpsStatus.Parse("DISCHRG  LB\tOB LB").Format());
    }

    [Fact]
    public void Equal_sets_are_equal_whatever_the_input_order()
    {
        Assert.Equal(UpsStatus.Parse("LB OB"), UpsStatus.Parse("OB LB"));
        Assert.NotEqual(UpsStatus.Parse("OB"), UpsStatus.Parse("OB LB"));
        Assert.Equal(UpsStatus.Parse("LB OB").GetHashCode(), UpsStatus.Parse("OB LB").GetHashCode());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Blank_input_is_the_empty_set(string? text)
    {
        var s = UpsStatus.Parse(text);
        Assert.True(s.IsEmpty);
        Assert.Equal(string.Empty, s.Format());
    }

    [Fact]
    public void With_and_without_return_new_sets()
    {
        var ol = UpsStatus.Parse("OL");
        var ob = ol.Without("OL").With("OB").With("LB");
        Assert.Equal("OL", ol.Format());
        Assert.Equal("OB LB", ob.Format());
    }

    [Fact]
    public void Tokens_are_case_sensitive_as_nut_sends_them()
    {
        var s = UpsStatus.Parse("ol");
        Assert.False(s.Contains("OL"));
        Assert.Equal(["ol"], s.UnknownTokens);
    }
}

public sealed class ReadingValueTests
{
    [Fact]
    public void Values_carry_their_kind()
    {
        Assert.Equal(ReadingValueKind.Number, ReadingValue.FromNumber(1.5).Kind);
        Assert.True(ReadingValue.FromBoolean(true).Boolean);
        Assert.Equal("OL", ReadingValue.FromText("OL").Text);
        Assert.True(ReadingValue.None.IsNone);
        Assert.Throws<InvalidOperationException>(() => ReadingValue.FromText("x").Number);
    }

    [Fact]
    public void Values_render_invariantly()
    {
        Assert.Equal("0.1", ReadingValue.FromNumber(0.1).ToString());
        Assert.Equal("true", ReadingValue.FromBoolean(true).ToString());
        Assert.Equal(string.Empty, ReadingValue.None.ToString());
    }

    [Fact]
    public void Equality_is_by_kind_and_value()
    {
        Assert.Equal(ReadingValue.FromNumber(1), ReadingValue.FromNumber(1));
        Assert.NotEqual(ReadingValue.FromNumber(1), ReadingValue.FromBoolean(true));
        Assert.Equal(ReadingValue.FromText("a"), ReadingValue.FromText("a"));
    }
}

using System.Text;
using PowerWatch.TestSupport;

namespace PowerWatch.Influx.Tests;

public sealed class ErrorParsingAndDeadLetterTests
{
    [Fact]
    public void Rejected_line_containing_quote_colon_space_is_still_matched_to_the_batch()
    {
        var tricky = "m s=\"it': yes\" 1";
        var body = Encoding.UTF8.GetBytes("m v=1i 0\n" + tricky + "\n");
        var message = "partial write: unable to parse '" + tricky + "': bad thing dropped=0";
        var rejected = Assert.Single(InfluxErrorParser.RejectedLines(message, body));
        Assert.Equal(new RejectedLine(1, tricky, "bad thing"), rejected);
    }

    [Fact]
    public void Line_named_by_the_server_but_not_in_the_batch_is_ignored()
    {
        var body = "m v=1i 0\n"u8.ToArray();
        Assert.Empty(InfluxErrorParser.RejectedLines("unable to parse 'other v=1 2': missing fields", body));
    }

    [Theory]
    [InlineData("partial write: field type conflict: x dropped=12", 12)]
    [InlineData("partial write: unable to parse 'a': b dropped=0", 0)]
    [InlineData("database not found: \"power\"", null)]
    public void Dropped_count_is_read_from_the_end_of_the_message(string message, int? expected)
    {
        Assert.Equal(expected, InfluxErrorParser.DroppedCount(message));
    }

    [Fact]
    public void Header_error_is_used_when_the_body_is_not_json()
    {
        Assert.Equal("from header", InfluxErrorParser.ExtractMessage("<html>oops</html>", "from header"));
        Assert.Equal("<html>oops</html>", InfluxErrorParser.ExtractMessage("<html>oops</html>", null));
        Assert.Equal("from header", InfluxErrorParser.ExtractMessage("", "from header"));
    }

    [Fact]
    public async Task Dead_letter_file_keeps_the_line_intact_when_the_reason_has_tabs_and_newlines()
    {
        using var dir = new TempDir("powerwatch-deadletter");
        var path = dir.File("sub/dead.txt");
        var at = new DateTimeOffset(2026, 2, 3, 4, 5, 6, 789, TimeSpan.Zero);
        var line = "ups,device=a\tb s=\"x\ty\" 1";
        await using (var file = new DeadLetterFile(path))
        {
            await file.WriteAsync([new DeadLetter(at, 400, "first\nsecond\tthird", line), new DeadLetter(at, null, "timeout", "m v=1i")], CancellationToken.None);
        }

        await using (var file = new DeadLetterFile(path))
        {
            await file.WriteAsync([new DeadLetter(at, 404, "db", "m v=2i")], CancellationToken.None);
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal("2026-02-03T04:05:06.7890000Z\t400\tfirst second third\t" + line, lines[0]);
        Assert.Equal(new DeadLetter(at, 400, "first second third", line), DeadLetterFile.Parse(lines[0]));
        Assert.Equal(new DeadLetter(at, null, "timeout", "m v=1i"), DeadLetterFile.Parse(lines[1]));
        Assert.Equal(404, DeadLetterFile.Parse(lines[2]).StatusCode);
    }
}

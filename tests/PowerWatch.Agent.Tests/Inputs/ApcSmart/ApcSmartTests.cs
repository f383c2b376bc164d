using System.Text;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.ApcSmart;
using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.Agent.Tests.Inputs.SerialUps;
using PowerWatch.Core;
using PowerWatch.SerialUps.ApcSmart;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.ApcSmart;

public sealed class ApcSmartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    /// <summary>A UPS in the style of SPEC §6's example column; replies end in CR LF.</summary>
    private static Dictionary<byte, string> Replies() => new()
    {
        [(byte)'Y'] = "SM", [0x01] = "SMART-UPS 700", [(byte)'f'] = "099.0", [(byte)'j'] = "0327:", [(byte)'B'] = "27.87",
        [(byte)'g'] = "024", [(byte)'L'] = "118.3", [(byte)'O'] = "118.3", [(byte)'P'] = "023.5", [(byte)'F'] = "60.00",
        [(byte)'C'] = "036.0", [(byte)'Q'] = "08", [(byte)'n'] = "NS0123456789", [(byte)'b'] = "50.9.D",
    };

    private static Func<byte[], byte[]?> Ups(Dictionary<byte, string> replies, Func<byte, string?>? prefix = null) => cmd =>
    {
        var c = cmd[0];
        var text = replies.TryGetValue(c, out var r) ? r : "NA";
        return Encoding.ASCII.GetBytes((prefix?.Invoke(c) ?? "") + text + "\r\n");
    };

    private static ApcSmartInput Input(ScriptedLink link, TimeProvider time) => new("ups-apc", _ => Task.FromResult<ISerialUpsLink>(link), Timeout, time);

    private static Dictionary<string, string> ByMetric(IReadOnlyList<Reading> readings) => readings.ToDictionary(r => r.Metric, r => r.Value.ToString());

    [Theory]
    [InlineData("08", "OL")] // SPEC §6: typical on line
    [InlineData("10", "OB")] // on battery
    [InlineData("50", "OB LB")] // on battery, low battery
    [InlineData("FF", "OL OB LB RB CAL OVER TRIM BOOST")]
    public void Q_hex_status_maps_to_nut_tokens(string reply, string expected)
    {
        Assert.Equal(UpsStatus.Parse(expected), ApcSmartUpsStatus.Parse(reply));
    }

    [Theory]
    [InlineData("8")]
    [InlineData("0G")]
    [InlineData("")]
    public void Malformed_q_reply_is_refused(string reply) => Assert.Null(ApcSmartUpsStatus.Parse(reply));

    [Fact]
    public async Task Poll_enters_smart_mode_and_maps_every_read()
    {
        var time = new ManualTimeProvider();
        var link = new ScriptedLink(Ups(Replies()));
        await using var input = Input(link, time);

        var r = ByMetric(await input.PollAsync(new PollRequest(true, time.GetUtcNow(), 1, false), CancellationToken.None));

        Assert.Equal((byte)'Y', link.Written[0][0]);
        Assert.Equal("99", r["battery.charge"]);
        Assert.Equal("19620", r["battery.runtime"]);
        Assert.Equal("27.87", r["battery.voltage"]);
        Assert.Equal("24", r["battery.voltage.nominal"]);
        Assert.Equal("118.3", r["input.voltage"]);
        Assert.Equal("118.3", r["output.voltage"]);
        Assert.Equal("23.5", r["ups.load"]);
        Assert.Equal("60", r["input.frequency"]);
        Assert.Equal("36", r["ups.temperature"]);
        Assert.Equal("OL", r["ups.status"]);
        Assert.Equal("SMART-UPS 700", r["ups.model"]);
        Assert.Equal("NS0123456789", r["ups.serial"]);
        Assert.Equal("50.9.D", r["ups.firmware"]);
    }

    [Fact]
    public async Task Na_replies_skip_the_metric_and_are_not_asked_again()
    {
        var time = new ManualTimeProvider();
        var replies = Replies();
        replies.Remove((byte)'C');
        var link = new ScriptedLink(Ups(replies));
        await using var input = Input(link, time);

        var first = ByMetric(await input.PollAsync(new PollRequest(false, time.GetUtcNow(), 1, false), CancellationToken.None));
        await input.PollAsync(new PollRequest(false, time.GetUtcNow(), 2, false), CancellationToken.None);

        Assert.False(first.ContainsKey("ups.temperature"));
        Assert.Equal(1, link.Written.Count(w => w[0] == 'C'));
    }

    [Fact]
    public async Task Sm_answer_to_a_read_re_enters_smart_mode_and_retries()
    {
        var time = new ManualTimeProvider();
        var dropped = true;
        var replies = Replies();
        var link = new ScriptedLink(cmd =>
        {
            if (cmd[0] == 'f' && dropped)
            {
                dropped = false;
                return "SM\r\n"u8.ToArray();
            }

            return Ups(replies)(cmd);
        });
        await using var input = Input(link, time);

        var r = ByMetric(await input.PollAsync(new PollRequest(false, time.GetUtcNow(), 1, false), CancellationToken.None));

        Assert.Equal("99", r["battery.charge"]);
        Assert.Equal(2, link.Written.Count(w => w[0] == 'Y'));
    }

    [Fact]
    public async Task Alert_between_polls_changes_status_at_once_and_raises_the_event()
    {
        var time = new ManualTimeProvider();
        var replies = Replies();
        var link = new ScriptedLink(Ups(replies));
        await using var input = Input(link, time);
        var seen = new TaskCompletionSource<ApcSmartAlert>(TaskCreationOptions.RunContinuationsAsynchronously);
        input.AlertCharacterReceived += (_, a) => seen.TrySetResult(a);
        await input.PollAsync(new PollRequest(false, time.GetUtcNow(), 1, false), CancellationToken.None);

        link.Inject("!"u8);

        Assert.Equal(ApcSmartAlert.LineFail, await seen.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("OB", input.CurrentStatus.Format());
    }

    [Fact]
    public async Task Alert_arriving_before_a_reply_is_separated_from_it()
    {
        var time = new ManualTimeProvider();
        var replies = Replies();
        replies[(byte)'Q'] = "10";

        // The UPS sends '!' just before answering f.
        var link = new ScriptedLink(Ups(replies, c => c switch { (byte)'f' => "!", _ => null }));
        await using var input = Input(link, time);
        var alerts = new List<ApcSmartAlert>();
        input.AlertCharacterReceived += (_, a) => { lock (alerts) { alerts.Add(a); } };

        var r = ByMetric(await input.PollAsync(new PollRequest(false, time.GetUtcNow(), 1, false), CancellationToken.None));

        Assert.Equal("99", r["battery.charge"]);
        Assert.Equal("OB", r["ups.status"]);
        Assert.Equal([ApcSmartAlert.LineFail], alerts);
    }

    [Fact]
    public async Task Alert_newer_than_the_q_reply_is_merged_into_the_polled_status()
    {
        var time = new ManualTimeProvider();
        var replies = Replies();
        var first = true;

        // Q says on line; right after its first answer the UPS signals line fail and low battery.
        var link = new ScriptedLink(cmd =>
        {
            var reply = Ups(replies)(cmd);
            if (cmd[0] == 'Q' && first)
            {
                first = false;
                return [.. reply!, .. "!%"u8.ToArray()];
            }

            return reply;
        });
        await using var input = Input(link, time);
        var twoAlerts = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        input.AlertCharacterReceived += (_, _) =>
        {
            if (Interlocked.Increment(ref count) == 2)
            {
                twoAlerts.TrySetResult();
            }
        };

        var polled = await input.PollAsync(new PollRequest(false, time.GetUtcNow(), 1, false), CancellationToken.None);
        await twoAlerts.Task.WaitAsync(TimeSpan.FromSeconds(5));

        // The alerts may land before or after the poll assembled its status; either way the next view has them.
        Assert.Equal("OB LB", input.CurrentStatus.Format());
        var next = ByMetric(await input.PollAsync(new PollRequest(false, time.GetUtcNow(), 2, false), CancellationToken.None));
        Assert.Equal("OL", next["ups.status"]); // a newer Q reply supersedes older alerts
        Assert.Contains(polled, p => p.Metric == "ups.status");
    }

    [Fact]
    public async Task Silence_to_y_fails_with_no_smart_mode_on_the_injected_clock()
    {
        var time = new ManualTimeProvider();
        var link = new ScriptedLink(_ => null);
        await using var input = Input(link, time);

        var poll = input.PollAsync(new PollRequest(false, time.GetUtcNow(), 1, false), CancellationToken.None);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            while (time.ActiveTimers == 0)
            {
                await Task.Yield();
                cts.Token.ThrowIfCancellationRequested();
            }
        }

        time.Advance(Timeout);
        var ex = await Assert.ThrowsAsync<ApcSmartException>(() => poll);
        Assert.Equal(ApcSmartError.NoSmartMode, ex.Error);
        Assert.True(link.Disposed);
    }
}

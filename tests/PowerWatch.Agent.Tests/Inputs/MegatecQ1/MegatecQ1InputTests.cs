using System.Text;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.MegatecQ1;
using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.Agent.Tests.Inputs.SerialUps;
using PowerWatch.Core;
using PowerWatch.SerialUps.MegatecQ1;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.MegatecQ1;

public sealed class MegatecQ1InputTests
{
    private const string Example = "(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r";
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);
    private static readonly string Identity = "#" + "MEGATEC".PadRight(15) + " " + "MT1000".PadRight(10) + " " + "V2.7".PadRight(10) + "\r";

    private static byte[] A(string s) => Encoding.ASCII.GetBytes(s);

    private static Func<byte[], byte[]?> Ups(string q1, string? f = "#220.0 003 24.00 50.0\r", string? i = null) => cmd =>
        Encoding.ASCII.GetString(cmd) switch
        {
            "Q1\r" => A(q1),
            "F\r" => f is null ? cmd : A(f),
            "I\r" => i is null ? cmd : A(i),
            _ => cmd,
        };

    private static MegatecQ1Input Input(ScriptedLink link, TimeProvider time, MegatecQ1Options? options = null) =>
        new("ups-q", _ => Task.FromResult<ISerialUpsLink>(link), options ?? new MegatecQ1Options(), Timeout, time);

    private static Dictionary<string, string> ByMetric(IReadOnlyList<Reading> readings) =>
        readings.ToDictionary(r => r.Metric, r => r.Value.ToString());

    [Fact]
    public async Task Poll_maps_the_spec_example_to_nut_named_readings()
    {
        var time = new ManualTimeProvider();
        var link = new ScriptedLink(Ups(Example, i: Identity));
        await using var input = Input(link, time);

        var r = ByMetric(await input.PollAsync(new PollRequest(true, time.GetUtcNow(), 1, false), CancellationToken.None));

        Assert.Equal("215", r["input.voltage"]);
        Assert.Equal("195", r["input.voltage.fault"]);
        Assert.Equal("230", r["output.voltage"]);
        Assert.Equal("14", r["ups.load"]);
        Assert.Equal("49", r["input.frequency"]);
        Assert.Equal("22.7", r["battery.voltage"]);
        Assert.Equal("30", r["ups.temperature"]);
        Assert.Equal("OL", r["ups.status"]);
        Assert.Equal("false", r["ups.beeper.status"]);
        Assert.Equal("online", r["ups.type"]);
        Assert.Equal("24", r["battery.voltage.nominal"]);
        Assert.Equal("MEGATEC", r["ups.mfr"]);
        Assert.Equal("MT1000", r["ups.model"]);
        Assert.Equal("V2.7", r["ups.firmware"]);

        // NUT-QX voltage-only charge: 100 × (22.7 − 20.8) / (26.0 − 20.8).
        Assert.Equal(100 * (22.7 - 20.8) / (26.0 - 20.8), double.Parse(r["battery.charge"], System.Globalization.CultureInfo.InvariantCulture), 6);
        Assert.False(r.ContainsKey("battery.runtime"));
    }

    [Fact]
    public async Task Unsupported_commands_are_detected_by_their_echo_and_not_asked_again()
    {
        var time = new ManualTimeProvider();
        var link = new ScriptedLink(Ups(Example, f: null, i: null));
        await using var input = Input(link, time);

        var first = ByMetric(await input.PollAsync(new PollRequest(true, time.GetUtcNow(), 1, false), CancellationToken.None));
        var second = await input.PollAsync(new PollRequest(true, time.GetUtcNow(), 2, false), CancellationToken.None);

        Assert.Equal("OL", first["ups.status"]);
        Assert.False(first.ContainsKey("battery.charge")); // no F rating, no nominal voltage to compare with
        Assert.Equal(2, link.Written.Count(w => w.SequenceEqual(A("F\r"))) + link.Written.Count(w => w.SequenceEqual(A("I\r"))));
        Assert.NotEmpty(second);
    }

    [Fact]
    public async Task Client_resyncs_after_garbage_lines_and_noise_before_the_reply()
    {
        var time = new ManualTimeProvider();
        var link = new ScriptedLink(cmd => A("\u0013\u0011junk\rxx" + Example));
        await using var client = new MegatecQ1Client(link, Timeout, time);

        var s = await client.ReadStatusAsync(CancellationToken.None);

        Assert.Equal(215.0, s.InputVoltage);
    }

    [Fact]
    public async Task Client_accepts_a_q1_reply_with_an_appended_field_after_noise()
    {
        // SPEC-DEVICES §5: some UPSes append fields after the standard 46 bytes; NUT rejects only replies that are too short.
        var time = new ManualTimeProvider();
        var link = new ScriptedLink(cmd => A("xx(2" + Example.TrimEnd('\r') + " 12.5\r"));
        await using var client = new MegatecQ1Client(link, Timeout, time);

        var s = await client.ReadStatusAsync(CancellationToken.None);

        Assert.Equal(215.0, s.InputVoltage);
        Assert.Equal(30.0, s.Temperature);
    }

    [Fact]
    public async Task Reply_without_cr_times_out_on_the_injected_clock_with_the_partial_bytes_named()
    {
        var time = new ManualTimeProvider();
        var link = new ScriptedLink(cmd => A(Example.TrimEnd('\r')));
        await using var client = new MegatecQ1Client(link, Timeout, time);

        var pending = client.ReadStatusAsync(CancellationToken.None);
        await WaitUntilAsync(() => time.ActiveTimers > 0);
        Assert.False(pending.IsCompleted);
        time.Advance(Timeout);

        var ex = await Assert.ThrowsAsync<MegatecQ1Exception>(() => pending);
        Assert.Equal(MegatecQ1Error.Timeout, ex.Error);
        Assert.Contains("without CR", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Short_reply_fails_with_wrong_length_once_the_timeout_passes()
    {
        var time = new ManualTimeProvider();
        var link = new ScriptedLink(cmd => A("(215.0 195.0 230.0\r"));
        await using var client = new MegatecQ1Client(link, Timeout, time);

        var pending = client.ReadStatusAsync(CancellationToken.None);
        await WaitUntilAsync(() => time.ActiveTimers > 0);
        time.Advance(Timeout);

        var ex = await Assert.ThrowsAsync<MegatecQ1Exception>(() => pending);
        Assert.Equal(MegatecQ1Error.WrongLength, ex.Error);
    }

    [Fact]
    public async Task Wrong_columns_in_a_full_length_reply_fail_at_once()
    {
        var time = new ManualTimeProvider();
        var link = new ScriptedLink(cmd => A("(215.0 195.0 230.0 014 49.0 22.7 30.0 0000000X\r"));
        await using var client = new MegatecQ1Client(link, Timeout, time);

        var ex = await Assert.ThrowsAsync<MegatecQ1Exception>(() => client.ReadStatusAsync(CancellationToken.None));
        Assert.Equal(MegatecQ1Error.BadStatusBit, ex.Error);
    }

    [Fact]
    public async Task A_timed_out_link_is_reopened_on_the_next_poll()
    {
        var time = new ManualTimeProvider();
        var links = new List<ScriptedLink>();
        var silent = true;
        await using var input = new MegatecQ1Input("ups-q", _ =>
        {
            var l = new ScriptedLink(cmd => silent ? null : Ups(Example)(cmd));
            links.Add(l);
            return Task.FromResult<ISerialUpsLink>(l);
        }, new MegatecQ1Options(), Timeout, time);

        var first = input.PollAsync(new PollRequest(false, time.GetUtcNow(), 1, false), CancellationToken.None);
        await WaitUntilAsync(() => time.ActiveTimers > 0);
        time.Advance(Timeout);
        await Assert.ThrowsAsync<MegatecQ1Exception>(() => first);

        silent = false;
        var readings = await input.PollAsync(new PollRequest(false, time.GetUtcNow(), 2, false), CancellationToken.None);

        Assert.Equal(2, links.Count);
        Assert.True(links[0].Disposed);
        Assert.Contains(readings, r => r.Metric == "ups.status" && r.Value.ToString() == "OL");
    }

    [Theory]
    [InlineData("10000000", 215.0, 230.0, "OB")]
    [InlineData("11000000", 215.0, 230.0, "OB LB")]
    [InlineData("00100000", 250.0, 230.0, "OL TRIM")] // 230/250 = 0.92 < 0.95
    [InlineData("00100000", 230.0, 231.0, "OL BYPASS")] // 1.004 < 1.05
    [InlineData("00100000", 190.0, 229.0, "OL BOOST")] // 1.205 < 1.5
    [InlineData("00010000", 230.0, 230.0, "OL ALARM")]
    [InlineData("00000100", 230.0, 230.0, "OL CAL")]
    [InlineData("00000010", 230.0, 230.0, "OL FSD")]
    public void Status_bits_map_to_nut_tokens(string bits, double vin, double vout, string expected)
    {
        // SPEC §5 bit table and NUT-QX's Vout/Vin rule for b5.
        var line = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"({vin:000.0} 195.0 {vout:000.0} 014 49.0 22.7 30.0 {bits}");
        var status = MegatecQ1Protocol.ParseStatus(A(line));
        Assert.Equal(expected, MegatecQ1Input.StatusOf(status, new MegatecQ1Options()).Format());
    }

    [Fact]
    public void Shutdown_bit_is_ignored_when_configured_like_nut_ignoresab()
    {
        var status = MegatecQ1Protocol.ParseStatus(A("(230.0 195.0 230.0 014 49.0 22.7 30.0 00000010"));
        Assert.Equal("OL", MegatecQ1Input.StatusOf(status, new MegatecQ1Options { IgnoreShutdownBit = true }).Format());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!condition())
        {
            await Task.Yield();
            cts.Token.ThrowIfCancellationRequested();
        }
    }
}

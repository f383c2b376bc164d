using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.ApcSmart;
using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Polling;
using PowerWatch.Core;
using PowerWatch.SerialUps.ApcSmart;
using PowerWatch.Simulators.Faces.Serial;
using Site = PowerWatch.Simulators.Site;

namespace PowerWatch.Agent.Tests.Inputs.ApcSmart;

/// <summary>The APC Smart input against the simulators' APC Smart face (paced at 2400 baud).</summary>
public sealed class ApcSmartSimulatorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private static ApcSmartInput Input(string endpoint)
    {
        Assert.True(DeviceEndpoint.TryParse(endpoint, out var ep, out var error), error);
        return new ApcSmartInput("ups-apc", SerialUpsLink.Connector(ep!, new SerialLineOptions { BaudRate = 2400 }), Timeout, TimeProvider.System);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Readings_equal_the_model_and_line_fail_alert_arrives_without_a_poll(bool pty)
    {
        var site = Site.Create();
        site.SetUpsLoadPercent(40);
        site.Write(s => s.Ups.SetChargePercent(87));
        site.RunFor(TimeSpan.FromSeconds(2), Step);
        using var face = new ApcSmartFace(site);
        await using var server = pty ? await face.StartPtyAsync() : await face.StartTcpAsync();
        await using var input = Input(server.Endpoint);

        var r = (await input.PollAsync(new PollRequest(true, TimeProvider.System.GetUtcNow(), 1, false), CancellationToken.None))
            .ToDictionary(x => x.Metric, x => x.Value);
        var (charge, runtime, inV, load) = site.Read(s => (s.Ups.ChargePercent, s.Ups.ReportedRuntimeSeconds, s.Ups.InputVoltage, s.Ups.LoadPercent));
        Assert.Equal(charge, r["battery.charge"].Number, 0.1);
        Assert.Equal(Math.Floor(runtime / 60) * 60, r["battery.runtime"].Number, 0.5);
        Assert.Equal(inV, r["input.voltage"].Number, 0.1);
        Assert.Equal(load, r["ups.load"].Number, 0.1);
        Assert.Equal("OL", r["ups.status"].Text);
        Assert.Equal(face.Options.Model, r["ups.model"].Text);

        var alert = new TaskCompletionSource<ApcSmartAlert>(TaskCreationOptions.RunContinuationsAsynchronously);
        input.AlertCharacterReceived += (_, a) => alert.TrySetResult(a);
        site.Utility.Fail();
        site.Step(Step);

        Assert.Equal(ApcSmartAlert.LineFail, await alert.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(UpsStatusTokens.OnBattery, input.CurrentStatus.Tokens);
        var next = await input.PollAsync(new PollRequest(false, TimeProvider.System.GetUtcNow(), 2, false), CancellationToken.None);
        Assert.Contains(next, x => x.Metric == "ups.status" && x.Value.Text.Split(' ').Contains("OB"));
    }

    [Fact]
    public async Task Line_fail_alert_makes_the_poller_read_the_ups_at_once_not_at_its_next_slot()
    {
        var site = Site.Create();
        site.RunFor(TimeSpan.FromSeconds(2), Step);
        using var face = new ApcSmartFace(site);
        await using var server = await face.StartTcpAsync();
        await using var input = Input(server.Endpoint);

        // Real time, and a poll interval of one hour: a second poll within the test can only be the requested one.
        var state = new DeviceState("ups-apc", "ups", "apc-smart", server.Endpoint, TimeSpan.FromHours(1));
        var hub = new ReadingHub();
        var results = hub.Subscribe("test");
        var poller = new EndpointPoller(server.Endpoint, [new PolledDevice(state, input, TimeSpan.FromHours(24))], hub, new AgentHealth(TimeProvider.System), TimeProvider.System, new PollBackoff(), new Random(1), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = poller.RunAsync(stop.Token);

        static string Status(PollResult r) => r.Readings.Single(x => x.Metric == "ups.status").Value.Text;
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = await results.ReadAsync(wait.Token);
        Assert.Equal("OL", Status(first));

        site.Utility.Fail();
        site.Step(Step);
        var second = await results.ReadAsync(wait.Token);
        Assert.Contains("OB", Status(second).Split(' '));
        Assert.True(second.Timestamp - first.Timestamp < TimeSpan.FromMinutes(1), $"read {second.Timestamp - first.Timestamp} after the first poll");
        Assert.Equal(2, state.Polls);

        await stop.CancelAsync();
        await run;
    }
}

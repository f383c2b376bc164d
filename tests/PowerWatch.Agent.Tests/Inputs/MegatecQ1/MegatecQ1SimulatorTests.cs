using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.MegatecQ1;
using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.Core;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces.Serial;
using SimStatus = PowerWatch.Simulators.UpsStatus;
using Site = PowerWatch.Simulators.Site;
using UpsStatus = PowerWatch.Core.UpsStatus;

namespace PowerWatch.Agent.Tests.Inputs.MegatecQ1;

/// <summary>The Q1 input against the simulators' Q1 face (paced at 2400 baud) on a pty and on raw TCP.</summary>
public sealed class MegatecQ1SimulatorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private static Site NewSite()
    {
        // No generator start: on battery the UPS runs down to low battery.
        var site = Site.Create(new SiteDescription
        {
            Ups = new UpsOptions(),
            Generator = new GeneratorOptions { InitialMode = GeneratorMode.Stop },
            Ats = new AtsOptions(),
            Pdus = [new PduOptions { Name = "pdu1", Noise = 0 }],
        });
        site.SetUpsLoadPercent(40);
        site.RunFor(TimeSpan.FromSeconds(2), Step);
        return site;
    }

    private static MegatecQ1Input Input(string endpoint)
    {
        Assert.True(DeviceEndpoint.TryParse(endpoint, out var ep, out var error), error);
        var connect = SerialUpsLink.Connector(ep!, new SerialLineOptions { BaudRate = 2400 });
        return new MegatecQ1Input("ups-q", connect, new PowerWatch.Agent.Inputs.MegatecQ1.MegatecQ1Options(), Timeout, TimeProvider.System);
    }

    private static async Task<Dictionary<string, ReadingValue>> PollAsync(MegatecQ1Input input, bool slow, long seq) =>
        (await input.PollAsync(new PollRequest(slow, TimeProvider.System.GetUtcNow(), seq, false), CancellationToken.None))
            .ToDictionary(r => r.Metric, r => r.Value);

    [Fact]
    public async Task Readings_over_a_pty_equal_the_model_and_follow_it_to_OB_and_LB()
    {
        var site = NewSite();
        var face = new MegatecQ1Face(site);
        await using var server = await face.StartPtyAsync();
        await using var input = Input(server.Endpoint);

        var r = await PollAsync(input, true, 1);
        var (inV, outV, load, battV, nominal) = site.Read(s => (s.Ups.InputVoltage, s.Ups.OutputVoltage, s.Ups.LoadPercent, s.Ups.BatteryVoltage, s.Ups.NominalBatteryVoltage));
        Assert.Equal(inV, r["input.voltage"].Number, 0.1);
        Assert.Equal(outV, r["output.voltage"].Number, 0.1);
        Assert.Equal(Math.Round(load), r["ups.load"].Number, 0.5);
        Assert.Equal(nominal, r["battery.voltage.nominal"].Number, 0.01);
        Assert.Equal(battV, r["battery.voltage"].Number, 1.0);
        Assert.Equal("OL", r["ups.status"].Text);
        Assert.True(r.ContainsKey("battery.charge"));
        Assert.Equal(face.Options.Model, r["ups.model"].Text);

        site.Utility.Fail();
        site.Step(Step);
        Assert.Equal("OB", (await PollAsync(input, false, 2))["ups.status"].Text);

        var elapsed = site.Elapsed;
        while ((site.Read(s => s.Ups.Status) & SimStatus.LowBattery) == 0)
        {
            site.Step(TimeSpan.FromSeconds(1));
            Assert.True(site.Elapsed - elapsed < TimeSpan.FromHours(1), "the model never reached low battery");
        }

        var low = await PollAsync(input, false, 3);
        Assert.Contains(UpsStatusTokens.LowBattery, UpsStatus.Parse(low["ups.status"].Text).Tokens);
        Assert.Contains(UpsStatusTokens.OnBattery, UpsStatus.Parse(low["ups.status"].Text).Tokens);
    }

    [Fact]
    public async Task Readings_over_raw_tcp_equal_the_model_and_survive_a_dropped_connection()
    {
        var site = NewSite();
        var face = new MegatecQ1Face(site);
        await using var server = await face.StartTcpAsync();
        await using var input = Input(server.Endpoint);

        var r = await PollAsync(input, true, 1);
        Assert.Equal(site.Read(s => s.Ups.InputVoltage), r["input.voltage"].Number, 0.1);

        server.DropConnections();
        await Assert.ThrowsAnyAsync<IOException>(() => PollAsync(input, false, 2));

        var again = await PollAsync(input, false, 3);
        Assert.Equal("OL", again["ups.status"].Text);
    }
}

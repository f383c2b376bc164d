using PowerWatch.Simulators.Faces.Serial;
using PowerWatch.TestSupport;

namespace PowerWatch.Simulators.Tests.Faces.Serial;

/// <summary>NUT's real serial drivers read our serial faces on a pty: the proof that the wire formats are right.</summary>
public sealed class NutSerialFaceTests
{
    private static readonly TimeSpan NutWait = TimeSpan.FromSeconds(20);

    private static Site NewSite()
    {
        var site = Site.Create(TestSites.Quiet(generator: new GeneratorOptions { InitialMode = GeneratorMode.Stop }));
        site.SetUpsLoadPercent(40);
        site.RunFor(TimeSpan.FromSeconds(2), TestSites.Step);
        return site;
    }

    [PeerTheory("/lib/nut/nutdrv_qx", "/lib/nut/blazer_ser", "/lib/nut/upsd", "upsc")]
    [InlineData("nutdrv_qx")]
    [InlineData("blazer_ser")]
    public async Task Nut_megatec_driver_reads_the_q1_face_and_follows_the_model_to_OB_and_LB(string driver)
    {
        var site = NewSite();
        site.Write(s => s.Ups.SetChargePercent(50));
        site.Step(TestSites.Step);
        var face = new MegatecQ1Face(site);
        await using var server = await face.StartPtyAsync();
        string[] extra = driver == "nutdrv_qx" ? ["protocol = megatec"] : [];
        await using var nut = await NutSerialFixture.StartAsync(driver, server.PeerPath!, extra);

        var status = await nut.WaitForAsync("ups.status", s => NutSerialFixture.HasToken(s, "OL"), NutWait);
        Assert.False(NutSerialFixture.HasToken(status, "OB"), status);
        var (inV, battV, load) = site.Read(s => (s.Ups.InputVoltage, s.Ups.BatteryVoltage, s.Ups.LoadPercent));
        Assert.Equal(inV, await nut.ReadNumberAsync("input.voltage"), 0.1);
        Assert.Equal(Math.Round(load), await nut.ReadNumberAsync("ups.load"), 0.5);

        // The 192 V string is sent in whole volts ("218."), consistent with F's nominal 192.0.
        Assert.Equal(battV, await nut.ReadNumberAsync("battery.voltage"), 0.5);
        Assert.Equal(192, await nut.ReadNumberAsync("battery.voltage.nominal"), 0.01);

        // F's nominal and the Q1 voltage are consistent: NUT's voltage-based charge (10.4–13.0 V per 12 V block) is
        // neither 0 nor clamped at 100 (on line the model's battery sits 0.6 V/block above open circuit).
        var expectedAtStart = Math.Clamp(100 * ((Math.Round(battV) / 16) - 10.4) / 2.6, 0, 100);
        Assert.InRange(expectedAtStart, 10, 90);
        Assert.Equal(expectedAtStart, await nut.ReadNumberAsync("battery.charge"), 1.0);

        site.Utility.Fail();
        site.Step(TestSites.Step);
        await nut.WaitForAsync("ups.status", s => NutSerialFixture.HasToken(s, "OB") && !NutSerialFixture.HasToken(s, "OL"), NutWait);

        // On battery the model's open-circuit voltage is NUT's linear 10.4–13.0 V/block range, so blazer_ser's charge
        // (recomputed every poll) matches the model. nutdrv_qx 2.8.0 without runtimecal computes it once at start-up only.
        if (driver == "blazer_ser")
        {
            var charge = site.Read(s => s.Ups.ChargePercent);
            var nutCharge = await nut.WaitForAsync("battery.charge", c => Math.Abs(double.Parse(c, System.Globalization.CultureInfo.InvariantCulture) - charge) <= 2, NutWait);
            Assert.Equal(charge, double.Parse(nutCharge, System.Globalization.CultureInfo.InvariantCulture), 2.0);
        }

        Assert.NotNull(TestSites.StepUntil(site, s => (s.Ups.Status & UpsStatus.LowBattery) != 0, site.Elapsed + TimeSpan.FromHours(1), TimeSpan.FromSeconds(1)));
        await nut.WaitForAsync("ups.status", s => NutSerialFixture.HasToken(s, "LB") && NutSerialFixture.HasToken(s, "OB"), NutWait);
    }

    [PeerFact("/lib/nut/apcsmart", "/lib/nut/upsd", "upsc")]
    public async Task Nut_apcsmart_reads_the_smart_face_and_sees_OB_after_utility_failure()
    {
        var site = NewSite();
        site.Write(s => s.Ups.SetChargePercent(87));
        site.Step(TestSites.Step);
        using var face = new ApcSmartFace(site);
        await using var server = await face.StartPtyAsync();
        await using var nut = await NutSerialFixture.StartAsync("apcsmart", server.PeerPath!);

        await nut.WaitForAsync("ups.status", s => NutSerialFixture.HasToken(s, "OL"), NutWait);
        var (charge, runtime, inV, load) = site.Read(s => (s.Ups.ChargePercent, s.Ups.ReportedRuntimeSeconds, s.Ups.InputVoltage, s.Ups.LoadPercent));
        Assert.Equal(charge, await nut.ReadNumberAsync("battery.charge"), 0.1);
        Assert.Equal(Math.Floor(runtime / 60) * 60, await nut.ReadNumberAsync("battery.runtime"), 0.5);
        Assert.Equal(inV, await nut.ReadNumberAsync("input.voltage"), 0.1);
        Assert.Equal(load, await nut.ReadNumberAsync("ups.load"), 0.1);

        site.Utility.Fail();
        site.Step(TestSites.Step);
        await nut.WaitForAsync("ups.status", s => NutSerialFixture.HasToken(s, "OB") && !NutSerialFixture.HasToken(s, "OL"), NutWait);
    }
}

using System.Text.Json;
using PowerWatch.Agent.Tests.Status;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs;

/// <summary>
/// <c>powerwatch-sim serve --ups-protocol …</c> in-process: the simulated site serves its UPS on a serial UPS
/// protocol through a raw TCP serial server, and the agent configuration it writes makes the real agent host read the
/// UPS there — the rehearsal path for sites whose UPS speaks APC Smart or Megatec Q1 rather than Modbus.
/// </summary>
public sealed class SerialUpsSiteTests
{
    [Theory]
    [InlineData(UpsSerialProtocol.ApcSmart, "apc-smart")]
    [InlineData(UpsSerialProtocol.MegatecQ1, "megatec-q1")]
    public async Task Agent_reads_the_simulated_ups_over_its_serial_protocol_from_the_generated_configuration(UpsSerialProtocol protocol, string input)
    {
        await using var host = await SiteHost.StartAsync(new SiteHostOptions { UpsSerial = protocol }, CancellationToken.None);
        var json = host.ToAgentConfigurationJson();
        using (var document = JsonDocument.Parse(json))
        {
            var ups = document.RootElement.GetProperty("PowerWatch").GetProperty("Devices").EnumerateArray().Single(d => d.GetProperty("Id").GetString() == "ups");
            Assert.Equal(input, ups.GetProperty("Input").GetString());
            Assert.Equal(host.SerialUps!.Server.Endpoint, ups.GetProperty("Endpoint").GetString());
        }

        using var dir = new TempDir("powerwatch-serial-ups-site");
        await using var agent = await InProcessAgent.StartAsync(json, new Dictionary<string, string?>
        {
            ["PowerWatch:DataDirectory"] = dir.Path,
            ["PowerWatch:Mqtt:Enabled"] = "false",
        });

        async Task<Dictionary<string, JsonElement>> UpsReadingsAsync()
        {
            using var readings = JsonDocument.Parse(await agent.Http.GetStringAsync("api/readings?device=ups"));
            return readings.RootElement[0].GetProperty("readings").EnumerateArray()
                .ToDictionary(r => r.GetProperty("metric").GetString()!, r => r.Clone());
        }

        async Task WaitForStatusAsync(string token) => await Poll.UntilAsync(
            async () => (await UpsReadingsAsync()).TryGetValue("ups.status", out var s) && s.GetProperty("value").GetString()!.Split(' ').Contains(token),
            TimeSpan.FromSeconds(30),
            () => $"ups.status {token} over {input}; readings: {string.Join(", ", UpsReadingsAsync().GetAwaiter().GetResult().Select(kv => $"{kv.Key}={kv.Value.GetProperty("value")}"))}");

        await WaitForStatusAsync("OL");
        var r = await UpsReadingsAsync();
        var (charge, load) = host.Site.Read(s => (s.Ups.ChargePercent, s.Ups.LoadPercent));
        Assert.Equal("good", r["battery.charge"].GetProperty("quality").GetString());
        if (protocol == UpsSerialProtocol.ApcSmart)
        {
            Assert.Equal(charge, r["battery.charge"].GetProperty("value").GetDouble(), 1.0);
        }
        else
        {
            // Q1 sends no charge: the agent estimates it from the battery voltage (NUT style), so only a plausible range.
            Assert.InRange(r["battery.charge"].GetProperty("value").GetDouble(), charge - 15, charge);
        }

        Assert.Equal(load, r["ups.load"].GetProperty("value").GetDouble(), 1.5);

        // Megatec Q1 has no runtime on the wire: the generated RuntimeCal (the model's two calibration points) gives one.
        Assert.InRange(r["battery.runtime"].GetProperty("value").GetDouble(), 60, 3600);

        host.Site.Write(s => s.Utility.Fail());
        await WaitForStatusAsync("OB");
    }
}

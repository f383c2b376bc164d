using PowerWatch.Agent.Inputs.Nut;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.Nut;

public sealed class NutClientPeerTests
{
    private const string Dev = """
        battery.charge: 97
        battery.runtime: 1800
        input.voltage: 229.5
        ups.load: 23
        ups.status: OL CHRG
        ups.model: "Smart-UPS 3000"
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [PeerFact("/lib/nut/upsd", "/lib/nut/dummy-ups", "upsc")]
    public async Task Lists_ups_and_variables_from_a_real_upsd()
    {
        await using var upsd = await UpsdFixture.StartAsync(Dev);
        await using var client = new NutClient("127.0.0.1", upsd.Port, null, null, Timeout, TimeProvider.System);

        var ups = await client.ListUpsAsync(CancellationToken.None);
        Assert.Equal("simulated ups", ups["sim"]);

        var vars = await client.ListVarAsync("sim", CancellationToken.None);
        Assert.Equal("97", vars["battery.charge"]);
        Assert.Equal("1800", vars["battery.runtime"]);
        Assert.Equal("229.5", vars["input.voltage"]);
        Assert.Equal("OL CHRG", vars["ups.status"]);
        Assert.Equal("Smart-UPS 3000", vars["device.model"]);
    }

    [PeerFact("/lib/nut/upsd", "/lib/nut/dummy-ups", "upsc")]
    public async Task Unknown_ups_is_a_typed_error_and_the_client_stays_usable()
    {
        await using var upsd = await UpsdFixture.StartAsync(Dev);
        await using var client = new NutClient("127.0.0.1", upsd.Port, null, null, Timeout, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<NutErrorException>(() => client.ListVarAsync("nosuch", CancellationToken.None));
        Assert.Equal("UNKNOWN-UPS", ex.Code);
        var vars = await client.ListVarAsync("sim", CancellationToken.None);
        Assert.Equal("97", vars["battery.charge"]);
    }

    [PeerFact("/lib/nut/upsd", "/lib/nut/dummy-ups", "upsc")]
    public async Task Username_and_password_are_sent_before_listing()
    {
        await using var upsd = await UpsdFixture.StartAsync(Dev, "monuser", "s3cret word");
        await using var good = new NutClient("127.0.0.1", upsd.Port, "monuser", "s3cret word", Timeout, TimeProvider.System);
        Assert.Equal("97", (await good.ListVarAsync("sim", CancellationToken.None))["battery.charge"]);
    }

    [PeerFact("/lib/nut/upsd", "/lib/nut/dummy-ups", "upsc")]
    public async Task Dead_upsd_gives_a_connection_error_not_a_hang()
    {
        int port;
        await using (var upsd = await UpsdFixture.StartAsync(Dev))
        {
            port = upsd.Port;
        }

        await using var client = new NutClient("127.0.0.1", port, null, null, Timeout, TimeProvider.System);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => client.ListVarAsync("sim", CancellationToken.None));
    }
}

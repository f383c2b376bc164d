using InfluxDB.Client;
using InfluxDB.Client.Core.Exceptions;
using PowerWatch.TestSupport;
using TheirPrecision = InfluxDB.Client.Api.Domain.WritePrecision;

namespace PowerWatch.Influx.Tests;

/// <summary>
/// Issue 17: InfluxDB.Client 5.1 (the design card's client) side by side with our writer against the only real InfluxDB
/// installable here, influxd 1.6: the library writes only to <c>/api/v2/write</c>, which InfluxDB 1.x does not have,
/// so the same line that ours stores through <c>/write</c> is refused with 404. When this fails, InfluxDB.Client gained
/// a 1.x write path (or influxd a v2 one): docs/dependencies.md, "revisit when".
/// </summary>
public sealed class InfluxDbClientPeerTests
{
    private const string Db = "power";
    private const string Line = "ups,site=dc1,device=ups-a battery.charge=97.5 1700000000000000000";

    [PeerFact("influxd")]
    public async Task InfluxDB_Client_write_is_refused_by_InfluxDB_1_with_404_where_ours_stores_the_same_line()
    {
        await using var server = await InfluxDaemon.StartAsync(false, Db);

        using (var theirs = new InfluxDBClient(server.Url, "any-token"))
        {
            var write = theirs.GetWriteApiAsync();
            var e = await Assert.ThrowsAnyAsync<HttpException>(() => write.WriteRecordAsync(Line, TheirPrecision.Ns, Db, "any-org"));
            Assert.Equal(404, e.Status);
        }

        Assert.Equal(0, await server.CountAsync("ups", "battery.charge", Db));

        await using var ours = new InfluxWriter(new InfluxWriterOptions { BaseUrl = server.BaseUrl, Database = Db, Timeout = TimeSpan.FromSeconds(10) });
        var result = await ours.WriteAsync([new Point("ups").Tag("site", "dc1").Tag("device", "ups-a").Field("battery.charge", 97.5).Timestamp(1_700_000_000_000_000_000)], CancellationToken.None);
        Assert.True(result.Outcome == WriteOutcome.Accepted, result.Error);
        Assert.Equal(1, await server.CountAsync("ups", "battery.charge", Db));
    }
}

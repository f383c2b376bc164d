using PowerWatch.TestSupport;

namespace PowerWatch.Snmp.Tests;

/// <summary>
/// Issue 16: a planted community, authentication and privacy password never appear in the options' text, a
/// validation error or the exception of a failed exchange (the snmpd peer tests check the wrong-password paths of a
/// real agent the same way).
/// </summary>
public sealed class PlantedSecretTests
{
    private static readonly string Planted = "Plnt" + Guid.NewGuid().ToString("N");

    private static SnmpClientOptions V3(Action<SnmpClientOptions>? change = null)
    {
        var o = new SnmpClientOptions
        {
            Version = SnmpVersion.V3, User = "pw", AuthProtocol = SnmpAuthProtocol.Sha256, AuthPassword = Planted + "-auth",
            PrivProtocol = SnmpPrivProtocol.Aes, PrivPassword = Planted + "-priv", Community = Planted + "-community",
        };
        change?.Invoke(o);
        return o;
    }

    [Fact]
    public void Options_text_and_every_validation_error_leave_the_planted_secrets_out()
    {
        var texts = new List<string> { V3().ToString(), V3(o => o.Version = SnmpVersion.V2c).ToString() };
        Action<SnmpClientOptions>[] breaks =
        [
            o => o.AuthPassword = Planted[..5],
            o => o.PrivPassword = Planted[..5],
            o => o.User = "",
            o => o.ContextName = new string('c', 40),
            o => o.AuthProtocol = SnmpAuthProtocol.None,
            o => { o.Version = SnmpVersion.V2c; o.Community = Planted + new string('x', 300); },
        ];
        foreach (var change in breaks)
        {
            texts.Add(Assert.ThrowsAny<ArgumentException>(() => V3(change).Validate()).ToString());
        }

        Assert.All(texts, t => Assert.DoesNotContain(Planted, t, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_timed_out_exchange_with_a_planted_community_does_not_quote_it()
    {
        var clock = new ManualTimeProvider();
        await using var agent = new FakeAgent();
        var options = V3(o => o.Version = SnmpVersion.V2c);
        options.Timeout = TimeSpan.FromSeconds(3);
        options.Retries = 0;
        options.TimeProvider = clock;
        await using var client = new SnmpClient(agent.EndPoint, options);
        var get = client.GetAsync(Oid.Parse("1.3.6.1.2.1.1.1.0"));
        await Poll.UntilAsync(() => agent.RequestCount >= 1 && clock.HasTimerDueIn(TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(20), () => "the request and its timer");
        clock.Advance(TimeSpan.FromSeconds(3));
        var e = await Assert.ThrowsAsync<SnmpTimeoutException>(() => get.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.DoesNotContain(Planted, e.ToString(), StringComparison.Ordinal);
    }
}

using PowerWatch.TestSupport;

namespace PowerWatch.Snmp.Tests;

/// <summary>Our client against a real net-snmp snmpd, checked against net-snmp's own snmpwalk/snmpget of the same agent.</summary>
public sealed class SnmpdTests
{
    private static readonly Oid SysDescr = Oid.Parse("1.3.6.1.2.1.1.1.0");
    private static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3.0");
    private static readonly Oid SystemGroup = Oid.Parse("1.3.6.1.2.1.1");

    /// <summary>Types whose values can change between two walks (time and traffic); only their type is compared.</summary>
    private static readonly HashSet<string> Volatile = ["Timeticks", "Counter32", "Counter64"];

    private static string TypeName(SnmpValue value) => value.Type switch
    {
        SnmpType.Integer32 => "INTEGER",
        SnmpType.OctetString => value.AsBytes().IsEmpty ? "" : "STRING",
        SnmpType.ObjectIdentifier => "OID",
        SnmpType.TimeTicks => "Timeticks",
        SnmpType.IpAddress => "IpAddress",
        _ => value.Type.ToString(),
    };

    /// <summary>Our walk equals snmpwalk's: the same OIDs in the same order, the same types, and the same stable values.</summary>
    private static void AssertSameWalk(IReadOnlyList<SnmpVariable> ours, List<(Oid Oid, string Type, string Value)> theirs)
    {
        Assert.True(ours.Count > 0);
        Assert.Equal(theirs.Select(t => t.Oid.ToString()), ours.Select(o => o.Oid.ToString()));
        for (var i = 0; i < ours.Count; i++)
        {
            var (oid, type, text) = theirs[i];
            var value = ours[i].Value;
            var expectedType = type == "Hex-STRING" ? "STRING" : type;
            Assert.True(expectedType == TypeName(value), $"{oid}: snmpwalk says {type} {text}, we read {value}");
            if (Volatile.Contains(type))
            {
                continue;
            }

            var ourText = value.Type switch
            {
                SnmpType.Integer32 => value.AsInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                SnmpType.Gauge32 => value.AsUInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                SnmpType.ObjectIdentifier => "." + value.AsOid(),
                SnmpType.IpAddress => value.AsIpAddress().ToString(),
                SnmpType.OctetString when type == "Hex-STRING" => string.Join(' ', value.AsBytes().ToArray().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))),
                SnmpType.OctetString => "\"" + value.AsString() + "\"",
                _ => text,
            };
            Assert.True(ourText == text.Trim(), $"{oid}: snmpwalk says {text}, we read {ourText}");
        }
    }

    [PeerFact("snmpd", "snmpget")]
    public async Task V2c_get_reads_sysDescr_and_sysUpTime()
    {
        await using var snmpd = await Snmpd.StartAsync();
        await using var client = new SnmpClient(snmpd.EndPoint, snmpd.V2c());
        var values = await client.GetAsync([SysDescr, SysUpTime]);
        Assert.Equal(Snmpd.Description, values[0].Value.AsString());
        Assert.Equal(SnmpType.TimeTicks, values[1].Value.Type);

        var theirs = await snmpd.RunToolAsync("snmpget", "-v2c", "-c", "public", "-On", snmpd.Address, SysDescr.ToString());
        Assert.Contains($".1.3.6.1.2.1.1.1.0 = STRING: \"{Snmpd.Description}\"", theirs);
    }

    [PeerTheory("snmpd", "snmpwalk")]
    [InlineData(SnmpVersion.V2c, "1.3.6.1.2.1.1")]
    [InlineData(SnmpVersion.V2c, "1.3.6.1.2.1.2")]
    [InlineData(SnmpVersion.V1, "1.3.6.1.2.1.1")]
    public async Task Walk_equals_snmpwalk_of_the_same_agent(SnmpVersion version, string root)
    {
        await using var snmpd = await Snmpd.StartAsync();
        var options = snmpd.V2c();
        options.Version = version;
        await using var client = new SnmpClient(snmpd.EndPoint, options);
        var ours = await client.WalkToListAsync(Oid.Parse(root));
        var theirs = Snmpd.ParseWalk(await snmpd.RunToolAsync("snmpwalk", version == SnmpVersion.V1 ? "-v1" : "-v2c", "-c", "public", "-On", snmpd.Address, root));
        AssertSameWalk(ours, theirs);
    }

    [PeerTheory("snmpd", "snmpwalk")]
    [InlineData("pwuser", SnmpAuthProtocol.Sha, SnmpPrivProtocol.Aes, "SHA")]
    [InlineData("pwuser256", SnmpAuthProtocol.Sha256, SnmpPrivProtocol.Aes, "SHA-256")]
    [InlineData("pwauth", SnmpAuthProtocol.Sha, SnmpPrivProtocol.None, "SHA")]
    [InlineData("pwnoauth", SnmpAuthProtocol.None, SnmpPrivProtocol.None, "")]
    public async Task V3_get_and_walk_work_at_each_security_level(string user, SnmpAuthProtocol auth, SnmpPrivProtocol priv, string netSnmpAuth)
    {
        await using var snmpd = await Snmpd.StartAsync();
        await using var client = new SnmpClient(snmpd.EndPoint, snmpd.V3(user, auth, priv));
        Assert.Equal(Snmpd.Description, (await client.GetAsync(SysDescr)).Value.AsString());
        Assert.NotNull(client.EngineId);

        var ours = await client.WalkToListAsync(SystemGroup);
        string[] security = auth == SnmpAuthProtocol.None
            ? ["-l", "noAuthNoPriv", "-u", user]
            : priv == SnmpPrivProtocol.None
                ? ["-l", "authNoPriv", "-u", user, "-a", netSnmpAuth, "-A", Snmpd.AuthPassword]
                : ["-l", "authPriv", "-u", user, "-a", netSnmpAuth, "-A", Snmpd.AuthPassword, "-x", "AES", "-X", Snmpd.PrivPassword];
        var theirs = Snmpd.ParseWalk(await snmpd.RunToolAsync("snmpwalk", ["-v3", .. security, "-On", snmpd.Address, SystemGroup.ToString()]));
        AssertSameWalk(ours, theirs);
        Assert.Equal(0, client.Statistics.RejectedReplies);
    }

    [PeerFact("snmpd")]
    public async Task V3_client_follows_an_agent_restarted_with_a_new_engine_id_through_its_unknownEngineID_report()
    {
        await using var snmpd = await Snmpd.StartAsync();
        await using var client = new SnmpClient(snmpd.EndPoint, snmpd.V3("pwuser", SnmpAuthProtocol.Sha, SnmpPrivProtocol.Aes));
        Assert.Equal(Snmpd.Description, (await client.GetAsync(SysDescr)).Value.AsString());
        var engine = client.EngineId;

        // snmpd started with -C reads no persistent state, so it comes back with a new engine id (a replaced card).
        await snmpd.RestartAsync();
        Assert.Equal(Snmpd.Description, (await client.GetAsync(SysDescr)).Value.AsString());
        Assert.NotEqual(engine, client.EngineId);
        Assert.Equal(0, client.Statistics.Timeouts);
    }

    [PeerFact("snmpd")]
    public async Task V3_client_resynchronises_its_engine_time_through_the_agents_notInTimeWindow_report()
    {
        await using var snmpd = await Snmpd.StartAsync();
        var clock = new ManualTimeProvider();
        var options = snmpd.V3("pwuser256", SnmpAuthProtocol.Sha256, SnmpPrivProtocol.Aes);
        options.TimeProvider = clock;
        await using var client = new SnmpClient(snmpd.EndPoint, options);
        Assert.Equal(Snmpd.Description, (await client.GetAsync(SysDescr).WaitAsync(Snmpd.Patience)).Value.AsString());

        // Our estimate of the agent's clock jumps 1000 s ahead of it (our host's clock leapt): far outside the 150 s
        // window (RFC 3414 §3.2 7a). The agent answers with an authenticated usmStatsNotInTimeWindows report.
        clock.Advance(TimeSpan.FromSeconds(1000));
        SnmpVariable value;
        try
        {
            value = await client.GetAsync(SysDescr).WaitAsync(Snmpd.Patience);
        }
        catch (TimeoutException)
        {
            var s = client.Statistics;
            throw new Xunit.Sdk.XunitException($"no answer: rejected {s.RejectedReplies}, stray {s.StrayReplies}, malformed {s.MalformedReplies}; snmpd: {snmpd.Output[^Math.Min(2000, snmpd.Output.Length)..]}");
        }

        Assert.Equal(Snmpd.Description, value.Value.AsString());
        Assert.Equal(0, client.Statistics.Timeouts);

        // The agent's own counter shows the report was sent (usmStatsNotInTimeWindows.0, RFC 3414 §5).
        await using var v2c = new SnmpClient(snmpd.EndPoint, snmpd.V2c());
        Assert.Equal(1u, (await v2c.GetAsync(Oid.Parse("1.3.6.1.6.3.15.1.1.2.0"))).Value.AsUInt32());
    }

    [PeerFact("snmpd")]
    public async Task Wrong_community_is_reported_as_a_timeout()
    {
        await using var snmpd = await Snmpd.StartAsync();
        var options = snmpd.V2c("not-the-community");
        options.Timeout = TimeSpan.FromMilliseconds(300);
        options.Retries = 1;
        await using var client = new SnmpClient(snmpd.EndPoint, options);
        var e = await Assert.ThrowsAsync<SnmpTimeoutException>(() => client.GetAsync(SysDescr));
        Assert.Equal(2, e.Attempts);
        Assert.Contains("wrong community", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-community", e.Message, StringComparison.Ordinal);
    }

    [PeerFact("snmpd")]
    public async Task Wrong_v3_password_is_an_authentication_error_from_usmStatsWrongDigests()
    {
        await using var snmpd = await Snmpd.StartAsync();
        await using var client = new SnmpClient(snmpd.EndPoint, snmpd.V3("pwuser", SnmpAuthProtocol.Sha, SnmpPrivProtocol.Aes, authPassword: "wrongpass123"));
        var e = await Assert.ThrowsAsync<SnmpAuthenticationException>(() => client.GetAsync(SysDescr));
        Assert.Equal(Oid.Parse("1.3.6.1.6.3.15.1.1.5.0"), e.ReportOid);
        Assert.Contains("wrong authentication password", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrongpass123", e.Message, StringComparison.Ordinal);
    }

    [PeerFact("snmpd")]
    public async Task Unknown_v3_user_is_an_authentication_error_from_usmStatsUnknownUserNames()
    {
        await using var snmpd = await Snmpd.StartAsync();
        await using var client = new SnmpClient(snmpd.EndPoint, snmpd.V3("nobody", SnmpAuthProtocol.Sha, SnmpPrivProtocol.Aes));
        var e = await Assert.ThrowsAsync<SnmpAuthenticationException>(() => client.GetAsync(SysDescr));
        Assert.Equal(Oid.Parse("1.3.6.1.6.3.15.1.1.3.0"), e.ReportOid);
    }

    [PeerFact("snmpd")]
    public async Task Wrong_privacy_password_is_a_timeout_that_names_it_because_snmpd_drops_what_it_cannot_decrypt()
    {
        // snmpget -X wrongpriv123 against the same snmpd also ends in "Timeout: No Response".
        await using var snmpd = await Snmpd.StartAsync();
        var options = snmpd.V3("pwuser", SnmpAuthProtocol.Sha, SnmpPrivProtocol.Aes, privPassword: "wrongpriv123");
        options.Timeout = TimeSpan.FromMilliseconds(500);
        options.Retries = 1;
        await using var client = new SnmpClient(snmpd.EndPoint, options);
        var e = await Assert.ThrowsAsync<SnmpTimeoutException>(() => client.GetAsync(SysDescr));
        Assert.Contains("privacy password", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrongpriv123", e.Message, StringComparison.Ordinal);
    }

    [PeerFact("snmpd")]
    public async Task NoSuchObject_noSuchInstance_and_endOfMibView_come_back_as_values()
    {
        await using var snmpd = await Snmpd.StartAsync();
        await using var client = new SnmpClient(snmpd.EndPoint, snmpd.V2c());
        var values = await client.GetAsync([Oid.Parse("1.3.6.1.2.1.1.99.0"), Oid.Parse("1.3.6.1.2.1.1.1.1")]);
        Assert.Equal(SnmpType.NoSuchObject, values[0].Value.Type);
        Assert.Equal(SnmpType.NoSuchInstance, values[1].Value.Type);
        var next = await client.GetNextAsync([Oid.Parse("1.3.6.1.6.3.99")]);
        Assert.Equal(SnmpType.EndOfMibView, Assert.Single(next).Value.Type);
        Assert.Empty(await client.WalkToListAsync(Oid.Parse("1.3.6.1.6.3.99")));
    }

    [PeerFact("snmpd")]
    public async Task V1_get_of_a_missing_object_returns_it_as_noSuchObject_and_the_others_as_read()
    {
        await using var snmpd = await Snmpd.StartAsync();
        var options = snmpd.V2c();
        options.Version = SnmpVersion.V1;
        await using var client = new SnmpClient(snmpd.EndPoint, options);
        var values = await client.GetAsync([SysDescr, Oid.Parse("1.3.6.1.2.1.1.99.0")]);
        Assert.Equal(Snmpd.Description, values[0].Value.AsString());
        Assert.Equal(SnmpType.NoSuchObject, values[1].Value.Type);
        Assert.Equal(2, client.Statistics.Requests);
    }
}

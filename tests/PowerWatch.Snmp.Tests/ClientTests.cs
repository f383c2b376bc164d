using PowerWatch.TestSupport;

namespace PowerWatch.Snmp.Tests;

/// <summary>The client against a hand-written loopback agent: matching, retries under fake time, errors, walks.</summary>
public sealed class ClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly Oid SysDescr = Oid.Parse("1.3.6.1.2.1.1.1.0");
    private static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3.0");
    private static readonly Oid IfDescr = Oid.Parse("1.3.6.1.2.1.2.2.1.2");

    private static FakeAgent Agent()
    {
        var agent = new FakeAgent();
        agent.Mib[SysDescr] = SnmpValue.OctetString("fake agent");
        agent.Mib[Oid.Parse("1.3.6.1.2.1.1.2.0")] = SnmpValue.ObjectIdentifier(Oid.Parse("1.3.6.1.4.1.318"));
        agent.Mib[SysUpTime] = SnmpValue.TimeTicks(4711);
        for (uint i = 1; i <= 25; i++)
        {
            agent.Mib[IfDescr.Append(i)] = SnmpValue.OctetString($"eth{i}");
            agent.Mib[Oid.Parse("1.3.6.1.2.1.2.2.1.10").Append(i)] = SnmpValue.Counter32(i * 1000);
        }

        agent.Mib[Oid.Parse("1.3.6.1.2.1.4.1.0")] = SnmpValue.Integer32(2);
        return agent;
    }

    private static SnmpClient Client(FakeAgent agent, SnmpVersion version = SnmpVersion.V2c, TimeProvider? clock = null, string community = "public", int retries = 2) =>
        new(agent.EndPoint, new SnmpClientOptions
        {
            Version = version,
            Community = community,
            Timeout = clock is null ? Patience : TimeSpan.FromSeconds(3),
            Retries = retries,
            MaxRepetitions = 7,
            TimeProvider = clock ?? TimeProvider.System,
        });

    private static Task WaitForRequestsAsync(FakeAgent agent, int count) =>
        Poll.UntilAsync(() => agent.RequestCount >= count, Patience, () => $"{count} request(s) at the fake agent (saw {agent.RequestCount})");

    [Fact]
    public async Task Get_of_a_list_returns_the_values_in_order_with_absent_ones_as_exceptions()
    {
        await using var agent = Agent();
        await using var client = Client(agent);
        var result = await client.GetAsync([SysDescr, SysUpTime, Oid.Parse("1.3.6.1.2.1.1.99.0")]);
        Assert.Equal("fake agent", result[0].Value.AsString());
        Assert.Equal(4711u, result[1].Value.AsUInt32());
        Assert.Equal(SnmpType.NoSuchObject, result[2].Value.Type);
    }

    [Fact]
    public async Task Replies_with_another_request_id_garbage_and_oversized_datagrams_are_ignored()
    {
        await using var agent = Agent();
        agent.Script = (request, _) =>
        [
            FakeAgent.Encode(SnmpVersion.V2c, new SnmpPdu(SnmpPduType.Response, request.Pdu.RequestId + 1000, [new(SysDescr, SnmpValue.OctetString("stray"))])),
            [0x30, 0x03, 0x02, 0x01],
            new byte[2000],
            agent.Answer(request),
        ];
        await using var client = new SnmpClient(agent.EndPoint, new SnmpClientOptions { Timeout = Patience, MaxResponseSize = 1000 });
        var result = await client.GetAsync(SysDescr);
        Assert.Equal("fake agent", result.Value.AsString());
        Assert.Equal(1, client.Statistics.StrayReplies);
        Assert.Equal(2, client.Statistics.MalformedReplies);
    }

    [Fact]
    public async Task A_lost_request_is_sent_again_after_the_timeout_with_a_new_request_id()
    {
        var clock = new ManualTimeProvider();
        await using var agent = Agent();
        agent.Script = (_, n) => n == 1 ? [] : null;
        await using var client = Client(agent, clock: clock);
        var get = client.GetAsync(SysDescr);
        await WaitForRequestsAsync(agent, 1);
        Assert.False(get.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(3));
        var result = await get.WaitAsync(Patience);
        Assert.Equal("fake agent", result.Value.AsString());
        Assert.Equal(1, client.Statistics.Retries);
        Assert.Equal(1, client.Statistics.Timeouts);
        var ids = agent.Requests.Select(r => r.Pdu.RequestId).ToArray();
        Assert.Equal(2, ids.Length);
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task A_late_reply_to_the_first_attempt_still_answers_the_request()
    {
        var clock = new ManualTimeProvider();
        await using var agent = Agent();
        SnmpCommunityMessage? first = null;
        agent.Script = (request, n) =>
        {
            if (n == 1)
            {
                first = request;
                return [];
            }

            return [agent.Answer(first!)]; // answers attempt 1 (its id) when attempt 2 arrives
        };
        await using var client = Client(agent, clock: clock);
        var get = client.GetAsync(SysDescr);
        await WaitForRequestsAsync(agent, 1);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("fake agent", (await get.WaitAsync(Patience)).Value.AsString());
        Assert.Equal(0, client.Statistics.StrayReplies);
    }

    [Fact]
    public async Task No_answer_at_all_is_a_timeout_after_every_retry_that_names_the_community_as_a_cause()
    {
        var clock = new ManualTimeProvider();
        await using var agent = Agent();
        await using var client = Client(agent, clock: clock, community: "Zq9-not-theirs", retries: 2);
        var get = client.GetAsync(SysDescr);
        for (var n = 1; n <= 3; n++)
        {
            await WaitForRequestsAsync(agent, n);
            await Poll.UntilAsync(() => clock.HasTimerDueIn(TimeSpan.FromSeconds(3)), Patience, () => "the attempt's timer");
            clock.Advance(TimeSpan.FromSeconds(3));
        }

        var e = await Assert.ThrowsAsync<SnmpTimeoutException>(() => get.WaitAsync(Patience));
        Assert.Equal(3, e.Attempts);
        Assert.Contains("community", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Zq9", e.Message, StringComparison.Ordinal); // the community is a secret
        Assert.Equal(3, client.Statistics.Timeouts);
    }

    [Fact]
    public async Task A_reply_to_an_earlier_timed_out_request_is_ignored_by_the_next_request()
    {
        var clock = new ManualTimeProvider();
        await using var agent = Agent();
        SnmpCommunityMessage? old = null;
        agent.Script = (request, n) =>
        {
            if (n == 1)
            {
                old = request;
                return [];
            }

            return [agent.Answer(old!), agent.Answer(request)];
        };
        await using var client = Client(agent, clock: clock, retries: 0);
        var first = client.GetAsync(SysDescr);
        await WaitForRequestsAsync(agent, 1);
        clock.Advance(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAsync<SnmpTimeoutException>(() => first.WaitAsync(Patience));

        var second = await client.GetAsync(SysUpTime).WaitAsync(Patience);
        Assert.Equal(4711u, second.Value.AsUInt32());
        Assert.Equal(1, client.Statistics.StrayReplies);
    }

    [Fact]
    public async Task An_error_status_is_thrown_with_its_index_and_the_oid_it_names()
    {
        await using var agent = Agent();
        agent.Script = (request, _) =>
            [FakeAgent.Encode(SnmpVersion.V2c, new SnmpPdu(SnmpPduType.Response, request.Pdu.RequestId, request.Pdu.Variables, (int)SnmpErrorStatus.GenErr, 2))];
        await using var client = Client(agent);
        var e = await Assert.ThrowsAsync<SnmpErrorStatusException>(() => client.GetAsync([SysDescr, SysUpTime]));
        Assert.Equal(SnmpErrorStatus.GenErr, e.ErrorStatus);
        Assert.Equal(2, e.ErrorIndex);
        Assert.Equal(SysUpTime, e.Oid);
        Assert.Contains("index 2 (1.3.6.1.2.1.1.3.0)", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, agent.RequestCount); // never retried
    }

    [Fact]
    public async Task V1_get_with_missing_variables_returns_them_as_noSuchObject_after_asking_again_without_them()
    {
        await using var agent = Agent();
        await using var client = Client(agent, SnmpVersion.V1);
        var missingA = Oid.Parse("1.3.6.1.2.1.1.99.0");
        var missingB = Oid.Parse("1.3.6.1.2.1.1.98.0");
        var result = await client.GetAsync([missingA, SysDescr, missingB, SysUpTime]);
        Assert.Equal([missingA, SysDescr, missingB, SysUpTime], result.Select(r => r.Oid));
        Assert.Equal(SnmpType.NoSuchObject, result[0].Value.Type);
        Assert.Equal("fake agent", result[1].Value.AsString());
        Assert.Equal(SnmpType.NoSuchObject, result[2].Value.Type);
        Assert.Equal(4711u, result[3].Value.AsUInt32());
        Assert.Equal(3, agent.RequestCount);
    }

    [Fact]
    public async Task Get_of_a_list_too_big_for_the_agent_is_split_in_halves()
    {
        await using var agent = Agent();
        agent.Script = (request, _) => request.Pdu.Variables.Count > 2
            ? [FakeAgent.Encode(SnmpVersion.V2c, new SnmpPdu(SnmpPduType.Response, request.Pdu.RequestId, request.Pdu.Variables, (int)SnmpErrorStatus.TooBig, 0))]
            : null;
        await using var client = Client(agent);
        var oids = Enumerable.Range(1, 5).Select(i => IfDescr.Append((uint)i)).ToArray();
        var result = await client.GetAsync(oids);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"eth{i}"), result.Select(r => r.Value.AsString()));
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_a_timeout()
    {
        await using var agent = Agent();
        agent.Script = (_, _) => [];
        await using var client = Client(agent);
        using var cts = new CancellationTokenSource();
        var get = client.GetAsync(SysDescr, cts.Token);
        await WaitForRequestsAsync(agent, 1);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get);
        Assert.Equal(0, client.Statistics.Timeouts);
    }

    [Theory]
    [InlineData(SnmpVersion.V2c)]
    [InlineData(SnmpVersion.V1)]
    public async Task Walk_of_a_table_column_returns_exactly_its_rows_in_order(SnmpVersion version)
    {
        await using var agent = Agent();
        await using var client = Client(agent, version);
        var rows = await client.WalkToListAsync(IfDescr);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => $"eth{i}"), rows.Select(r => r.Value.AsString()));
        Assert.All(rows, r => Assert.True(r.Oid.IsChildOf(IfDescr)));
        var types = agent.Requests.Select(r => r.Pdu.Type).Distinct().ToArray();
        Assert.Equal(version == SnmpVersion.V1 ? SnmpPduType.GetNextRequest : SnmpPduType.GetBulkRequest, Assert.Single(types));
        if (version == SnmpVersion.V2c)
        {
            Assert.Equal(4, agent.RequestCount); // 25 rows, 7 per GETBULK: 7+7+7+(4 and then out of the column)
        }
    }

    [Theory]
    [InlineData(SnmpVersion.V2c)]
    [InlineData(SnmpVersion.V1)]
    public async Task Walk_past_the_last_object_ends_at_endOfMibView_or_noSuchName(SnmpVersion version)
    {
        await using var agent = Agent();
        await using var client = Client(agent, version);
        var rows = await client.WalkToListAsync(Oid.Parse("1.3.6.1.2.1.4"));
        Assert.Equal(2, Assert.Single(rows).Value.AsInt32());
        Assert.Empty(await client.WalkToListAsync(Oid.Parse("1.3.6.1.2.1.99")));
    }

    [Fact]
    public async Task Walk_stops_with_an_error_when_the_agent_returns_an_oid_that_does_not_increase()
    {
        await using var agent = Agent();
        agent.Script = (request, _) =>
        [
            FakeAgent.Encode(SnmpVersion.V2c, new SnmpPdu(SnmpPduType.Response, request.Pdu.RequestId,
                [new(IfDescr.Append(2), SnmpValue.OctetString("b")), new(IfDescr.Append(1), SnmpValue.OctetString("a"))])),
        ];
        await using var client = Client(agent);
        var e = await Assert.ThrowsAsync<SnmpProtocolException>(() => client.WalkToListAsync(IfDescr));
        Assert.Contains("must increase", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, agent.RequestCount);
    }

    [Fact]
    public async Task Walk_halves_max_repetitions_after_tooBig()
    {
        await using var agent = Agent();
        agent.Script = (request, _) => request.Pdu.MaxRepetitions > 3
            ? [FakeAgent.Encode(SnmpVersion.V2c, new SnmpPdu(SnmpPduType.Response, request.Pdu.RequestId, request.Pdu.Variables, (int)SnmpErrorStatus.TooBig, 0))]
            : null;
        await using var client = Client(agent);
        Assert.Equal(25, (await client.WalkToListAsync(IfDescr)).Count);
        Assert.Equal([7, 3], agent.Requests.Select(r => r.Pdu.MaxRepetitions).Distinct());
    }

    [Fact]
    public async Task Disposing_a_client_ends_the_request_in_flight()
    {
        await using var agent = Agent();
        agent.Script = (_, _) => [];
        var client = Client(agent, clock: new ManualTimeProvider());
        var get = client.GetAsync(SysDescr);
        await WaitForRequestsAsync(agent, 1);
        await client.DisposeAsync().AsTask().WaitAsync(Patience);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => get.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_disposed_client_refuses_requests()
    {
        await using var agent = Agent();
        var client = Client(agent);
        await client.GetAsync(SysDescr);
        await client.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetAsync(SysDescr));
    }
}

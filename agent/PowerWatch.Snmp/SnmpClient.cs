using System.Net;
using System.Runtime.CompilerServices;

namespace PowerWatch.Snmp;

/// <summary>Counters of one client (read them any time; they only grow).</summary>
public sealed class SnmpClientStatistics
{
    private long _requests;
    private long _retries;
    private long _timeouts;
    private long _strayReplies;
    private long _malformedReplies;
    private long _rejectedReplies;

    /// <summary>Requests started (a walk counts one per GETNEXT/GETBULK).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Datagrams sent again after an attempt timed out.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Attempts that got no matching reply within the timeout.</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>Well-formed replies that matched no request in flight (late replies to earlier requests, strays): ignored.</summary>
    public long StrayReplies => Interlocked.Read(ref _strayReplies);

    /// <summary>Datagrams that were not a valid message (or larger than <c>MaxResponseSize</c>): ignored.</summary>
    public long MalformedReplies => Interlocked.Read(ref _malformedReplies);

    /// <summary>v3 replies dropped by the USM checks (HMAC, engine id, time window, decryption).</summary>
    public long RejectedReplies => Interlocked.Read(ref _rejectedReplies);

    internal void Request() => Interlocked.Increment(ref _requests);

    internal void Retry() => Interlocked.Increment(ref _retries);

    internal void Timeout() => Interlocked.Increment(ref _timeouts);

    internal void Stray() => Interlocked.Increment(ref _strayReplies);

    internal void Malformed() => Interlocked.Increment(ref _malformedReplies);

    internal void Rejected() => Interlocked.Increment(ref _rejectedReplies);
}

/// <summary>
/// An SNMP manager for one agent over UDP: GET, GETNEXT, GETBULK and walks, v1, v2c and v3 (USM with
/// HMAC-SHA-1-96 / HMAC-SHA-256-192 and AES-128). One request at a time (calls are queued); every request carries a
/// fresh request-id (and v3 msgID) per attempt, and only a reply carrying one of the ids of the request in flight is
/// accepted, so late and stray replies are ignored. Timeouts and retries run on <see cref="SnmpClientOptions.TimeProvider"/>.
/// </summary>
public sealed partial class SnmpClient : IAsyncDisposable
{
    /// <summary>Creates a client for an agent. No I/O happens until the first request.</summary>
    public SnmpClient(EndPoint agent, SnmpClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        Options = options ?? new SnmpClientOptions();
        Options.Validate();
        Agent = agent;
        _buffer = new byte[Options.MaxResponseSize + 1];
        _usm = Options.Version == SnmpVersion.V3 ? new UsmSession(Options) : null;
        _community = System.Text.Encoding.UTF8.GetBytes(Options.Community ?? "");
        _nextId = System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, int.MaxValue / 2);
    }

    /// <summary>Creates a client for <paramref name="host"/>:<paramref name="port"/> (an address or a name resolved at the first request).</summary>
    public SnmpClient(string host, int port = 161, SnmpClientOptions? options = null)
        : this(IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port), options)
    {
    }

    /// <summary>The options in effect (validated).</summary>
    public SnmpClientOptions Options { get; }

    /// <summary>The agent's address.</summary>
    public EndPoint Agent { get; }

    /// <summary>Counters.</summary>
    public SnmpClientStatistics Statistics { get; } = new();

    /// <summary>v3: the agent's snmpEngineID once discovered (hex), else null.</summary>
    public string? EngineId => _usm is { IsDiscovered: true } usm ? Convert.ToHexString(usm.EngineId) : null;

    /// <summary>GET one variable. An absent variable comes back as a noSuchObject/noSuchInstance value.</summary>
    public async Task<SnmpVariable> GetAsync(Oid oid, CancellationToken cancellationToken = default) =>
        (await GetAsync([oid], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// GET a list of variables; the reply lists them in the same order (checked). Absent variables come back as
    /// exception values (<see cref="SnmpValue.IsException"/>) in every version: v1 fails a whole GET with noSuchName
    /// and the index of the missing variable, so the client asks again without it and returns it as noSuchObject. A
    /// tooBig reply splits the list in halves. Any other error-status throws <see cref="SnmpErrorStatusException"/>.
    /// </summary>
    public async Task<IReadOnlyList<SnmpVariable>> GetAsync(IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(oids);
        try
        {
            var reply = await RequestAsync(SnmpPduType.GetRequest, oids, 0, 0, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < oids.Count; i++)
            {
                if (reply[i].Oid != oids[i])
                {
                    throw new SnmpProtocolException($"the reply names {reply[i].Oid} at position {i + 1} where {oids[i]} was asked for");
                }
            }

            return reply;
        }
        catch (SnmpErrorStatusException e) when (e.ErrorStatus == SnmpErrorStatus.TooBig && oids.Count > 1)
        {
            var half = oids.Count / 2;
            var first = await GetAsync([.. oids.Take(half)], cancellationToken).ConfigureAwait(false);
            var second = await GetAsync([.. oids.Skip(half)], cancellationToken).ConfigureAwait(false);
            return [.. first, .. second];
        }
        catch (SnmpErrorStatusException e) when (Options.Version == SnmpVersion.V1 && e.ErrorStatus == SnmpErrorStatus.NoSuchName
                                                  && e.ErrorIndex >= 1 && e.ErrorIndex <= oids.Count)
        {
            var missing = e.ErrorIndex - 1;
            var others = oids.Count == 1
                ? []
                : await GetAsync([.. oids.Where((_, i) => i != missing)], cancellationToken).ConfigureAwait(false);
            var result = new List<SnmpVariable>(others);
            result.Insert(missing, new SnmpVariable(oids[missing], SnmpValue.NoSuchObject));
            return result;
        }
    }

    /// <summary>GETNEXT: for each OID, the variable that follows it (or endOfMibView in v2c/v3).</summary>
    public Task<IReadOnlyList<SnmpVariable>> GetNextAsync(IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
        RequestAsync(SnmpPduType.GetNextRequest, oids, 0, 0, cancellationToken);

    /// <summary>
    /// GETBULK (v2c/v3 only): the first <paramref name="nonRepeaters"/> OIDs get one successor each, the others up to
    /// <paramref name="maxRepetitions"/> successors, interleaved as RFC 3416 §4.2.3 lays them out.
    /// </summary>
    public Task<IReadOnlyList<SnmpVariable>> GetBulkAsync(IReadOnlyList<Oid> oids, int nonRepeaters, int maxRepetitions, CancellationToken cancellationToken = default)
    {
        if (Options.Version == SnmpVersion.V1)
        {
            throw new NotSupportedException("GETBULK does not exist in SNMPv1");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(nonRepeaters);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRepetitions);
        return RequestAsync(SnmpPduType.GetBulkRequest, oids, nonRepeaters, maxRepetitions, cancellationToken);
    }

    /// <summary>
    /// Walks the subtree under <paramref name="root"/> in OID order (a table: its entry OID or a column): GETBULK with
    /// <see cref="SnmpClientOptions.MaxRepetitions"/> in v2c/v3, GETNEXT in v1. Stops at the first OID outside the
    /// subtree, at endOfMibView, or (v1) at noSuchName. An agent that returns an OID not after the previous one (a
    /// loop) ends the walk with <see cref="SnmpProtocolException"/>, as does a walk longer than
    /// <see cref="SnmpClientOptions.MaxWalkVariables"/>. A tooBig reply halves max-repetitions and asks again.
    /// </summary>
    public async IAsyncEnumerable<SnmpVariable> WalkAsync(Oid root, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (root.Length < 2)
        {
            throw new ArgumentException("the walk needs a root OID", nameof(root));
        }

        var current = root;
        var count = 0;
        var repetitions = Options.MaxRepetitions;
        while (true)
        {
            IReadOnlyList<SnmpVariable> batch;
            try
            {
                batch = Options.Version == SnmpVersion.V1
                    ? await GetNextAsync([current], cancellationToken).ConfigureAwait(false)
                    : await GetBulkAsync([current], 0, repetitions, cancellationToken).ConfigureAwait(false);
            }
            catch (SnmpErrorStatusException e) when (e.ErrorStatus == SnmpErrorStatus.NoSuchName && Options.Version == SnmpVersion.V1)
            {
                yield break; // v1's end of the MIB view
            }
            catch (SnmpErrorStatusException e) when (e.ErrorStatus == SnmpErrorStatus.TooBig && repetitions > 1)
            {
                repetitions /= 2;
                continue;
            }

            if (batch.Count == 0)
            {
                yield break;
            }

            foreach (var variable in batch)
            {
                if (variable.Value.Type == SnmpType.EndOfMibView || !variable.Oid.IsChildOf(root))
                {
                    yield break;
                }

                if (variable.Oid <= current)
                {
                    throw new SnmpProtocolException($"the agent returned {variable.Oid} after {current}: OIDs must increase (a loop in the agent)");
                }

                if (++count > Options.MaxWalkVariables)
                {
                    throw new SnmpProtocolException($"the walk of {root} returned more than {Options.MaxWalkVariables} variables (MaxWalkVariables)");
                }

                current = variable.Oid;
                yield return variable;
            }
        }
    }

    /// <summary>Walks a subtree into a list (see <see cref="WalkAsync"/>).</summary>
    public async Task<IReadOnlyList<SnmpVariable>> WalkToListAsync(Oid root, CancellationToken cancellationToken = default)
    {
        var list = new List<SnmpVariable>();
        await foreach (var v in WalkAsync(root, cancellationToken).ConfigureAwait(false))
        {
            list.Add(v);
        }

        return list;
    }

    /// <summary>Agent and options, never secrets.</summary>
    public override string ToString() => $"SnmpClient {Agent} ({Options})";
}

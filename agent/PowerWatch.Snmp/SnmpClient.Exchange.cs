using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PowerWatch.Snmp;

/// <summary>The request/reply exchange: ids, sending, matching, timeouts and retries, v3 reports.</summary>
public sealed partial class SnmpClient
{
    /// <summary>usmStats (RFC 3414 §5): the counters a Report PDU names.</summary>
    private static readonly Oid UsmStats = new(1, 3, 6, 1, 6, 3, 15, 1, 1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private readonly byte[] _buffer;
    private readonly UsmSession? _usm;
    private readonly byte[] _community;
    private readonly List<int> _ids = [];
    private Socket? _socket;
    private int _nextId;
    private bool _disposed;

    private enum Outcome
    {
        Ignore,
        Reply,
        Resend,
    }

    /// <summary>Cancels the request in flight (it ends with <see cref="ObjectDisposedException"/>) and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _disposing.CancelAsync().ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _socket?.Dispose();
            _socket = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IReadOnlyList<SnmpVariable>> RequestAsync(SnmpPduType type, IReadOnlyList<Oid> oids, int nonRepeaters, int maxRepetitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(oids);
        if (oids.Count == 0)
        {
            throw new ArgumentException("at least one OID is needed", nameof(oids));
        }

        var variables = new SnmpVariable[oids.Count];
        for (var i = 0; i < variables.Length; i++)
        {
            variables[i] = oids[i].IsEmpty ? throw new ArgumentException("an empty OID cannot be requested", nameof(oids)) : SnmpVariable.Request(oids[i]);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        using var request = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        try
        {
            return await RequestCoreAsync(type, variables, nonRepeaters, maxRepetitions, request.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(SnmpClient), "the client was disposed while the request was in flight");
        }
    }

    private async Task<IReadOnlyList<SnmpVariable>> RequestCoreAsync(SnmpPduType type, SnmpVariable[] variables, int nonRepeaters, int maxRepetitions, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Statistics.Request();
            var socket = await EnsureSocketAsync(cancellationToken).ConfigureAwait(false);
            if (_usm is { IsDiscovered: false } usm)
            {
                await ExchangeAsync(socket, id => usm.EncodeDiscovery(id, id), discovery: true, cancellationToken).ConfigureAwait(false);
            }

            var reply = await ExchangeAsync(
                socket,
                id => Encode(new SnmpPdu(type, id, variables, nonRepeaters, maxRepetitions), id),
                discovery: false,
                cancellationToken).ConfigureAwait(false);
            if (reply.RawErrorStatus != 0)
            {
                var index = reply.ErrorIndex;
                throw new SnmpErrorStatusException(reply.ErrorStatus, index, index >= 1 && index <= variables.Length ? variables[index - 1].Oid : null);
            }

            if (type is SnmpPduType.GetRequest or SnmpPduType.GetNextRequest && reply.Variables.Count != variables.Length)
            {
                throw new SnmpProtocolException($"the reply has {reply.Variables.Count} variable(s) for {variables.Length} requested");
            }

            return reply.Variables;
        }
        finally
        {
            _gate.Release();
        }
    }

    private byte[] Encode(SnmpPdu pdu, int messageId)
    {
        if (_usm is { } usm)
        {
            return usm.Encode(messageId, pdu);
        }

        var writer = new BerWriter();
        new SnmpCommunityMessage(Options.Version, _community, pdu).WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    private async Task<Socket> EnsureSocketAsync(CancellationToken cancellationToken)
    {
        if (_socket is { } existing)
        {
            return existing;
        }

        var target = Agent;
        if (Agent is DnsEndPoint dns)
        {
            var addresses = await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false);
            var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new SnmpException($"{dns.Host} has no address");
            target = new IPEndPoint(address, dns.Port);
        }

        var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // A connected UDP socket: the kernel delivers only datagrams from the agent's address and port.
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        return socket;
    }

    private int NextId()
    {
        _nextId = _nextId >= int.MaxValue - 1 ? 1 : _nextId + 1;
        return _nextId;
    }

    /// <summary>
    /// Sends a request (built per attempt with a fresh id) and waits for the reply that carries one of this request's
    /// ids, retrying after each timeout. v3 reports that ask for a resend (time window, engine id) are followed at most
    /// twice without using up an attempt.
    /// </summary>
    private async Task<SnmpPdu> ExchangeAsync(Socket socket, Func<int, byte[]> build, bool discovery, CancellationToken cancellationToken)
    {
        _ids.Clear();
        var attempts = 0;
        var resends = 0;
        var refused = false;
        string? lastRejection = null;
        while (attempts <= Options.Retries)
        {
            if (attempts > 0)
            {
                Statistics.Retry();
            }

            attempts++;
            var id = NextId();
            _ids.Add(id);
            var datagram = build(id);

            // The attempt's clock starts before the datagram leaves, so a reply can never beat its own timer.
            using var timeout = new CancellationTokenSource(Options.Timeout, Options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            await socket.SendAsync(datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                int received;
                try
                {
                    received = await socket.ReceiveAsync(_buffer, SocketFlags.None, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Statistics.Timeout();
                    break;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
                {
                    Statistics.Malformed(); // a datagram larger than our buffer (MaxResponseSize + 1)
                    lastRejection = $"a reply larger than MaxResponseSize ({Options.MaxResponseSize} bytes)";
                    continue;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
                {
                    refused = true; // ICMP port unreachable from an earlier datagram; keep waiting out this attempt
                    continue;
                }

                var (outcome, reply, rejection) = Match(_buffer.AsSpan(0, received), discovery);
                if (rejection is not null)
                {
                    lastRejection = rejection;
                }

                if (outcome == Outcome.Reply)
                {
                    return reply!;
                }

                if (outcome == Outcome.Resend)
                {
                    if (++resends > 2)
                    {
                        throw new SnmpAuthenticationException($"the agent kept reporting {rejection}; giving up after {resends - 1} resends", (Oid?)null);
                    }

                    attempts--;
                    break;
                }
            }
        }

        var seconds = Options.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var hint = Options.Version != SnmpVersion.V3
            ? " (an agent drops requests with an unknown community, so a wrong community looks like this)"
            : Options.PrivProtocol != SnmpPrivProtocol.None
                ? " (an agent drops requests it cannot decrypt, so a wrong privacy password looks like this)"
                : "";
        if (refused)
        {
            hint += "; the agent's host answered ICMP port unreachable (nothing listening on that port)";
        }

        if (lastRejection is not null)
        {
            hint += "; replies were dropped: " + lastRejection;
        }

        throw new SnmpTimeoutException($"no reply from {Agent} after {attempts} attempt(s) of {seconds} s{hint}", attempts);
    }

    private (Outcome Outcome, SnmpPdu? Reply, string? Rejection) Match(ReadOnlySpan<byte> datagram, bool discovery)
    {
        if (datagram.Length > Options.MaxResponseSize)
        {
            Statistics.Malformed();
            return (Outcome.Ignore, null, $"a reply larger than MaxResponseSize ({Options.MaxResponseSize} bytes)");
        }

        try
        {
            return _usm is null ? MatchCommunity(datagram) : MatchV3(_usm, datagram, discovery);
        }
        catch (SnmpProtocolException e)
        {
            Statistics.Malformed();
            return (Outcome.Ignore, null, "a malformed reply: " + e.Message);
        }
    }

    private (Outcome, SnmpPdu?, string?) MatchCommunity(ReadOnlySpan<byte> datagram)
    {
        var message = SnmpCommunityMessage.Decode(datagram);
        if (message.Version != Options.Version || message.Pdu.Type != SnmpPduType.Response || !_ids.Contains(message.Pdu.RequestId))
        {
            Statistics.Stray();
            return (Outcome.Ignore, null, null);
        }

        return (Outcome.Reply, message.Pdu, null);
    }

    private (Outcome, SnmpPdu?, string?) MatchV3(UsmSession usm, ReadOnlySpan<byte> datagram, bool discovery)
    {
        var opened = usm.Open(datagram);
        var message = opened.Message;
        if (!_ids.Contains(message.MessageId))
        {
            Statistics.Stray();
            return (Outcome.Ignore, null, null);
        }

        if (opened.Rejected is { } rejected || opened.Scoped is not { } scoped)
        {
            Statistics.Rejected();
            return (Outcome.Ignore, null, opened.Rejected ?? "no scoped PDU");
        }

        var pdu = scoped.Pdu;
        var security = message.Security;
        if (discovery)
        {
            if (security.EngineId.IsEmpty)
            {
                throw new SnmpProtocolException("the agent's discovery report carries no engine id");
            }

            usm.SetEngine(security.EngineId.Span, security.EngineBoots, security.EngineTime);
            return (Outcome.Reply, pdu, null);
        }

        if (pdu.Type == SnmpPduType.Report)
        {
            return HandleReport(usm, message, pdu);
        }

        var level = Options.SecurityFlags;
        if ((message.Flags & (SnmpV3Flags.Auth | SnmpV3Flags.Priv)) != level)
        {
            Statistics.Rejected();
            return (Outcome.Ignore, null, $"a reply at security level {message.Flags & ~SnmpV3Flags.Reportable} where {level} was sent");
        }

        if (pdu.Type != SnmpPduType.Response || !_ids.Contains(pdu.RequestId))
        {
            Statistics.Stray();
            return (Outcome.Ignore, null, null);
        }

        return (Outcome.Reply, pdu, null);
    }

    private (Outcome, SnmpPdu?, string?) HandleReport(UsmSession usm, SnmpV3Message message, SnmpPdu report)
    {
        var counter = report.Variables.Count > 0 ? report.Variables[0].Oid : default;
        var security = message.Security;
        var which = counter.IsChildOf(UsmStats) && counter.Length == UsmStats.Length + 2 ? (int)counter[UsmStats.Length] : 0;
        switch (which)
        {
            case 2: // usmStatsNotInTimeWindows: learn the engine's boots and time, then send again
            case 4: // usmStatsUnknownEngineIDs: the engine changed (or discovery was answered by another); adopt it
                usm.SetEngine(security.EngineId.Span, security.EngineBoots, security.EngineTime);
                return (Outcome.Resend, null, which == 2 ? "usmStatsNotInTimeWindows" : "usmStatsUnknownEngineIDs");
            case 1:
                throw new SnmpAuthenticationException($"the agent does not support security level {Options.SecurityFlags} for user {Options.User} (usmStatsUnsupportedSecLevels)", counter);
            case 3:
                throw new SnmpAuthenticationException($"the agent does not know user {Options.User} (usmStatsUnknownUserNames)", counter);
            case 5:
                throw new SnmpAuthenticationException($"authentication failed for user {Options.User}: wrong authentication password or protocol (usmStatsWrongDigests)", counter);
            case 6:
                throw new SnmpAuthenticationException($"the agent could not decrypt the request of user {Options.User}: wrong privacy password or protocol (usmStatsDecryptionErrors)", counter);
            default:
                throw new SnmpException($"the agent answered with a report: {(counter.IsEmpty ? "no variable" : counter.ToString())}");
        }
    }
}

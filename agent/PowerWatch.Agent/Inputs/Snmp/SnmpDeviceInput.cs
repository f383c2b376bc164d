using System.Net.Sockets;
using PowerWatch.Core;
using PowerWatch.Snmp;

namespace PowerWatch.Agent.Inputs.Snmp;

/// <summary>
/// A device behind an SNMP agent, read through its profile: one GET of every scalar object (then one GET per
/// fallback level for the objects that came back absent) and one walk per table column. Every failure of the
/// agent as a whole becomes an <see cref="SnmpDeviceException"/> whose message says what to check (community,
/// v3 user and passwords, profile); an object the agent does not implement only loses its reading.
/// </summary>
internal sealed class SnmpDeviceInput : IDeviceInput, IPollRequestingInput
{
    private readonly string _device;
    private readonly string _endpoint;
    private readonly SnmpClient _client;
    private readonly SnmpProfileDecoder _decoder;

    public SnmpDeviceInput(string device, string endpoint, SnmpClient client, SnmpProfileDecoder decoder)
    {
        _device = device;
        _endpoint = endpoint;
        _client = client;
        _decoder = decoder;
    }

    public event Action<string>? PollRequested;

    /// <summary>The agent's address, as traps from it arrive (the trap listener matches on it).</summary>
    public System.Net.EndPoint Agent => _client.Agent;

    /// <summary>The client's counters (requests, retries, timeouts, dropped replies).</summary>
    public SnmpClientStatistics Statistics => _client.Statistics;

    /// <summary>Asks the poller to read this device at once (a trap from it said something changed).</summary>
    public void RequestPoll(string reason) => PollRequested?.Invoke(reason);

    public async Task<IReadOnlyList<Reading>> PollAsync(PollRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var data = await ReadAsync(request.IncludeSlow, cancellationToken);
            return _decoder.Decode(data, request.IncludeSlow, request.Timestamp, request.Sequence);
        }
        catch (SnmpTimeoutException ex)
        {
            var hint = _client.Options.Version == SnmpVersion.V3
                ? "check the v3 user, the privacy password and protocol, and that the agent allows this manager"
                : "check the community and that the agent allows this manager's address";
            throw new SnmpDeviceException($"no answer from {_endpoint}; {hint} ({ex.Message})", ex);
        }
        catch (SnmpAuthenticationException ex)
        {
            throw new SnmpDeviceException($"SNMPv3 authentication refused by {_endpoint}: {ex.Message}", ex);
        }
        catch (SnmpErrorStatusException ex)
        {
            throw new SnmpDeviceException($"{_endpoint} answered error-status {ex.ErrorStatus} (index {ex.ErrorIndex}{(ex.Oid is { } oid ? ", " + oid : string.Empty)})", ex);
        }
        catch (SnmpProtocolException ex)
        {
            throw new SnmpDeviceException($"{_endpoint} sent a reply that is not valid SNMP: {ex.Message}", ex);
        }
        catch (SocketException ex)
        {
            throw new SnmpDeviceException($"cannot reach {_endpoint}: {ex.Message}", ex);
        }
    }

    private async Task<SnmpPollData> ReadAsync(bool includeSlow, CancellationToken cancellationToken)
    {
        var data = new SnmpPollData();
        var objects = _decoder.Objects(includeSlow).ToList();
        var requested = 0;
        var answered = 0;
        var pending = objects;
        for (var level = 0; pending.Count > 0; level++)
        {
            var oids = new List<Oid>();
            var next = new List<Core.Profiles.SnmpObjectDefinition>();
            foreach (var o in pending)
            {
                if (_decoder.Instance(o, level) is { } at)
                {
                    oids.Add(at.Oid);
                    next.Add(o);
                }
            }

            if (oids.Count == 0)
            {
                break;
            }

            var distinct = oids.Distinct().Where(o => !data.Scalars.ContainsKey(o)).ToList();
            if (distinct.Count > 0)
            {
                var values = await _client.GetAsync(distinct, cancellationToken);
                foreach (var v in values)
                {
                    data.Scalars[v.Oid] = v.Value;
                    requested++;
                    answered += v.Value.IsException ? 0 : 1;
                }
            }

            pending = [.. next.Where(o => SnmpProfileDecoder.IsAbsent(o, data.Scalars[_decoder.Instance(o, level)!.Value.Oid]))];
        }

        var rows = 0;
        foreach (var table in _decoder.Tables(includeSlow))
        {
            foreach (var column in _decoder.ColumnsToWalk(table, includeSlow))
            {
                if (data.Columns.ContainsKey(column))
                {
                    continue;
                }

                var cells = new List<SnmpVariable>();
                await foreach (var cell in _client.WalkAsync(column, cancellationToken))
                {
                    cells.Add(cell);
                }

                data.Columns[column] = cells;
                rows += cells.Count;
            }
        }

        if (answered == 0 && rows == 0 && (requested > 0 || _decoder.Tables(includeSlow).Any()))
        {
            throw new SnmpDeviceException(
                $"{_endpoint} answers but implements none of the {requested} objects and none of the tables of profile '{_decoder.Profile.Id}' " +
                "(noSuchObject / noSuchInstance / endOfMibView): check the profile, the agent's view (v3 ContextName, access list) or its MIB support");
        }

        return data;
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}

/// <summary>An SNMP device could not be read; the message says what to check and never contains a secret.</summary>
internal sealed class SnmpDeviceException : Exception
{
    public SnmpDeviceException()
    {
    }

    public SnmpDeviceException(string message)
        : base(message)
    {
    }

    public SnmpDeviceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

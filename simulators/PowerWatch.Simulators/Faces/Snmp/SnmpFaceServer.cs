using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PowerWatch.Snmp;

namespace PowerWatch.Simulators.Faces.Snmp;

/// <summary>Where a face's traps go. <see cref="ToString"/> never shows the community.</summary>
/// <param name="EndPoint">The trap receiver (e.g. snmptrapd on 127.0.0.1:PORT).</param>
/// <param name="Version"><see cref="SnmpVersion.V2c"/> (SNMPv2-Trap with <paramref name="Community"/>) or <see cref="SnmpVersion.V3"/> (as <paramref name="User"/>, one of the agent's users).</param>
/// <param name="Community">v2c community.</param>
/// <param name="User">v3 user name.</param>
public sealed record SnmpTrapDestination(IPEndPoint EndPoint, SnmpVersion Version = SnmpVersion.V2c, string Community = "public", string? User = null)
{
    /// <summary>Address, version and user; never the community.</summary>
    public override string ToString() => $"{EndPoint} {(Version == SnmpVersion.V3 ? "v3 user " + User : "v2c")}";
}

/// <summary>Options of an <see cref="SnmpFaceServer"/>.</summary>
public sealed class SnmpFaceServerOptions
{
    /// <summary>UDP port on 127.0.0.1 (0: a free port).</summary>
    public int Port { get; init; }

    /// <summary>v1/v2c communities answered. Secrets.</summary>
    public IReadOnlyList<string> Communities { get; init; } = ["public"];

    /// <summary>v3 users.</summary>
    public IReadOnlyList<SnmpAgentUser> Users { get; init; } = [];

    /// <summary>Trap receivers.</summary>
    public IReadOnlyList<SnmpTrapDestination> TrapDestinations { get; init; } = [];

    /// <summary>Real time: snmpEngineTime (the v3 time window is real seconds, whatever the site's speed).</summary>
    public TimeProvider TransportTime { get; init; } = TimeProvider.System;
}

/// <summary>
/// Serves one <see cref="SnmpFace"/> over UDP on 127.0.0.1 through an <see cref="SnmpAgent"/> (engine id derived from
/// the device id and the vendor's enterprise number, so it is the same at every start), and sends the face's traps
/// to the configured destinations. A datagram that is not a valid request is dropped and counted
/// (<see cref="SnmpAgent.Statistics"/>); nothing a client sends stops the server.
/// </summary>
public sealed class SnmpFaceServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SnmpFaceServerOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _trapsSent;
    private long _trapErrors;
    private long _sendErrors;
    private long _handlerErrors;

    private SnmpFaceServer(SnmpFace face, SnmpFaceServerOptions options, Socket socket)
    {
        Face = face;
        _options = options;
        _socket = socket;
        Agent = new SnmpAgent(new SnmpAgentOptions
        {
            Communities = options.Communities,
            Users = options.Users,
            EngineId = SnmpAgentOptions.EngineIdFor(face.Enterprise, "powerwatch-sim/" + face.DeviceId),
            TimeProvider = options.TransportTime,
        }, face.Snapshot);
        face.Trap += OnTrap;
    }

    /// <summary>The face served.</summary>
    public SnmpFace Face { get; }

    /// <summary>The agent (engine id, counters).</summary>
    public SnmpAgent Agent { get; }

    /// <summary>The bound UDP port.</summary>
    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>Endpoint in the agent's configuration syntax: <c>udp://127.0.0.1:PORT</c>.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"udp://127.0.0.1:{Port}");

    /// <summary>Traps sent (one per destination).</summary>
    public long TrapsSent => Interlocked.Read(ref _trapsSent);

    /// <summary>Traps that could not be sent (socket errors).</summary>
    public long TrapErrors => Interlocked.Read(ref _trapErrors);

    /// <summary>Responses that could not be sent.</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Requests the face failed to render (a bug; the request is dropped).</summary>
    public long HandlerErrors => Interlocked.Read(ref _handlerErrors);

    /// <summary>Binds 127.0.0.1:<see cref="SnmpFaceServerOptions.Port"/> and starts answering.</summary>
    public static Task<SnmpFaceServer> StartAsync(SnmpFace face, SnmpFaceServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, options.Port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var server = new SnmpFaceServer(face, options, socket);
        server._loop = Task.Run(server.ServeAsync, CancellationToken.None);
        return Task.FromResult(server);
    }

    private async Task ServeAsync()
    {
        var buffer = new byte[BerLimits.MaxMessageSize + 1];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // ICMP port unreachable from an earlier reply (Linux reports it on the next receive): keep serving.
                continue;
            }

            // A datagram of 65508 bytes or more is larger than any SNMP message: SnmpAgent drops it as malformed.
            byte[]? reply;
            try
            {
                reply = Agent.Handle(buffer.AsSpan(0, received.ReceivedBytes));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // A face bug must not stop the device: the request goes unanswered and is counted.
                Interlocked.Increment(ref _handlerErrors);
                continue;
            }

            if (reply is null)
            {
                continue;
            }

            try
            {
                await _socket.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref _sendErrors);
            }
        }
    }

    private void OnTrap(object? sender, SnmpFaceTrap trap)
    {
        foreach (var destination in _options.TrapDestinations)
        {
            try
            {
                var bytes = destination.Version == SnmpVersion.V3
                    ? Agent.EncodeTrapV3(destination.User ?? "", trap.UpTime, trap.TrapOid, trap.Variables)
                    : Agent.EncodeTrapV2c(destination.Community, trap.UpTime, trap.TrapOid, trap.Variables);
                _socket.SendTo(bytes, destination.EndPoint);
                Interlocked.Increment(ref _trapsSent);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or ArgumentException)
            {
                Interlocked.Increment(ref _trapErrors);
            }
        }
    }

    /// <summary>Stops answering and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        Face.Trap -= OnTrap;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}

using System.Net.Sockets;

namespace PowerWatch.Modbus;

/// <summary>Which server transport a request arrived on.</summary>
public enum ModbusServerTransport
{
    Tcp,
    Rtu,
    Ascii,
    RtuOverTcp,
}

/// <summary>What a fault injector sees before a reply is sent.</summary>
public sealed record ModbusFaultContext(ModbusServerTransport Transport, byte UnitId, ushort TransactionId, ReadOnlyMemory<byte> RequestPdu, long RequestNumber)
{
    public ModbusFunctionCode FunctionCode => RequestPdu.IsEmpty ? ModbusFunctionCode.None : (ModbusFunctionCode)RequestPdu.Span[0];
}

/// <summary>
/// What to do to one reply. Applied in this order: <see cref="CloseConnection"/> (nothing sent),
/// <see cref="NoReply"/>, <see cref="ExceptionCode"/> (reply becomes <c>fc|0x80, code</c>), <see cref="UnitId"/> and
/// <see cref="TransactionId"/> overrides, <see cref="CorruptChecksum"/> (RTU CRC / ASCII LRC; on Modbus TCP the last PDU byte
/// is flipped), <see cref="TruncateTo"/>, <see cref="Prepend"/>/<see cref="Append"/>, then <see cref="Delay"/> and sending
/// with <see cref="ByteDelay"/> between bytes.
/// </summary>
public sealed record ModbusFault
{
    public TimeSpan Delay { get; init; }

    public bool NoReply { get; init; }

    public bool CorruptChecksum { get; init; }

    /// <summary>Replace the reply with this exception (e.g. 06 server busy). None: keep the reply.</summary>
    public ModbusExceptionCode ExceptionCode { get; init; }

    /// <summary>MBAP transaction id to send instead of the request's.</summary>
    public ushort? TransactionId { get; init; }

    /// <summary>Unit id to send instead of the request's.</summary>
    public byte? UnitId { get; init; }

    /// <summary>Keep only this many bytes of the reply ADU.</summary>
    public int? TruncateTo { get; init; }

    public ReadOnlyMemory<byte> Prepend { get; init; }

    public ReadOnlyMemory<byte> Append { get; init; }

    /// <summary>Drip: pause between bytes of the reply.</summary>
    public TimeSpan ByteDelay { get; init; }

    /// <summary>Close the connection (TCP) or stop serving (stream servers) instead of replying.</summary>
    public bool CloseConnection { get; init; }
}

/// <summary>Decides, per request, whether and how to spoil the reply. Called from server loops; must be thread-safe.</summary>
public interface IModbusFaultInjector
{
    /// <summary>Null (or a default <see cref="ModbusFault"/>) for a normal reply.</summary>
    ModbusFault? Decide(ModbusFaultContext context);
}

/// <summary>A fault injector from a delegate.</summary>
public sealed class DelegateFaultInjector(Func<ModbusFaultContext, ModbusFault?> decide) : IModbusFaultInjector
{
    private readonly Func<ModbusFaultContext, ModbusFault?> _decide = decide ?? throw new ArgumentNullException(nameof(decide));

    public ModbusFault? Decide(ModbusFaultContext context) => _decide(context);
}

/// <summary>Server options.</summary>
public sealed record ModbusServerOptions
{
    public IModbusFaultInjector? FaultInjector { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Silence that ends a frame whose length the function code does not tell (unknown FC) or discards garbage. Null: t3.5 (serial RTU), 50 ms (RTU over TCP).</summary>
    public TimeSpan? InterFrameGap { get; init; }

    /// <summary>Serial: delay each reply by the wire time of the request, t3.5 and the reply, so a pty behaves like a line at the configured baud.</summary>
    public bool EmulateLineTiming { get; init; }

    /// <summary>TCP: connections beyond this are closed on accept.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>
    /// TCP: pause after a failed accept (e.g. the process is out of file descriptors), doubled for each further failure
    /// in a row up to <see cref="AcceptRetryMaxDelay"/>; a successful accept starts again from this.
    /// </summary>
    public TimeSpan AcceptRetryDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>TCP: the longest pause between accept attempts while accepting keeps failing.</summary>
    public TimeSpan AcceptRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The first failed accept of an episode (<see cref="ModbusTcpServer.AcceptFailed"/>): raised once until an accept
/// succeeds again, so a host logs one line however long the listener keeps failing.
/// </summary>
public sealed class ModbusAcceptFailedEventArgs(SocketException exception, TimeSpan retryDelay) : EventArgs
{
    /// <summary>Why accept failed (e.g. <see cref="SocketError.TooManyOpenSockets"/> when out of descriptors).</summary>
    public SocketException Exception { get; } = exception;

    /// <summary>The pause before the next attempt (it grows while the failures continue).</summary>
    public TimeSpan RetryDelay { get; } = retryDelay;
}

/// <summary>Counters of one server.</summary>
public sealed class ModbusServerStatistics
{
    private long _requests;
    private long _replies;
    private long _malformed;
    private long _garbageBytes;
    private long _connections;
    private long _handlerFailures;
    private long _acceptFailures;

    /// <summary>Well-framed requests handed to the handler.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public long Replies => Interlocked.Read(ref _replies);

    /// <summary>Frames dropped (bad CRC/LRC, bad MBAP header, ...).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public long GarbageBytes => Interlocked.Read(ref _garbageBytes);

    /// <summary>TCP connections accepted.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Handler calls that threw (answered with 04).</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>TCP accepts that failed with a <see cref="SocketException"/> (each followed by a back-off pause).</summary>
    public long AcceptFailures => Interlocked.Read(ref _acceptFailures);

    internal long AddRequest() => Interlocked.Increment(ref _requests);

    internal void AddReply() => Interlocked.Increment(ref _replies);

    internal void AddMalformed() => Interlocked.Increment(ref _malformed);

    internal void AddGarbage(long n) => Interlocked.Add(ref _garbageBytes, n);

    internal void AddConnection() => Interlocked.Increment(ref _connections);

    internal void AddHandlerFailure() => Interlocked.Increment(ref _handlerFailures);

    internal void AddAcceptFailure() => Interlocked.Increment(ref _acceptFailures);
}

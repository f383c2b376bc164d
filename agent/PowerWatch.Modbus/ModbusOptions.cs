namespace PowerWatch.Modbus;

/// <summary>Serial parity.</summary>
public enum ModbusParity
{
    None,
    Even,
    Odd,
    Mark,
    Space,
}

/// <summary>Serial stop bits.</summary>
public enum ModbusStopBits
{
    One,
    OnePointFive,
    Two,
}

/// <summary>
/// Serial line settings used for timing only (the bytes move through a <see cref="Stream"/>).
/// t1.5/t3.5 follow SPEC §1.3: up to and including 19200 baud they are 16.5/baud and 38.5/baud seconds
/// (the Serial Line guide's 11-bit character, whatever the actual format); above 19200 they are fixed at
/// 750 µs and 1.75 ms. <see cref="CharacterTime"/> uses the real bits per character (wire time, SPEC §1.6).
/// </summary>
public sealed record ModbusSerialLine
{
    public ModbusSerialLine(int baudRate, int dataBits = 8, ModbusParity parity = ModbusParity.None, ModbusStopBits stopBits = ModbusStopBits.One)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(baudRate, 50);
        ArgumentOutOfRangeException.ThrowIfLessThan(dataBits, 5);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataBits, 8);
        BaudRate = baudRate;
        DataBits = dataBits;
        Parity = parity;
        StopBits = stopBits;
    }

    public int BaudRate { get; }

    public int DataBits { get; }

    public ModbusParity Parity { get; }

    public ModbusStopBits StopBits { get; }

    /// <summary>1 start + data + parity + stop bits.</summary>
    public double BitsPerCharacter =>
        1 + DataBits + (Parity == ModbusParity.None ? 0 : 1) + StopBits switch
        {
            ModbusStopBits.One => 1,
            ModbusStopBits.OnePointFive => 1.5,
            _ => 2,
        };

    /// <summary>Time to send one character on the wire.</summary>
    public TimeSpan CharacterTime => TimeSpan.FromTicks((long)Math.Round(BitsPerCharacter * TimeSpan.TicksPerSecond / BaudRate));

    /// <summary>Maximum silence inside an RTU frame.</summary>
    public TimeSpan T15 => BaudRate > 19200 ? TimeSpan.FromMicroseconds(750) : TimeSpan.FromTicks((long)Math.Round(16.5 * TimeSpan.TicksPerSecond / BaudRate));

    /// <summary>Minimum silence between RTU frames.</summary>
    public TimeSpan T35 => BaudRate > 19200 ? TimeSpan.FromMicroseconds(1750) : TimeSpan.FromTicks((long)Math.Round(38.5 * TimeSpan.TicksPerSecond / BaudRate));

    /// <summary>Time to send <paramref name="bytes"/> characters.</summary>
    public TimeSpan WireTime(int bytes) => TimeSpan.FromTicks((long)Math.Round(bytes * BitsPerCharacter * TimeSpan.TicksPerSecond / BaudRate));
}

/// <summary>Client options. Validate with <see cref="Validate"/> (the constructors of the clients do).</summary>
public sealed record ModbusClientOptions
{
    /// <summary>Time allowed for one attempt (send + complete reply; includes connecting).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Extra attempts after a timeout, a malformed/CRC/LRC/foreign reply or a dropped connection. Never after an exception reply.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>
    /// Pause kept between the end of one exchange and the next request. RTU: also the silence that ends a frame.
    /// Null = t3.5 of the line (RTU); 0 for ASCII, Modbus TCP and RTU over TCP (set it for devices that need a pause between requests).
    /// </summary>
    public TimeSpan? InterFrameGap { get; init; }

    /// <summary>Serial RTU: largest silence inside a frame. Null = t1.5 of the line. USB adapters often need tens of milliseconds. ASCII: null = 1 s.</summary>
    public TimeSpan? InterCharacterTimeout { get; init; }

    /// <summary>Network transports: pause after a connection is opened, before the first request (device workaround).</summary>
    public TimeSpan ConnectDelay { get; init; }

    /// <summary>Serial: wait after a broadcast (unit 0) before the next request (Qt default 100 ms).</summary>
    public TimeSpan TurnaroundDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The only source of time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> naming the key that is out of range.</summary>
    public void Validate()
    {
        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("ModbusClientOptions.Timeout must be positive");
        }

        if (Retries is < 0 or > 100)
        {
            throw new ArgumentException("ModbusClientOptions.Retries must be 0..100");
        }

        if (InterFrameGap is { } g && g < TimeSpan.Zero)
        {
            throw new ArgumentException("ModbusClientOptions.InterFrameGap must not be negative");
        }

        if (InterCharacterTimeout is { } c && c <= TimeSpan.Zero)
        {
            throw new ArgumentException("ModbusClientOptions.InterCharacterTimeout must be positive");
        }

        if (ConnectDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("ModbusClientOptions.ConnectDelay must not be negative");
        }

        if (TurnaroundDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("ModbusClientOptions.TurnaroundDelay must not be negative");
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException("ModbusClientOptions.TimeProvider must be set");
        }
    }
}

/// <summary>Counters of one client (thread-safe snapshots).</summary>
public sealed class ModbusClientStatistics
{
    private long _requests;
    private long _retries;
    private long _timeouts;
    private long _protocolErrors;
    private long _exceptionReplies;
    private long _garbageBytes;
    private long _connects;

    /// <summary>Calls made (not counting retries).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Extra attempts made.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public long Timeouts => Interlocked.Read(ref _timeouts);

    public long ProtocolErrors => Interlocked.Read(ref _protocolErrors);

    public long ExceptionReplies => Interlocked.Read(ref _exceptionReplies);

    /// <summary>Bytes skipped or discarded while looking for a reply.</summary>
    public long GarbageBytes => Interlocked.Read(ref _garbageBytes);

    /// <summary>Successful (re)connections of network transports.</summary>
    public long Connects => Interlocked.Read(ref _connects);

    internal void AddRequest() => Interlocked.Increment(ref _requests);

    internal void AddRetry() => Interlocked.Increment(ref _retries);

    internal void AddTimeout() => Interlocked.Increment(ref _timeouts);

    internal void AddProtocolError() => Interlocked.Increment(ref _protocolErrors);

    internal void AddExceptionReply() => Interlocked.Increment(ref _exceptionReplies);

    internal void AddGarbage(long bytes) => Interlocked.Add(ref _garbageBytes, bytes);

    internal void AddConnect() => Interlocked.Increment(ref _connects);
}

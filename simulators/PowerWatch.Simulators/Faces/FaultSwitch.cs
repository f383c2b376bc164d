using System.Globalization;
using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Faces;

/// <summary>Kinds of transport fault a face can inject (DESIGN.md, Simulators).</summary>
public enum FaultKind
{
    /// <summary>Normal replies.</summary>
    None,

    /// <summary>Each reply is held back for <see cref="FaultSetting.Duration"/>.</summary>
    Delay,

    /// <summary>Requests are processed but never answered (the client times out).</summary>
    NoResponse,

    /// <summary>The reply's checksum is spoiled (RTU CRC; on Modbus TCP the last PDU byte is flipped).</summary>
    CorruptChecksum,

    /// <summary>The reply is replaced by exception <see cref="FaultSetting.Code"/> (e.g. 06 server busy).</summary>
    Exception,

    /// <summary>The reply carries another MBAP transaction id (Modbus TCP only; serial replies are unchanged).</summary>
    WrongTransactionId,

    /// <summary>Only the first 4 bytes of the reply are sent.</summary>
    Truncate,

    /// <summary>Garbage bytes are sent before the reply.</summary>
    Garbage,

    /// <summary>The connection is closed instead of replying (TCP); a serial bus stops answering that request.</summary>
    Drop,

    /// <summary>The reply is sent one byte at a time, <see cref="FaultSetting.Duration"/> apart.</summary>
    Drip,
}

/// <summary>A fault as set on a <see cref="FaultSwitch"/>.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Duration">Delay (for <see cref="FaultKind.Delay"/>) or pause between bytes (for <see cref="FaultKind.Drip"/>).</param>
/// <param name="Code">Exception code for <see cref="FaultKind.Exception"/>.</param>
public sealed record FaultSetting(FaultKind Kind, TimeSpan Duration = default, ModbusExceptionCode Code = ModbusExceptionCode.None)
{
    /// <summary>No fault.</summary>
    public static FaultSetting None { get; } = new(FaultKind.None);

    /// <summary>The text form accepted by <see cref="FaultSwitch.Parse"/>, e.g. <c>delay 2s</c>, <c>exception 06</c>.</summary>
    public override string ToString() => Kind switch
    {
        FaultKind.None => "none",
        FaultKind.Delay => $"delay {FormatDuration(Duration)}",
        FaultKind.NoResponse => "timeout",
        FaultKind.CorruptChecksum => "crc",
        FaultKind.Exception => $"exception {(int)Code:D2}",
        FaultKind.WrongTransactionId => "wrong-tid",
        FaultKind.Truncate => "truncate",
        FaultKind.Garbage => "garbage",
        FaultKind.Drop => "drop",
        _ => $"drip {FormatDuration(Duration)}",
    };

    private static string FormatDuration(TimeSpan d) =>
        d.TotalMilliseconds < 1000 || d.Milliseconds != 0
            ? string.Create(CultureInfo.InvariantCulture, $"{d.TotalMilliseconds:0.###}ms")
            : string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0}s");
}

/// <summary>
/// Run-time switch of one face's transport faults: an <see cref="IModbusFaultInjector"/> whose setting can be changed
/// at any time from any thread (tests, the <c>serve</c> control channel). The setting applies to every reply until
/// it is changed back to <see cref="FaultKind.None"/>.
/// </summary>
public sealed class FaultSwitch : IModbusFaultInjector
{
    /// <summary>Bytes sent before the reply by <see cref="FaultKind.Garbage"/>: none of them is a plausible RTU unit id of ours.</summary>
    public static ReadOnlyMemory<byte> GarbageBytes { get; } = new byte[] { 0xFF, 0x00, 0xFE, 0x55, 0xAA };

    private FaultSetting _setting = FaultSetting.None;
    private long _injected;

    /// <summary>The current setting.</summary>
    public FaultSetting Current => Volatile.Read(ref _setting);

    /// <summary>Replies spoiled so far.</summary>
    public long Injected => Interlocked.Read(ref _injected);

    /// <summary>Changes the setting (takes effect from the next reply).</summary>
    public void Set(FaultSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        if (setting.Kind is FaultKind.Delay or FaultKind.Drip && setting.Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{setting.Kind} needs a positive duration", nameof(setting));
        }

        if (setting.Kind == FaultKind.Exception && setting.Code == ModbusExceptionCode.None)
        {
            throw new ArgumentException("an exception fault needs a code", nameof(setting));
        }

        Volatile.Write(ref _setting, setting);
    }

    /// <summary>Parses and sets a fault given as text (see <see cref="Parse"/>).</summary>
    public void Set(string text) => Set(Parse(text));

    /// <summary>Back to normal replies.</summary>
    public void Clear() => Set(FaultSetting.None);

    /// <summary>
    /// Parses <c>none</c>, <c>delay 2s</c> (also <c>500ms</c>, <c>1.5s</c>), <c>timeout</c> (alias <c>no-response</c>),
    /// <c>crc</c>, <c>exception N</c> (alias <c>busy</c> = exception 06), <c>wrong-tid</c>, <c>truncate</c>,
    /// <c>garbage</c>, <c>drop</c>, <c>drip 5ms</c>.
    /// </summary>
    public static FaultSetting Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("empty fault");
        }

        var arg = parts.Length > 1 ? parts[1] : null;
        var setting = parts[0].ToUpperInvariant() switch
        {
            "NONE" or "CLEAR" or "OFF" => FaultSetting.None,
            "DELAY" => new FaultSetting(FaultKind.Delay, ParseDuration(arg)),
            "TIMEOUT" or "NO-RESPONSE" or "NORESPONSE" => new FaultSetting(FaultKind.NoResponse),
            "CRC" => new FaultSetting(FaultKind.CorruptChecksum),
            "EXCEPTION" => new FaultSetting(FaultKind.Exception, default, ParseCode(arg)),
            "BUSY" => new FaultSetting(FaultKind.Exception, default, ModbusExceptionCode.ServerDeviceBusy),
            "WRONG-TID" or "TID" => new FaultSetting(FaultKind.WrongTransactionId),
            "TRUNCATE" => new FaultSetting(FaultKind.Truncate),
            "GARBAGE" => new FaultSetting(FaultKind.Garbage),
            "DROP" or "DISCONNECT" => new FaultSetting(FaultKind.Drop),
            "DRIP" => new FaultSetting(FaultKind.Drip, ParseDuration(arg)),
            _ => throw new FormatException($"unknown fault '{parts[0]}' (none, delay D, timeout, crc, exception N, busy, wrong-tid, truncate, garbage, drop, drip D)"),
        };
        var expected = setting.Kind is FaultKind.Delay or FaultKind.Drip or FaultKind.Exception && !string.Equals(parts[0], "busy", StringComparison.OrdinalIgnoreCase) ? 2 : 1;
        if (parts.Length != expected)
        {
            throw new FormatException($"fault '{parts[0]}' takes {expected - 1} argument(s)");
        }

        return setting;
    }

    /// <inheritdoc />
    public ModbusFault? Decide(ModbusFaultContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = Current;
        ModbusFault? fault = s.Kind switch
        {
            FaultKind.Delay => new ModbusFault { Delay = s.Duration },
            FaultKind.NoResponse => new ModbusFault { NoReply = true },
            FaultKind.CorruptChecksum => new ModbusFault { CorruptChecksum = true },
            FaultKind.Exception => new ModbusFault { ExceptionCode = s.Code },
            FaultKind.WrongTransactionId => new ModbusFault { TransactionId = unchecked((ushort)(context.TransactionId + 0x5A5A)) },
            FaultKind.Truncate => new ModbusFault { TruncateTo = 4 },
            FaultKind.Garbage => new ModbusFault { Prepend = GarbageBytes },
            FaultKind.Drop => new ModbusFault { CloseConnection = true },
            FaultKind.Drip => new ModbusFault { ByteDelay = s.Duration },
            _ => null,
        };
        if (fault is not null)
        {
            Interlocked.Increment(ref _injected);
        }

        return fault;
    }

    private static TimeSpan ParseDuration(string? text)
    {
        if (text is null)
        {
            throw new FormatException("missing duration (e.g. 2s, 500ms)");
        }

        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value <= 0 || value * unit > 3600)
        {
            throw new FormatException($"bad duration '{text}' (e.g. 2s, 500ms; at most 1 h)");
        }

        return TimeSpan.FromSeconds(value * unit);
    }

    private static ModbusExceptionCode ParseCode(string? text)
    {
        if (text is null || !int.TryParse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text,
                text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture, out var code) ||
            code is < 1 or > 255)
        {
            throw new FormatException($"bad exception code '{text}' (1–255, e.g. 06)");
        }

        return (ModbusExceptionCode)code;
    }
}

/// <summary>Routes fault decisions on a shared serial bus to the <see cref="FaultSwitch"/> of the face at each unit id.</summary>
internal sealed class UnitFaultRouter : IModbusFaultInjector
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<byte, IModbusFaultInjector> _units = new();

    public void Map(byte unitId, IModbusFaultInjector injector) => _units[unitId] = injector;

    public ModbusFault? Decide(ModbusFaultContext context) =>
        _units.TryGetValue(context.UnitId, out var injector) ? injector.Decide(context) : null;
}

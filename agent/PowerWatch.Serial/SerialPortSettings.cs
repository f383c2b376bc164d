using System.Globalization;

namespace PowerWatch.Serial;

/// <summary>Parity bit of each character.</summary>
public enum Parity
{
    /// <summary>No parity bit.</summary>
    None = 0,

    /// <summary>Odd parity.</summary>
    Odd = 1,

    /// <summary>Even parity.</summary>
    Even = 2,

    /// <summary>Parity bit always 1 (Linux: PARENB|CMSPAR|PARODD).</summary>
    Mark = 3,

    /// <summary>Parity bit always 0 (Linux: PARENB|CMSPAR).</summary>
    Space = 4,
}

/// <summary>Number of stop bits.</summary>
public enum StopBits
{
    /// <summary>One stop bit.</summary>
    One = 1,

    /// <summary>Two stop bits.</summary>
    Two = 2,
}

/// <summary>Flow control. Field buses (Modbus RTU, UPS serial protocols) use <see cref="None"/>.</summary>
public enum Handshake
{
    /// <summary>No flow control: CRTSCTS, IXON and IXOFF off.</summary>
    None = 0,

    /// <summary>Hardware RTS/CTS flow control (CRTSCTS).</summary>
    RequestToSend = 1,

    /// <summary>Software XON/XOFF flow control (IXON|IXOFF); 0x11/0x13 are then consumed by the driver.</summary>
    XOnXOff = 2,
}

/// <summary>
/// RS-485 half-duplex direction control done by the UART driver (Linux <c>TIOCSRS485</c>, Windows
/// <c>RTS_CONTROL_TOGGLE</c>). Most USB-RS485 adapters switch direction in hardware and need none of this.
/// </summary>
public sealed record Rs485Options
{
    /// <summary>Ask the driver to drive RTS as the transmit-enable line.</summary>
    public bool Enabled { get; init; }

    /// <summary>RTS level while sending is logical 1 (SER_RS485_RTS_ON_SEND).</summary>
    public bool RtsOnSend { get; init; } = true;

    /// <summary>RTS level after sending is logical 1 (SER_RS485_RTS_AFTER_SEND).</summary>
    public bool RtsAfterSend { get; init; }

    /// <summary>Receive our own transmission (SER_RS485_RX_DURING_TX), for buses that echo.</summary>
    public bool ReceiveDuringTransmit { get; init; }

    /// <summary>Delay between asserting RTS and the first bit (whole milliseconds on Linux, 0–1000 ms).</summary>
    public TimeSpan DelayBeforeSend { get; init; }

    /// <summary>Delay between the last bit and releasing RTS (whole milliseconds on Linux, 0–1000 ms).</summary>
    public TimeSpan DelayAfterSend { get; init; }

    /// <summary>
    /// When true (default) opening fails with <see cref="SerialPortError.Rs485NotSupported"/> if the driver
    /// cannot do RS-485 (e.g. a pty or a USB adapter with automatic direction control). When false the port
    /// opens anyway and <see cref="ISerialPort.Rs485Status"/> says <see cref="Rs485Status.NotSupported"/>.
    /// </summary>
    public bool Required { get; init; } = true;
}

/// <summary>Line settings of a serial port. Validate with <see cref="Validate"/> (messages name the field).</summary>
public sealed record SerialPortSettings
{
    /// <summary>Lowest baud rate accepted.</summary>
    public const int MinBaudRate = 50;

    /// <summary>Highest baud rate accepted.</summary>
    public const int MaxBaudRate = 12_000_000;

    /// <summary>Device path (<c>/dev/ttyUSB0</c>, <c>/dev/serial/by-id/...</c>, a pty path) or Windows name (<c>COM3</c>).</summary>
    public required string PortName { get; init; }

    /// <summary>Bits per second; standard rates use the Bxxxx codes, others termios2 BOTHER on Linux.</summary>
    public int BaudRate { get; init; } = 9600;

    /// <summary>Data bits per character, 5 to 8.</summary>
    public int DataBits { get; init; } = 8;

    /// <summary>Parity bit.</summary>
    public Parity Parity { get; init; } = Parity.None;

    /// <summary>Stop bits.</summary>
    public StopBits StopBits { get; init; } = StopBits.One;

    /// <summary>Flow control (off by default).</summary>
    public Handshake Handshake { get; init; } = Handshake.None;

    /// <summary>RS-485 direction control by the driver (off by default).</summary>
    public Rs485Options Rs485 { get; init; } = new();

    /// <summary>
    /// Refuse a second open of the same device: Linux <c>TIOCEXCL</c> (not enforced against root) plus an
    /// advisory <c>flock</c> (enforced between cooperating processes, root included); Windows opens are always exclusive.
    /// </summary>
    public bool Exclusive { get; init; } = true;

    /// <summary>Size of one read from the driver, in bytes (16 to 1 MiB).</summary>
    public int ReadBufferSize { get; init; } = 4096;

    /// <summary>Bits on the wire per character: start + data + parity + stop.</summary>
    public int BitsPerCharacter => 1 + DataBits + (Parity == Parity.None ? 0 : 1) + (StopBits == StopBits.Two ? 2 : 1);

    /// <summary>Time one character occupies the line at <see cref="BaudRate"/> (rounded to 100 ns ticks).</summary>
    public TimeSpan CharacterTime => TransmitTime(1);

    /// <summary>Time <paramref name="characters"/> back-to-back characters occupy the line (rounded up to 100 ns ticks).</summary>
    public TimeSpan TransmitTime(long characters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(characters);
        if (BaudRate <= 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{nameof(BaudRate)} must be positive (was {BaudRate})"));
        }

        var bits = (Int128)characters * BitsPerCharacter * TimeSpan.TicksPerSecond;
        return TimeSpan.FromTicks((long)((bits + BaudRate - 1) / BaudRate));
    }

    /// <summary>Every problem with these settings, each message naming the field; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(PortName))
        {
            errors.Add($"{nameof(PortName)} must name a device (e.g. /dev/ttyUSB0 or COM3)");
        }
        else if (PortName.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add($"{nameof(PortName)} must not contain NUL characters");
        }

        if (BaudRate is < MinBaudRate or > MaxBaudRate)
        {
            errors.Add(Inv($"{nameof(BaudRate)} must be between {MinBaudRate} and {MaxBaudRate} (was {BaudRate})"));
        }

        if (DataBits is < 5 or > 8)
        {
            errors.Add(Inv($"{nameof(DataBits)} must be 5, 6, 7 or 8 (was {DataBits})"));
        }

        if (!Enum.IsDefined(Parity))
        {
            errors.Add(Inv($"{nameof(Parity)} must be None, Odd, Even, Mark or Space (was {(int)Parity})"));
        }

        if (!Enum.IsDefined(StopBits))
        {
            errors.Add(Inv($"{nameof(StopBits)} must be One or Two (was {(int)StopBits})"));
        }

        if (!Enum.IsDefined(Handshake))
        {
            errors.Add(Inv($"{nameof(Handshake)} must be None, RequestToSend or XOnXOff (was {(int)Handshake})"));
        }

        if (Rs485 is null)
        {
            errors.Add($"{nameof(Rs485)} must not be null");
        }
        else
        {
            CheckDelay(errors, $"{nameof(Rs485)}.{nameof(Rs485Options.DelayBeforeSend)}", Rs485.DelayBeforeSend);
            CheckDelay(errors, $"{nameof(Rs485)}.{nameof(Rs485Options.DelayAfterSend)}", Rs485.DelayAfterSend);
            if (Rs485.Enabled && Handshake == Handshake.RequestToSend)
            {
                errors.Add($"{nameof(Rs485)}.{nameof(Rs485Options.Enabled)} cannot be combined with {nameof(Handshake)} RequestToSend (both drive RTS)");
            }
        }

        if (ReadBufferSize is < 16 or > 1 << 20)
        {
            errors.Add(Inv($"{nameof(ReadBufferSize)} must be between 16 and 1048576 bytes (was {ReadBufferSize})"));
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem (each naming its field).</summary>
    public void Validate()
    {
        var errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid serial port settings for '{PortName}': {string.Join("; ", errors)}");
        }
    }

    /// <summary>Short form such as <c>/dev/ttyUSB0 19200 7E2</c>.</summary>
    public string Describe() => Inv($"{PortName} {BaudRate} {DataBits}{ParityLetter(Parity)}{(int)StopBits}");

    private static char ParityLetter(Parity parity) => parity switch
    {
        Parity.None => 'N',
        Parity.Odd => 'O',
        Parity.Even => 'E',
        Parity.Mark => 'M',
        Parity.Space => 'S',
        _ => '?',
    };

    private static void CheckDelay(List<string> errors, string name, TimeSpan value)
    {
        if (value < TimeSpan.Zero || value > TimeSpan.FromSeconds(1))
        {
            errors.Add(Inv($"{name} must be between 0 and 1 s (was {value})"));
        }
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

namespace PowerWatch.Serial.Linux;

/// <summary>
/// Pure translation of <see cref="SerialPortSettings"/> into termios flag words (no I/O), so the mapping is
/// unit-testable without a device.
/// </summary>
internal static class TermiosFlags
{
    /// <summary>Bxxxx speed code for a standard rate, or null when the rate needs termios2 BOTHER.</summary>
    public static uint? StandardSpeed(int baudRate) => baudRate switch
    {
        50 => 0x1,
        75 => 0x2,
        110 => 0x3,
        134 => 0x4,
        150 => 0x5,
        200 => 0x6,
        300 => 0x7,
        600 => 0x8,
        1200 => 0x9,
        1800 => 0xA,
        2400 => 0xB,
        4800 => 0xC,
        9600 => 0xD,
        19200 => 0xE,
        38400 => 0xF,
        57600 => 0x1001,
        115200 => 0x1002,
        230400 => 0x1003,
        460800 => 0x1004,
        500000 => 0x1005,
        576000 => 0x1006,
        921600 => 0x1007,
        1000000 => 0x1008,
        1152000 => 0x1009,
        1500000 => 0x100A,
        2000000 => 0x100B,
        2500000 => 0x100C,
        3000000 => 0x100D,
        3500000 => 0x100E,
        4000000 => 0x100F,
        _ => null,
    };

    /// <summary>
    /// Input flags: cfmakeraw (no break/parity marking, no stripping, no CR/LF translation, no XON/XOFF)
    /// plus parity checking when a parity bit is used and XON/XOFF when asked for.
    /// </summary>
    public static uint Input(uint current, SerialPortSettings settings)
    {
        var flags = current & ~(Posix.IGNBRK | Posix.BRKINT | Posix.PARMRK | Posix.ISTRIP | Posix.INLCR | Posix.IGNCR
            | Posix.ICRNL | Posix.IXON | Posix.IXOFF | Posix.IXANY | Posix.IUCLC | Posix.IMAXBEL | Posix.INPCK | Posix.IGNPAR);
        if (settings.Parity != Parity.None)
        {
            // A character with a parity error is delivered as 0x00, so the frame check of the protocol fails.
            flags |= Posix.INPCK;
        }

        if (settings.Handshake == Handshake.XOnXOff)
        {
            flags |= Posix.IXON | Posix.IXOFF;
        }

        return flags;
    }

    /// <summary>Output flags: no post-processing (no LF to CR LF).</summary>
    public static uint Output(uint current) => current & ~(Posix.OPOST | Posix.ONLCR | Posix.OCRNL);

    /// <summary>Local flags: no echo, no canonical mode, no signal characters, no extended processing.</summary>
    public static uint Local(uint current) =>
        current & ~(Posix.ECHO | Posix.ECHOE | Posix.ECHOK | Posix.ECHONL | Posix.ICANON | Posix.ISIG | Posix.IEXTEN);

    /// <summary>Control flags: size, stop bits, parity (CMSPAR for mark/space), flow control, CLOCAL|CREAD. Speed bits untouched.</summary>
    public static uint Control(uint current, SerialPortSettings settings)
    {
        var flags = current & ~(Posix.CSIZE | Posix.CSTOPB | Posix.PARENB | Posix.PARODD | Posix.CMSPAR | Posix.CRTSCTS);
        flags |= settings.DataBits switch
        {
            5 => Posix.CS5,
            6 => Posix.CS6,
            7 => Posix.CS7,
            _ => Posix.CS8,
        };
        if (settings.StopBits == StopBits.Two)
        {
            flags |= Posix.CSTOPB;
        }

        flags |= settings.Parity switch
        {
            Parity.Odd => Posix.PARENB | Posix.PARODD,
            Parity.Even => Posix.PARENB,
            Parity.Mark => Posix.PARENB | Posix.CMSPAR | Posix.PARODD,
            Parity.Space => Posix.PARENB | Posix.CMSPAR,
            _ => 0u,
        };
        if (settings.Handshake == Handshake.RequestToSend)
        {
            flags |= Posix.CRTSCTS;
        }

        return flags | Posix.CLOCAL | Posix.CREAD;
    }

    /// <summary>The bits of the control word that <see cref="Control"/> decides (used to verify the driver kept them).</summary>
    public const uint ControlMask = Posix.CSIZE | Posix.CSTOPB | Posix.PARENB | Posix.PARODD | Posix.CMSPAR | Posix.CRTSCTS | Posix.CLOCAL | Posix.CREAD;

    /// <summary>Control word with a non-standard speed: CBAUD and CIBAUD replaced by BOTHER (termios2).</summary>
    public static uint WithOtherSpeed(uint control) =>
        (control & ~(Posix.CBAUD | (Posix.CBAUD << Posix.IBSHIFT))) | Posix.BOTHER | (Posix.BOTHER << Posix.IBSHIFT);

    /// <summary>serial_rs485.flags for the options.</summary>
    public static uint Rs485(Rs485Options options)
    {
        var flags = Posix.SER_RS485_ENABLED;
        if (options.RtsOnSend)
        {
            flags |= Posix.SER_RS485_RTS_ON_SEND;
        }

        if (options.RtsAfterSend)
        {
            flags |= Posix.SER_RS485_RTS_AFTER_SEND;
        }

        if (options.ReceiveDuringTransmit)
        {
            flags |= Posix.SER_RS485_RX_DURING_TX;
        }

        return flags;
    }
}

namespace PowerWatch.Serial;

/// <summary>Why opening, configuring or using a serial port failed.</summary>
public enum SerialPortError
{
    /// <summary>Any other operating-system error.</summary>
    IoError = 0,

    /// <summary>The device does not exist (unplugged USB adapter, wrong path).</summary>
    NotFound = 1,

    /// <summary>Permission denied (on Linux: add the user to the <c>dialout</c> group).</summary>
    AccessDenied = 2,

    /// <summary>Another process holds the port (exclusive open).</summary>
    Busy = 3,

    /// <summary>The path is not a terminal device.</summary>
    NotATerminal = 4,

    /// <summary>The driver rejected a line setting (baud rate, data bits...).</summary>
    UnsupportedSetting = 5,

    /// <summary>The driver has no RS-485 mode (ptys, most USB adapters) and it was required.</summary>
    Rs485NotSupported = 6,

    /// <summary>The device went away while open (I/O error, hang-up).</summary>
    Disconnected = 7,

    /// <summary>This platform has no serial implementation.</summary>
    PlatformNotSupported = 8,
}

/// <summary>A serial port operation failed; the message names the port and the cause.</summary>
public sealed class SerialPortException : IOException
{
    /// <summary>Creates the exception.</summary>
    public SerialPortException()
    {
        PortName = "";
    }

    /// <summary>Creates the exception.</summary>
    public SerialPortException(string message)
        : base(message)
    {
        PortName = "";
    }

    /// <summary>Creates the exception.</summary>
    public SerialPortException(string message, Exception innerException)
        : base(message, innerException)
    {
        PortName = "";
    }

    /// <summary>Creates the exception for a port.</summary>
    public SerialPortException(string portName, SerialPortError error, int nativeErrorCode, string message)
        : base(message)
    {
        PortName = portName;
        Error = error;
        NativeErrorCode = nativeErrorCode;
    }

    /// <summary>The port concerned.</summary>
    public string PortName { get; }

    /// <summary>Category of the failure.</summary>
    public SerialPortError Error { get; }

    /// <summary>errno (Linux) or Win32 error code; 0 when not from the OS.</summary>
    public int NativeErrorCode { get; }
}

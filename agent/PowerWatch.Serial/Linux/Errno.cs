using System.Globalization;
using System.Runtime.InteropServices;

namespace PowerWatch.Serial.Linux;

/// <summary>Turns errno values into <see cref="SerialPortException"/>s whose message names the port.</summary>
internal static class Errno
{
    public static string Name(int errno) => errno switch
    {
        Posix.EPERM => "EPERM",
        Posix.ENOENT => "ENOENT",
        Posix.EINTR => "EINTR",
        Posix.EIO => "EIO",
        Posix.ENXIO => "ENXIO",
        Posix.EAGAIN => "EAGAIN",
        Posix.EACCES => "EACCES",
        Posix.EBUSY => "EBUSY",
        Posix.ENODEV => "ENODEV",
        Posix.ENOTDIR => "ENOTDIR",
        Posix.EINVAL => "EINVAL",
        Posix.ENOTTY => "ENOTTY",
        Posix.EOPNOTSUPP => "EOPNOTSUPP",
        _ => "errno " + errno.ToString(CultureInfo.InvariantCulture),
    };

    public static string Describe(int errno) => $"{Name(errno)}: {Marshal.GetPInvokeErrorMessage(errno)}";

    /// <summary>Error while opening the device.</summary>
    public static SerialPortException OpenFailed(string port, int errno) => errno switch
    {
        Posix.ENOENT or Posix.ENODEV or Posix.ENXIO or Posix.ENOTDIR => new SerialPortException(port, SerialPortError.NotFound, errno,
            $"Serial port '{port}' does not exist ({Describe(errno)}); check the path and that the adapter is plugged in (ls -l /dev/serial/by-id/)"),
        Posix.EACCES or Posix.EPERM => new SerialPortException(port, SerialPortError.AccessDenied, errno,
            $"Permission denied opening serial port '{port}' ({Describe(errno)}); add the service user to the group owning the device (usually 'dialout')"),
        Posix.EBUSY => new SerialPortException(port, SerialPortError.Busy, errno,
            $"Serial port '{port}' is busy: another process opened it exclusively ({Describe(errno)})"),
        _ => new SerialPortException(port, SerialPortError.IoError, errno, $"Cannot open serial port '{port}' ({Describe(errno)})"),
    };

    /// <summary>Error of an operation on an open port.</summary>
    public static SerialPortException OperationFailed(string port, string operation, int errno) => errno switch
    {
        Posix.EIO or Posix.ENXIO or Posix.ENODEV => new SerialPortException(port, SerialPortError.Disconnected, errno,
            $"Serial port '{port}' failed during {operation}: device disconnected or hung up ({Describe(errno)})"),
        _ => new SerialPortException(port, SerialPortError.IoError, errno, $"Serial port '{port}' failed during {operation} ({Describe(errno)})"),
    };
}

using PowerWatch.Serial.Linux;
using PowerWatch.Serial.Windows;

namespace PowerWatch.Serial;

/// <summary>Opens serial ports with the implementation of the running platform.</summary>
public static class SerialPort
{
    /// <summary>
    /// Validates <paramref name="settings"/> (throws <see cref="ArgumentException"/> naming the field) and opens
    /// the port. Failures to open throw <see cref="SerialPortException"/> naming the port and the cause.
    /// </summary>
    public static ISerialPort Open(SerialPortSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (OperatingSystem.IsLinux())
        {
            return LinuxSerialPort.Open(settings);
        }

        if (OperatingSystem.IsWindows())
        {
            return WindowsSerialPort.Open(settings);
        }

        throw new SerialPortException(settings.PortName, SerialPortError.PlatformNotSupported, 0,
            $"Cannot open serial port '{settings.PortName}': serial ports are implemented for Linux and Windows only");
    }
}

namespace PowerWatch.Serial.Windows;
internal sealed class WindowsSerialPort
{
    public static ISerialPort Open(SerialPortSettings settings) => throw new PlatformNotSupportedException(settings.PortName);
}

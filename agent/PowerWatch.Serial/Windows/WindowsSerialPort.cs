using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace PowerWatch.Serial.Windows;

/// <summary>
/// A serial port on Windows: CreateFile on <c>\\.\COMn</c> (always exclusive), DCB from <see cref="DcbBuilder"/>,
/// overlapped I/O through a <see cref="FileStream"/> on the handle (cancellation via CancelIoEx).
/// Compiled and unit-tested (DCB) on Linux; not yet run against a Windows COM port.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsSerialPort : ISerialPort
{
    private readonly SafeFileHandle _handle;
    private readonly FileStream _stream;

    private WindowsSerialPort(SerialPortSettings settings, SafeFileHandle handle, Rs485Status rs485)
    {
        Settings = settings;
        _handle = handle;
        Rs485Status = rs485;
        _stream = new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0, isAsync: true);
    }

    public SerialPortSettings Settings { get; }

    public Stream Stream => _stream;

    public Rs485Status Rs485Status { get; }

    public static WindowsSerialPort Open(SerialPortSettings settings)
    {
        var port = settings.PortName;
        var handle = Kernel32.CreateFile(DcbBuilder.DevicePath(port), Kernel32.GenericRead | Kernel32.GenericWrite, 0, 0, Kernel32.OpenExisting, Kernel32.FileFlagOverlapped, 0);
        if (handle.IsInvalid)
        {
            var error = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw OpenFailed(port, error);
        }

        try
        {
            var queue = (uint)settings.ReadBufferSize;
            if (!Kernel32.SetupComm(handle, queue, queue))
            {
                throw Failed(port, "SetupComm", Marshal.GetLastPInvokeError());
            }

            var current = default(Dcb);
            current.DcbLength = Dcb.Size;
            if (!Kernel32.GetCommState(handle, ref current))
            {
                throw new SerialPortException(port, SerialPortError.NotATerminal, Marshal.GetLastPInvokeError(), $"'{port}' is not a serial port (GetCommState failed)");
            }

            var rs485 = Rs485Status.Off;
            var dcb = DcbBuilder.Build(settings, rs485Toggle: settings.Rs485.Enabled);
            if (!Kernel32.SetCommState(handle, ref dcb))
            {
                var error = Marshal.GetLastPInvokeError();
                if (!settings.Rs485.Enabled || error != Kernel32.ErrorInvalidParameter)
                {
                    throw Unsupported(settings, error);
                }

                if (settings.Rs485.Required)
                {
                    throw new SerialPortException(port, SerialPortError.Rs485NotSupported, error,
                        $"Serial port '{port}' does not support RS-485 RTS toggling (SetCommState RTS_CONTROL_TOGGLE: error {error}); set Rs485.Required=false to open anyway");
                }

                dcb = DcbBuilder.Build(settings, rs485Toggle: false);
                if (!Kernel32.SetCommState(handle, ref dcb))
                {
                    throw Unsupported(settings, Marshal.GetLastPInvokeError());
                }

                rs485 = Rs485Status.NotSupported;
            }
            else if (settings.Rs485.Enabled)
            {
                rs485 = Rs485Status.Enabled;
            }

            var timeouts = DcbBuilder.Timeouts();
            if (!Kernel32.SetCommTimeouts(handle, ref timeouts))
            {
                throw Failed(port, "SetCommTimeouts", Marshal.GetLastPInvokeError());
            }

            if (!Kernel32.PurgeComm(handle, Kernel32.PurgeRxClear | Kernel32.PurgeTxClear))
            {
                throw Failed(port, "PurgeComm", Marshal.GetLastPInvokeError());
            }

            return new WindowsSerialPort(settings, handle, rs485);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public ValueTask DiscardInputAsync(CancellationToken cancellationToken = default) => Purge(Kernel32.PurgeRxClear, cancellationToken);

    public ValueTask DiscardOutputAsync(CancellationToken cancellationToken = default) => Purge(Kernel32.PurgeTxClear, cancellationToken);

    public async ValueTask DrainAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            if (Kernel32.FlushFileBuffers(_handle))
            {
                done.TrySetResult();
            }
            else
            {
                done.TrySetException(Failed(Settings.PortName, "FlushFileBuffers", Marshal.GetLastPInvokeError()));
            }
        })
        {
            IsBackground = true,
            Name = "serial drain " + Settings.PortName,
        };
        thread.Start();
        await done.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();

    private static SerialPortException OpenFailed(string port, int error) => error switch
    {
        Kernel32.ErrorFileNotFound or Kernel32.ErrorPathNotFound => new SerialPortException(port, SerialPortError.NotFound, error,
            $"Serial port '{port}' does not exist (Win32 error {error}); check Device Manager for the COM number"),
        Kernel32.ErrorAccessDenied or Kernel32.ErrorSharingViolation => new SerialPortException(port, SerialPortError.Busy, error,
            $"Serial port '{port}' is in use by another program or access is denied (Win32 error {error}); COM ports open exclusively on Windows"),
        _ => new SerialPortException(port, SerialPortError.IoError, error, string.Create(CultureInfo.InvariantCulture, $"Cannot open serial port '{port}' (Win32 error {error})")),
    };

    private static SerialPortException Failed(string port, string call, int error) =>
        new(port, SerialPortError.IoError, error, string.Create(CultureInfo.InvariantCulture, $"Serial port '{port}' failed in {call} (Win32 error {error})"));

    private static SerialPortException Unsupported(SerialPortSettings settings, int error) =>
        new(settings.PortName, error == Kernel32.ErrorInvalidParameter ? SerialPortError.UnsupportedSetting : SerialPortError.IoError, error,
            string.Create(CultureInfo.InvariantCulture, $"Serial port '{settings.PortName}' rejected {settings.Describe()} (SetCommState: Win32 error {error})"));

    private ValueTask Purge(uint flags, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        return Kernel32.PurgeComm(_handle, flags)
            ? ValueTask.CompletedTask
            : ValueTask.FromException(Failed(Settings.PortName, "PurgeComm", Marshal.GetLastPInvokeError()));
    }
}

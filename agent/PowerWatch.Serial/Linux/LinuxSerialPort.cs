using System.Runtime.Versioning;

namespace PowerWatch.Serial.Linux;

/// <summary>A serial port on Linux: termios on a non-blocking descriptor, I/O through <see cref="FdStream"/>.</summary>
[SupportedOSPlatform("linux")]
internal sealed class LinuxSerialPort : ISerialPort
{
    private readonly FdStream _stream;

    private LinuxSerialPort(SerialPortSettings settings, FdStream stream, Rs485Status rs485)
    {
        Settings = settings;
        _stream = stream;
        Rs485Status = rs485;
    }

    public SerialPortSettings Settings { get; }

    public Stream Stream => _stream;

    public Rs485Status Rs485Status { get; }

    public static LinuxSerialPort Open(SerialPortSettings settings)
    {
        var path = settings.PortName;
        var handle = TerminalSetup.OpenTerminal(path);
        try
        {
            using (var lease = handle.Acquire())
            {
                var fd = lease.Fd;
                if (settings.Exclusive)
                {
                    TerminalSetup.MakeExclusive(fd, path);
                }

                TerminalSetup.Configure(fd, settings);
                var rs485 = Rs485Status.Off;
                if (settings.Rs485.Enabled)
                {
                    if (TerminalSetup.TryEnableRs485(fd, settings, out var errno))
                    {
                        rs485 = Rs485Status.Enabled;
                    }
                    else if (settings.Rs485.Required)
                    {
                        throw new SerialPortException(path, SerialPortError.Rs485NotSupported, errno,
                            $"Serial port '{path}' does not support RS-485 mode (ioctl TIOCSRS485: {Errno.Describe(errno)}); " +
                            "adapters with automatic direction control need Rs485.Enabled=false, or set Rs485.Required=false to open anyway");
                    }
                    else
                    {
                        rs485 = Rs485Status.NotSupported;
                    }
                }

                // Drop whatever arrived before we configured the line.
                if (LibC.TcFlush(fd, Posix.TCIOFLUSH) != 0)
                {
                    throw Errno.OperationFailed(path, "tcflush", LibC.LastError);
                }

                return new LinuxSerialPort(settings, new FdStream(handle, path), rs485);
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public ValueTask DiscardInputAsync(CancellationToken cancellationToken = default) => Flush(Posix.TCIFLUSH, cancellationToken);

    public ValueTask DiscardOutputAsync(CancellationToken cancellationToken = default) => Flush(Posix.TCOFLUSH, cancellationToken);

    public async ValueTask DrainAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var handle = _stream.Handle;
        var lease = handle.Acquire();

        // tcdrain blocks until the UART is empty: give it a thread of its own, never a pool thread.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                if (LibC.TcDrain(lease.Fd) != 0)
                {
                    done.TrySetException(Errno.OperationFailed(Settings.PortName, "tcdrain", LibC.LastError));
                }
                else
                {
                    done.TrySetResult();
                }
            }
            finally
            {
                lease.Dispose();
            }
        })
        {
            IsBackground = true,
            Name = "serial drain " + Settings.PortName,
        };
        thread.Start();
        await done.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Settings.Exclusive && !_stream.Handle.IsClosed)
        {
            try
            {
                // TIOCEXCL lives on the tty, not on our descriptor: clear it so a device kept open elsewhere
                // (a pty whose pair holds the slave) can be opened again. The flock goes with the descriptor.
                using var lease = _stream.Handle.Acquire();
                _ = LibC.Ioctl(lease.Fd, Posix.TIOCNXCL);

                // Unlock explicitly: a child process forked elsewhere in this process may briefly hold a copy
                // of the descriptor (until its exec closes it), which would keep the flock after our close.
                _ = LibC.Flock(lease.Fd, Posix.LOCK_UN);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        await _stream.DisposeAsync();
    }

    private ValueTask Flush(int queue, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        using var lease = _stream.Handle.Acquire();
        if (LibC.TcFlush(lease.Fd, queue) != 0)
        {
            return ValueTask.FromException(Errno.OperationFailed(Settings.PortName, "tcflush", LibC.LastError));
        }

        return ValueTask.CompletedTask;
    }
}

using System.Globalization;
using System.Runtime.Versioning;

namespace PowerWatch.Serial.Linux;

/// <summary>Opens terminal devices and applies <see cref="SerialPortSettings"/> to them (termios, termios2, TIOCEXCL, TIOCSRS485).</summary>
[SupportedOSPlatform("linux")]
internal static unsafe class TerminalSetup
{
    /// <summary>open(2) with O_RDWR|O_NOCTTY|O_NONBLOCK|O_CLOEXEC, then checks it is a terminal.</summary>
    public static FdHandle OpenTerminal(string path)
    {
        var fd = LibC.Open(path, Posix.O_RDWR | Posix.O_NOCTTY | Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        if (fd < 0)
        {
            throw Errno.OpenFailed(path, LibC.LastError);
        }

        var handle = new FdHandle(fd);
        if (LibC.IsATty(fd) != 1)
        {
            var errno = LibC.LastError;
            handle.Dispose();
            throw new SerialPortException(path, SerialPortError.NotATerminal, errno,
                $"'{path}' is not a serial port or terminal ({Errno.Describe(errno)})");
        }

        return handle;
    }

    /// <summary>TIOCEXCL plus a non-blocking advisory flock (TIOCEXCL does not stop root; the lock does, between cooperating programs).</summary>
    public static void MakeExclusive(int fd, string path)
    {
        if (LibC.Flock(fd, Posix.LOCK_EX | Posix.LOCK_NB) != 0)
        {
            var errno = LibC.LastError;
            if (errno == Posix.EAGAIN)
            {
                throw new SerialPortException(path, SerialPortError.Busy, errno,
                    $"Serial port '{path}' is busy: another process holds it open exclusively (flock: {Errno.Describe(errno)})");
            }

            throw Errno.OperationFailed(path, "flock", errno);
        }

        if (LibC.Ioctl(fd, Posix.TIOCEXCL) != 0)
        {
            throw Errno.OperationFailed(path, "ioctl(TIOCEXCL)", LibC.LastError);
        }
    }

    /// <summary>Raw mode and line settings; non-standard rates through termios2 BOTHER. Verifies what the driver kept.</summary>
    public static void Configure(int fd, SerialPortSettings settings)
    {
        var path = settings.PortName;
        Termios t;
        if (LibC.TcGetAttr(fd, &t) != 0)
        {
            throw Errno.OperationFailed(path, "tcgetattr", LibC.LastError);
        }

        t.IFlag = TermiosFlags.Input(t.IFlag, settings);
        t.OFlag = TermiosFlags.Output(t.OFlag);
        t.LFlag = TermiosFlags.Local(t.LFlag);
        t.CFlag = TermiosFlags.Control(t.CFlag, settings);
        t.Cc[Posix.VMIN] = 1;
        t.Cc[Posix.VTIME] = 0;

        var standard = TermiosFlags.StandardSpeed(settings.BaudRate);

        // A non-standard rate is set in a second step; B38400 is the placeholder until then.
        var code = standard ?? 0xFu;
        if (LibC.CfSetISpeed(&t, code) != 0 || LibC.CfSetOSpeed(&t, code) != 0)
        {
            throw Unsupported(settings, "cfsetspeed", LibC.LastError);
        }

        if (LibC.TcSetAttr(fd, Posix.TCSANOW, &t) != 0)
        {
            throw Unsupported(settings, "tcsetattr", LibC.LastError);
        }

        Termios2 t2;
        if (LibC.Ioctl(fd, Posix.TCGETS2, &t2) != 0)
        {
            throw Errno.OperationFailed(path, "ioctl(TCGETS2)", LibC.LastError);
        }

        if (standard is null)
        {
            t2.CFlag = TermiosFlags.WithOtherSpeed(t2.CFlag);
            t2.ISpeed = (uint)settings.BaudRate;
            t2.OSpeed = (uint)settings.BaudRate;
            if (LibC.Ioctl(fd, Posix.TCSETS2, &t2) != 0)
            {
                throw Unsupported(settings, "ioctl(TCSETS2)", LibC.LastError);
            }

            if (LibC.Ioctl(fd, Posix.TCGETS2, &t2) != 0)
            {
                throw Errno.OperationFailed(path, "ioctl(TCGETS2)", LibC.LastError);
            }
        }

        // tcsetattr succeeds when any change was applied: check the driver kept ours. The pty driver always
        // forces CS8 and clears PARENB (drivers/tty/pty.c pty_set_termios), so those bits are not checked there.
        var mask = IsPseudoTerminal(fd) ? TermiosFlags.ControlMask & ~(Posix.CSIZE | Posix.PARENB) : TermiosFlags.ControlMask;
        var wanted = TermiosFlags.Control(0, settings) & mask;
        if ((t2.CFlag & mask) != wanted)
        {
            throw new SerialPortException(path, SerialPortError.UnsupportedSetting, 0, string.Create(CultureInfo.InvariantCulture,
                $"Serial port '{path}' did not accept {settings.Describe()} (control flags 0x{t2.CFlag:X8}, wanted 0x{wanted:X8} in mask 0x{mask:X8})"));
        }

        // Real UARTs round to their divisor; more than 3 % off breaks framing.
        var actual = (long)t2.OSpeed;
        if (Math.Abs(actual - settings.BaudRate) * 100 > settings.BaudRate * 3L)
        {
            throw new SerialPortException(path, SerialPortError.UnsupportedSetting, 0, string.Create(CultureInfo.InvariantCulture,
                $"Serial port '{path}' cannot run at {settings.BaudRate} baud (driver set {actual})"));
        }
    }

    /// <summary>Whether the descriptor is a Unix98 pty slave (resolved through /proc/self/fd, so symlinks count).</summary>
    public static bool IsPseudoTerminal(int fd)
    {
        try
        {
            var target = new FileInfo("/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture)).LinkTarget;
            return target is not null && target.StartsWith("/dev/pts/", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>TIOCSRS485; false when the driver has no RS-485 mode (ENOTTY, EINVAL, EOPNOTSUPP).</summary>
    public static bool TryEnableRs485(int fd, SerialPortSettings settings, out int errno)
    {
        var rs = default(SerialRs485);
        rs.Flags = TermiosFlags.Rs485(settings.Rs485);
        rs.DelayRtsBeforeSend = (uint)Math.Ceiling(settings.Rs485.DelayBeforeSend.TotalMilliseconds);
        rs.DelayRtsAfterSend = (uint)Math.Ceiling(settings.Rs485.DelayAfterSend.TotalMilliseconds);
        if (LibC.Ioctl(fd, Posix.TIOCSRS485, &rs) == 0)
        {
            errno = 0;
            return true;
        }

        errno = LibC.LastError;
        if (errno is Posix.ENOTTY or Posix.EINVAL or Posix.EOPNOTSUPP or Posix.ENOIOCTLCMD)
        {
            return false;
        }

        throw Errno.OperationFailed(settings.PortName, "ioctl(TIOCSRS485)", errno);
    }

    private static SerialPortException Unsupported(SerialPortSettings settings, string call, int errno) =>
        new(settings.PortName, errno == Posix.EINVAL ? SerialPortError.UnsupportedSetting : SerialPortError.IoError, errno,
            $"Serial port '{settings.PortName}' rejected {settings.Describe()} in {call} ({Errno.Describe(errno)})");
}

using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace PowerWatch.Serial.Linux;

/// <summary>glibc/musl termios layout (x86-64, arm64, arm): 4 flag words, line, 32 cc, 2 speeds = 60 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Termios
{
    public uint IFlag;
    public uint OFlag;
    public uint CFlag;
    public uint LFlag;
    public byte Line;
    public fixed byte Cc[32];
    public uint ISpeed;
    public uint OSpeed;
}

/// <summary>Kernel <c>struct termios2</c> (asm-generic/termbits.h): 4 flag words, line, 19 cc, 2 speeds = 44 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Termios2
{
    public uint IFlag;
    public uint OFlag;
    public uint CFlag;
    public uint LFlag;
    public byte Line;
    public fixed byte Cc[19];
    public uint ISpeed;
    public uint OSpeed;
}

/// <summary>Kernel <c>struct serial_rs485</c> (linux/serial.h), 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SerialRs485
{
    public uint Flags;
    public uint DelayRtsBeforeSend;
    public uint DelayRtsAfterSend;
    public fixed uint Padding[5];
}

[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short REvents;
}

/// <summary>Constants of the Linux generic ABI (asm-generic: x86-64, arm64, arm, riscv).</summary>
internal static class Posix
{
    // open(2)
    public const int O_RDWR = 0x2;
    public const int O_NOCTTY = 0x100;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    // errno
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int EWOULDBLOCK = EAGAIN;
    public const int ENOIOCTLCMD = 515;
    public const int EOPNOTSUPP = 95;

    // c_iflag
    public const uint IGNBRK = 0x1;
    public const uint BRKINT = 0x2;
    public const uint IGNPAR = 0x4;
    public const uint PARMRK = 0x8;
    public const uint INPCK = 0x10;
    public const uint ISTRIP = 0x20;
    public const uint INLCR = 0x40;
    public const uint IGNCR = 0x80;
    public const uint ICRNL = 0x100;
    public const uint IUCLC = 0x200;
    public const uint IXON = 0x400;
    public const uint IXANY = 0x800;
    public const uint IXOFF = 0x1000;
    public const uint IMAXBEL = 0x2000;
    public const uint IUTF8 = 0x4000;

    // c_oflag
    public const uint OPOST = 0x1;
    public const uint ONLCR = 0x4;
    public const uint OCRNL = 0x8;

    // c_cflag
    public const uint CBAUD = 0x100F;
    public const uint BOTHER = 0x1000;
    public const uint CSIZE = 0x30;
    public const uint CS5 = 0x0;
    public const uint CS6 = 0x10;
    public const uint CS7 = 0x20;
    public const uint CS8 = 0x30;
    public const uint CSTOPB = 0x40;
    public const uint CREAD = 0x80;
    public const uint PARENB = 0x100;
    public const uint PARODD = 0x200;
    public const uint HUPCL = 0x400;
    public const uint CLOCAL = 0x800;
    public const int IBSHIFT = 16;
    public const uint CMSPAR = 0x40000000;
    public const uint CRTSCTS = 0x80000000;

    // c_lflag
    public const uint ISIG = 0x1;
    public const uint ICANON = 0x2;
    public const uint ECHO = 0x8;
    public const uint ECHOE = 0x10;
    public const uint ECHOK = 0x20;
    public const uint ECHONL = 0x40;
    public const uint NOFLSH = 0x80;
    public const uint IEXTEN = 0x8000;

    // c_cc
    public const int VTIME = 5;
    public const int VMIN = 6;

    // tcsetattr / tcflush
    public const int TCSANOW = 0;
    public const int TCIFLUSH = 0;
    public const int TCOFLUSH = 1;
    public const int TCIOFLUSH = 2;

    // ioctl requests (asm-generic/ioctls.h)
    public const nuint TIOCEXCL = 0x540C;
    public const nuint TIOCNXCL = 0x540D;
    public const nuint TIOCOUTQ = 0x5411;
    public const nuint FIONREAD = 0x541B;
    public const nuint TIOCGRS485 = 0x542E;
    public const nuint TIOCSRS485 = 0x542F;
    public const nuint TCGETS2 = 0x802C542A; // _IOR('T', 0x2A, struct termios2)
    public const nuint TCSETS2 = 0x402C542B; // _IOW('T', 0x2B, struct termios2)

    // serial_rs485.flags
    public const uint SER_RS485_ENABLED = 0x1;
    public const uint SER_RS485_RTS_ON_SEND = 0x2;
    public const uint SER_RS485_RTS_AFTER_SEND = 0x4;
    public const uint SER_RS485_RX_DURING_TX = 0x10;

    // poll
    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    // flock
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    // eventfd
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;
}

/// <summary>P/Invoke into the C library. Every call sets errno for <see cref="Marshal.GetLastPInvokeError"/>.</summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "isatty", SetLastError = true)]
    public static partial int IsATty(int fd);

    [LibraryImport(Lib, EntryPoint = "tcgetattr", SetLastError = true)]
    public static partial int TcGetAttr(int fd, Termios* termios);

    [LibraryImport(Lib, EntryPoint = "tcsetattr", SetLastError = true)]
    public static partial int TcSetAttr(int fd, int optionalActions, Termios* termios);

    [LibraryImport(Lib, EntryPoint = "cfsetispeed", SetLastError = true)]
    public static partial int CfSetISpeed(Termios* termios, uint speed);

    [LibraryImport(Lib, EntryPoint = "cfsetospeed", SetLastError = true)]
    public static partial int CfSetOSpeed(Termios* termios, uint speed);

    [LibraryImport(Lib, EntryPoint = "tcflush", SetLastError = true)]
    public static partial int TcFlush(int fd, int queueSelector);

    [LibraryImport(Lib, EntryPoint = "tcdrain", SetLastError = true)]
    public static partial int TcDrain(int fd);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Lib, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Lib, EntryPoint = "posix_openpt", SetLastError = true)]
    public static partial int PosixOpenPt(int flags);

    [LibraryImport(Lib, EntryPoint = "grantpt", SetLastError = true)]
    public static partial int GrantPt(int fd);

    [LibraryImport(Lib, EntryPoint = "unlockpt", SetLastError = true)]
    public static partial int UnlockPt(int fd);

    [LibraryImport(Lib, EntryPoint = "ptsname_r", SetLastError = true)]
    public static partial int PtsNameR(int fd, byte* buffer, nuint length);

    public static int LastError => Marshal.GetLastPInvokeError();
}

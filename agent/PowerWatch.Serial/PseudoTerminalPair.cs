using System.Runtime.InteropServices;
using System.Text;
using PowerWatch.Serial.Linux;

namespace PowerWatch.Serial;

/// <summary>
/// A Linux pseudo-terminal: the master side as a <see cref="Stream"/> for a simulator, and the slave path
/// (<c>/dev/pts/N</c>, optionally reachable through a symlink) for the program under test to open like a
/// serial port. The pair keeps its own descriptor on the slave open, in raw mode, so the master never sees a
/// hang-up while the peer closes and reopens the slave. A pty ignores baud, parity and stop bits: use
/// <see cref="PacedWriter"/> for realistic line timing.
/// </summary>
/// <remarks>Linux only: <see cref="Open"/> throws <see cref="PlatformNotSupportedException"/> elsewhere.</remarks>
public sealed class PseudoTerminalPair : IAsyncDisposable
{
    private readonly Stream _master;
    private readonly SafeHandle _slave;

    private PseudoTerminalPair(Stream master, SafeHandle slave, string slavePath, string? linkPath)
    {
        _master = master;
        _slave = slave;
        SlavePath = slavePath;
        LinkPath = linkPath;
    }

    /// <summary>The slave device (<c>/dev/pts/N</c>) the peer opens.</summary>
    public string SlavePath { get; }

    /// <summary>The symlink created to <see cref="SlavePath"/>, if one was asked for (removed on dispose).</summary>
    public string? LinkPath { get; }

    /// <summary>The path a peer should open: <see cref="LinkPath"/> when set, else <see cref="SlavePath"/>.</summary>
    public string PeerPath => LinkPath ?? SlavePath;

    /// <summary>The master side: bytes written here are read from the slave and vice versa.</summary>
    public Stream Master => _master;

    /// <summary>
    /// Creates a pty pair (posix_openpt, grantpt, unlockpt, ptsname_r) with the slave in raw mode.
    /// <paramref name="settings"/> (PortName ignored) is recorded in the slave's termios for programs that
    /// inspect it; <paramref name="linkPath"/> creates a symlink to the slave (an existing symlink is replaced).
    /// </summary>
    public static unsafe PseudoTerminalPair Open(SerialPortSettings? settings = null, string? linkPath = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Pseudo-terminals are implemented for Linux only");
        }

        var masterFd = LibC.PosixOpenPt(Posix.O_RDWR | Posix.O_NOCTTY | Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        if (masterFd < 0)
        {
            throw Errno.OpenFailed("/dev/ptmx", LibC.LastError);
        }

        var master = new FdHandle(masterFd);
        FdHandle? slave = null;
        try
        {
            if (LibC.GrantPt(masterFd) != 0)
            {
                throw Errno.OperationFailed("/dev/ptmx", "grantpt", LibC.LastError);
            }

            if (LibC.UnlockPt(masterFd) != 0)
            {
                throw Errno.OperationFailed("/dev/ptmx", "unlockpt", LibC.LastError);
            }

            var name = stackalloc byte[256];
            var rc = LibC.PtsNameR(masterFd, name, 256);
            if (rc != 0)
            {
                throw Errno.OperationFailed("/dev/ptmx", "ptsname_r", rc);
            }

            var slavePath = Encoding.UTF8.GetString(new ReadOnlySpan<byte>(name, IndexOfNul(name)));
            slave = TerminalSetup.OpenTerminal(slavePath);
            using (var lease = slave.Acquire())
            {
                TerminalSetup.Configure(lease.Fd, (settings ?? new SerialPortSettings { PortName = slavePath }) with { PortName = slavePath });
            }

            if (linkPath is not null)
            {
                if (new FileInfo(linkPath).LinkTarget is not null)
                {
                    File.Delete(linkPath);
                }

                File.CreateSymbolicLink(linkPath, slavePath);
            }

            return new PseudoTerminalPair(new FdStream(master, slavePath), slave, slavePath, linkPath);
        }
        catch
        {
            slave?.Dispose();
            master.Dispose();
            throw;
        }
    }

    /// <summary>Closes both sides and removes the symlink.</summary>
    public async ValueTask DisposeAsync()
    {
        await _master.DisposeAsync();
        _slave.Dispose();
        if (LinkPath is not null)
        {
            try
            {
                var info = new FileInfo(LinkPath);
                if (string.Equals(info.LinkTarget, SlavePath, StringComparison.Ordinal))
                {
                    info.Delete();
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static unsafe int IndexOfNul(byte* name)
    {
        var i = 0;
        while (i < 256 && name[i] != 0)
        {
            i++;
        }

        return i;
    }
}

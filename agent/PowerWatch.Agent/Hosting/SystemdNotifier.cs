using System.Net.Sockets;
using System.Text;

namespace PowerWatch.Agent.Hosting;

/// <summary>
/// The systemd notification protocol (sd_notify): one datagram per state change, sent to the
/// AF_UNIX socket named by NOTIFY_SOCKET ('@' prefix = Linux abstract namespace). No libsystemd needed.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;

    public SystemdNotifier(string? notifySocket)
    {
        if (string.IsNullOrEmpty(notifySocket) || !OperatingSystem.IsLinux())
        {
            return;
        }

        // An abstract socket address starts with a NUL byte; systemd writes it as '@'.
        var path = notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket;
        _endPoint = new UnixDomainSocketEndPoint(path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>True when the process runs under a service manager that listens for notifications.</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary>Sends one notification, e.g. <c>READY=1</c>, <c>WATCHDOG=1</c>, <c>STATUS=...</c>, <c>STOPPING=1</c>.</summary>
    public async ValueTask<bool> NotifyAsync(string state, CancellationToken cancellationToken = default)
    {
        if (_socket is null || _endPoint is null)
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(state);
        try
        {
            await _socket.SendToAsync(bytes, SocketFlags.None, _endPoint, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            // The manager went away; notifications are best effort by design.
            return false;
        }
    }

    /// <summary>
    /// The watchdog period requested by systemd (WATCHDOG_USEC, only when WATCHDOG_PID is unset or ours),
    /// or null when the watchdog is off.
    /// </summary>
    public static TimeSpan? WatchdogInterval(string? watchdogUsec, string? watchdogPid, int currentPid)
    {
        if (string.IsNullOrEmpty(watchdogUsec) || !long.TryParse(watchdogUsec, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(watchdogPid) && watchdogPid != currentPid.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(usec);
    }

    public void Dispose() => _socket?.Dispose();
}

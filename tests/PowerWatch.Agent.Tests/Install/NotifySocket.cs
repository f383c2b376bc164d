using System.Net.Sockets;
using System.Text;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Install;

/// <summary>
/// The datagram socket systemd hands a Type=notify service as NOTIFY_SOCKET: bound in a test directory, it receives
/// the sd_notify messages (READY=1, WATCHDOG=1, STOPPING=1) of the process under test.
/// </summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly byte[] _buffer = new byte[4096];

    public NotifySocket(string path)
    {
        Path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
    }

    public string Path { get; }

    /// <summary>
    /// The next message. Polls once a second so that a process that exits first fails the test at once with its exit
    /// code and output (or, with <paramref name="allowExit"/>, returns "" once it has exited).
    /// </summary>
    public async Task<string> ReceiveAsync(PeerProcess process, CancellationToken cancellationToken, bool allowExit = false)
    {
        while (true)
        {
            using var slice = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            slice.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                var n = await _socket.ReceiveAsync(_buffer, SocketFlags.None, slice.Token);
                return Encoding.UTF8.GetString(_buffer, 0, n);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (process.HasExited)
                {
                    // 143 = 128 + SIGTERM: killed by the signal, i.e. no handler turned it into a clean stop.
                    Assert.True(allowExit, $"exited with code {process.ExitCode} before notifying; output:\n{process.Output}");
                    return "";
                }
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no notification in time; output:\n{process.Output}");
            }
        }
    }

    /// <summary>Messages until <paramref name="watchdogs"/> WATCHDOG=1 have arrived.</summary>
    public async Task<List<string>> ReceiveUntilWatchdogsAsync(PeerProcess process, int watchdogs, CancellationToken cancellationToken)
    {
        var messages = new List<string>();
        while (messages.Count(m => m == "WATCHDOG=1") < watchdogs)
        {
            messages.Add(await ReceiveAsync(process, cancellationToken));
        }

        return messages;
    }

    /// <summary>After SIGTERM: the first message that is not a watchdog ping ("" when the process exited first).</summary>
    public async Task<string> ReceiveAfterWatchdogsAsync(PeerProcess process, CancellationToken cancellationToken)
    {
        string message;
        do
        {
            message = await ReceiveAsync(process, cancellationToken, allowExit: true);
        }
        while (message == "WATCHDOG=1");

        return message;
    }

    public void Dispose() => _socket.Dispose();
}

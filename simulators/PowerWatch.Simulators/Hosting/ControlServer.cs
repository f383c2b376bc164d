using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// The <c>serve</c> control channel: a line-based TCP server on 127.0.0.1 (port 0 by default; see <see cref="Port"/>).
/// Each line is a <see cref="SiteControl"/> command; the reply ends with <c>ok</c> or <c>error: …</c>; <c>quit</c> closes.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly SiteControl _control;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _gate = new();
    private Task _accept = Task.CompletedTask;

    private ControlServer(TcpListener listener, SiteControl control)
    {
        _listener = listener;
        _control = control;
    }

    /// <summary>The bound loopback port.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/>.</summary>
    public static ControlServer Start(SiteHost host, int port = 0)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var server = new ControlServer(listener, new SiteControl(host));
        server._accept = Task.Run(() => server.AcceptAsync(server._stop.Token), CancellationToken.None);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accept.ConfigureAwait(false);
        Task[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open).ConfigureAwait(false);
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(() => ServeAsync(client, ct), CancellationToken.None));
            }
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.UTF8);
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
                while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                {
                    if (line.Trim() is "quit" or "exit")
                    {
                        await writer.WriteAsync("ok\n".AsMemory(), ct).ConfigureAwait(false);
                        return;
                    }

                    await writer.WriteAsync(_control.Execute(line).AsMemory(), ct).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // Client gone or server stopping.
            }
        }
    }
}

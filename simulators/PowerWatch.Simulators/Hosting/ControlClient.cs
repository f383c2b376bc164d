using System.Net.Sockets;
using System.Text;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// Client of the control channel (<see cref="ControlServer"/>): sends one command line to 127.0.0.1:port and returns
/// the reply lines up to and including the closing <c>ok</c> or <c>error: …</c> line. Used by
/// <c>powerwatch-sim control PORT COMMAND</c>, so no <c>nc</c> is needed.
/// </summary>
public static class ControlClient
{
    /// <summary>The reply to <paramref name="command"/>; the last line is <c>ok</c> or starts with <c>error:</c>.</summary>
    /// <exception cref="SocketException">Nothing listens on the port.</exception>
    public static async Task<IReadOnlyList<string>> SendAsync(int port, string command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("one command per call (no newline)", nameof(command));
        }

        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port, cancellationToken).ConfigureAwait(false);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lines.Add(line);
            if (line == "ok" || line.StartsWith("error:", StringComparison.Ordinal))
            {
                break;
            }
        }

        return lines;
    }
}

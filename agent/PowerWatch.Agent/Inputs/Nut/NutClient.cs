using System.Net.Sockets;
using System.Text;

namespace PowerWatch.Agent.Inputs.Nut;

/// <summary>
/// A client of upsd's TCP protocol: optional USERNAME/PASSWORD, LIST UPS and LIST VAR. One request at a time;
/// every call has a timeout on the injected <see cref="TimeProvider"/>. After any error the connection is dropped
/// and re-opened by the next call.
/// </summary>
internal sealed class NutClient : IAsyncDisposable
{
    private readonly string _host;
    private readonly int _port;
    private readonly string? _username;
    private readonly string? _password;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TcpClient? _tcp;
    private StreamReader? _reader;
    private Stream? _stream;

    public NutClient(string host, int port, string? username, string? password, TimeSpan timeout, TimeProvider time)
    {
        _host = host;
        _port = port;
        _username = username;
        _password = password;
        _timeout = timeout;
        _time = time;
    }

    /// <summary>The UPS names upsd serves, with descriptions.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ListUpsAsync(CancellationToken cancellationToken)
    {
        var lines = await ListAsync(["LIST", "UPS"], cancellationToken);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var words in lines)
        {
            if (words.Count != 3 || words[0] != "UPS")
            {
                throw new NutProtocolException($"expected 'UPS <name> \"<description>\"', got '{string.Join(' ', words)}'");
            }

            result[words[1]] = words[2];
        }

        return result;
    }

    /// <summary>All variables of one UPS (NUT names, raw string values).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ListVarAsync(string ups, CancellationToken cancellationToken)
    {
        var lines = await ListAsync(["LIST", "VAR", ups], cancellationToken);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var words in lines)
        {
            var (name, value) = NutProtocol.ParseVar(words, ups);
            result[name] = value;
        }

        return result;
    }

    private async Task<List<IReadOnlyList<string>>> ListAsync(string[] words, CancellationToken cancellationToken)
    {
        var command = string.Join(' ', words.Take(2).Concat(words.Skip(2).Select(NutProtocol.Quote)));
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var cts = new CancellationTokenSource(_timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cts.Token);
            try
            {
                await EnsureConnectedAsync(linked.Token);
                await SendAsync(command, linked.Token);
                var first = await ReadWordsAsync(linked.Token);
                NutProtocol.ThrowIfError(first);
                if (!first.SequenceEqual(["BEGIN", .. words], StringComparer.Ordinal))
                {
                    throw new NutProtocolException($"expected 'BEGIN {string.Join(' ', words)}', got '{string.Join(' ', first)}'");
                }

                var lines = new List<IReadOnlyList<string>>();
                while (true)
                {
                    var line = await ReadWordsAsync(linked.Token);
                    NutProtocol.ThrowIfError(line);
                    if (line.Count >= 2 && line[0] == "END" && line[1] == "LIST")
                    {
                        return lines;
                    }

                    lines.Add(line);
                    if (lines.Count > 10_000)
                    {
                        throw new NutProtocolException($"{command} reply longer than 10000 lines");
                    }
                }
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Drop();
                throw new TimeoutException($"upsd at {_host}:{_port} did not answer '{command}' within {_timeout}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not NutErrorException)
            {
                Drop();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (_tcp is { Connected: true })
        {
            return;
        }

        Drop();
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(_host, _port, cancellationToken);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }

        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        if (_username is not null)
        {
            await ExpectOkAsync("USERNAME " + NutProtocol.Quote(_username), cancellationToken);
        }

        if (_password is not null)
        {
            await ExpectOkAsync("PASSWORD " + NutProtocol.Quote(_password), cancellationToken);
        }
    }

    private async Task ExpectOkAsync(string command, CancellationToken cancellationToken)
    {
        await SendAsync(command, cancellationToken);
        var words = await ReadWordsAsync(cancellationToken);
        NutProtocol.ThrowIfError(words);
        if (words.Count == 0 || words[0] != "OK")
        {
            throw new NutProtocolException($"expected OK to '{command.Split(' ')[0]}', got '{string.Join(' ', words)}'");
        }
    }

    private async Task SendAsync(string command, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(command + "\n");
        await _stream!.WriteAsync(bytes, cancellationToken);
    }

    private async Task<IReadOnlyList<string>> ReadWordsAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        return NutProtocol.Split(line);
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var sb = new StringBuilder();
        var buffer = new char[1];
        while (true)
        {
            var n = await _reader!.ReadAsync(buffer.AsMemory(), cancellationToken);
            if (n == 0)
            {
                throw new NutProtocolException($"upsd at {_host}:{_port} closed the connection");
            }

            if (buffer[0] == '\n')
            {
                return sb.ToString().TrimEnd('\r');
            }

            if (sb.Length >= NutProtocol.MaxLineLength)
            {
                throw new NutProtocolException($"reply line longer than {NutProtocol.MaxLineLength} characters");
            }

            sb.Append(buffer[0]);
        }
    }

    private void Drop()
    {
        _reader?.Dispose();
        _stream?.Dispose();
        _tcp?.Dispose();
        _reader = null;
        _stream = null;
        _tcp = null;
    }

    public ValueTask DisposeAsync()
    {
        Drop();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}

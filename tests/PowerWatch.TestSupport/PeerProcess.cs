using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace PowerWatch.TestSupport;

/// <summary>
/// A real peer program started by a test fixture. Output is captured (shown when a readiness wait fails);
/// the process tree is killed on dispose.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private PeerProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the program printed so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public static PeerProcess Start(string file, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var peer = new PeerProcess(process);
        process.OutputDataReceived += (_, e) => peer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => peer.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Runs a program to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        await using var p = Start(file, args, workingDirectory, environment);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p._process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}; output:\n{p.Output}");
        }

        return (p._process.ExitCode, p.Output);
    }

    /// <summary>Waits until a condition holds (polling), failing with the peer's output if it exits first or it never does.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        Poll.UntilAsync(
            condition,
            timeout,
            () => $"peer ready ({what}); output:\n{Output}",
            () => _process.HasExited ? $"peer exited (code {_process.ExitCode}) before {what}; output:\n{Output}" : null);

    /// <summary>Waits until something accepts TCP connections on 127.0.0.1:port.</summary>
    public Task WaitForTcpAsync(int port, TimeSpan? timeout = null) =>
        WaitUntilAsync(
            async () =>
            {
                try
                {
                    using var c = new TcpClient();
                    await c.ConnectAsync("127.0.0.1", port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            },
            timeout ?? TimeSpan.FromSeconds(15),
            $"listening on 127.0.0.1:{port}");

    /// <summary>Waits until the program has printed a line containing the text.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(Output.Contains(text, StringComparison.Ordinal)), timeout ?? TimeSpan.FromSeconds(15), $"printed '{text}'");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill?.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (OperationCanceledException)
        {
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_output.Length < 1_000_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}

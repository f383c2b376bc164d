using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Infrastructure;

/// <summary>A socat pseudo-terminal pair: bytes written to one end come out of the other (baud and parity are ignored).</summary>
internal sealed class PtyPair : IAsyncDisposable
{
    private readonly PeerProcess _socat;

    private PtyPair(PeerProcess socat, string a, string b)
    {
        _socat = socat;
        PeerSide = a;
        OurSide = b;
    }

    /// <summary>The end the third-party program opens.</summary>
    public string PeerSide { get; }

    /// <summary>The end our code opens.</summary>
    public string OurSide { get; }

    public static async Task<PtyPair> StartAsync(string directory)
    {
        var a = Path.Combine(directory, "pty-peer");
        var b = Path.Combine(directory, "pty-ours");
        var socat = PeerProcess.Start(Peers.Require("socat"), [$"pty,raw,echo=0,link={a}", $"pty,raw,echo=0,link={b}"]);
        try
        {
            await socat.WaitUntilAsync(() => Task.FromResult(File.Exists(a) && File.Exists(b)), TimeSpan.FromSeconds(10), "pty links created");
        }
        catch
        {
            await socat.DisposeAsync();
            throw;
        }

        return new PtyPair(socat, a, b);
    }

    public ValueTask DisposeAsync() => _socat.DisposeAsync();
}

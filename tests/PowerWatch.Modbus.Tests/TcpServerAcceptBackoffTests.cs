using System.Net;
using System.Net.Sockets;
using PowerWatch.TestSupport;

namespace PowerWatch.Modbus.Tests;

/// <summary>
/// The accept loop of <see cref="ModbusTcpServer"/> when accept keeps failing (as it does when the process is out of
/// file descriptors: EMFILE at once on every call): it pauses between attempts, doubling up to the cap, on the
/// server's <see cref="TimeProvider"/>, and reports the episode once. Time is manual, so an attempt can only follow
/// another when the test advances the clock past the pause.
/// </summary>
public sealed class TcpServerAcceptBackoffTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>An accept seam whose failures the test switches on and off; it counts the attempts.</summary>
    private sealed class FlakyAccept
    {
        private int _attempts;

        public volatile bool Failing = true;

        public int Attempts => Volatile.Read(ref _attempts);

        public ValueTask<Socket> AcceptAsync(Socket listener, CancellationToken ct)
        {
            Interlocked.Increment(ref _attempts);
            return Failing
                ? ValueTask.FromException<Socket>(new SocketException((int)SocketError.TooManyOpenSockets))
                : listener.AcceptAsync(ct);
        }
    }

    private static (ModbusTcpServer Server, FlakyAccept Accept, List<ModbusAcceptFailedEventArgs> Episodes) NewServer(ManualTimeProvider time)
    {
        var options = new ModbusServerOptions
        {
            TimeProvider = time,
            AcceptRetryDelay = TimeSpan.FromMilliseconds(10),
            AcceptRetryMaxDelay = TimeSpan.FromMilliseconds(80),
        };
        var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), new ModbusDataStoreHandler(new ModbusDataStore()), options);
        var accept = new FlakyAccept();
        server.AcceptConnection = accept.AcceptAsync;
        var episodes = new List<ModbusAcceptFailedEventArgs>();
        server.AcceptFailed += (_, e) =>
        {
            lock (episodes)
            {
                episodes.Add(e);
            }
        };
        return (server, accept, episodes);
    }

    /// <summary>Waits until attempt <paramref name="attempts"/> has failed and the loop has armed its pause of <paramref name="pause"/>.</summary>
    private static Task ParkedAsync(ManualTimeProvider time, FlakyAccept accept, int attempts, TimeSpan pause) =>
        Poll.UntilAsync(() => accept.Attempts == attempts && time.HasTimerDueIn(pause), Wait,
            () => $"attempt {attempts} failed and a {pause.TotalMilliseconds} ms pause armed (attempts {accept.Attempts}, timers {time.ActiveTimers})");

    [Fact]
    public async Task Failing_accept_is_retried_after_a_doubling_capped_pause_and_reported_once()
    {
        var time = new ManualTimeProvider();
        var (server, accept, episodes) = NewServer(time);
        await using var _ = server;
        await server.StartAsync();

        int[] pauses = [10, 20, 40, 80, 80, 80];
        for (var i = 0; i < pauses.Length; i++)
        {
            var pause = TimeSpan.FromMilliseconds(pauses[i]);
            await ParkedAsync(time, accept, i + 1, pause);

            // One tick short of the pause: the timer cannot fire, so no attempt can follow (no spinning).
            time.Advance(pause - TimeSpan.FromTicks(1));
            Assert.Equal(i + 1, accept.Attempts);
            time.Advance(TimeSpan.FromTicks(1));
        }

        await Poll.UntilAsync(() => accept.Attempts == pauses.Length + 1, Wait, () => $"attempt {pauses.Length + 1} (attempts {accept.Attempts})");
        Assert.Equal(pauses.Length + 1, server.Statistics.AcceptFailures);
        var episode = Assert.Single(episodes);
        Assert.Equal(SocketError.TooManyOpenSockets, episode.Exception.SocketErrorCode);
        Assert.Equal(TimeSpan.FromMilliseconds(10), episode.RetryDelay);
    }

    [Fact]
    public async Task A_successful_accept_ends_the_episode_and_the_next_failure_starts_again_from_the_first_pause()
    {
        var time = new ManualTimeProvider();
        var (server, accept, episodes) = NewServer(time);
        await using var _ = server;
        await server.StartAsync();
        await ParkedAsync(time, accept, 1, TimeSpan.FromMilliseconds(10));
        time.Advance(TimeSpan.FromMilliseconds(10));
        await ParkedAsync(time, accept, 2, TimeSpan.FromMilliseconds(20));

        // Descriptors are back: the next attempt accepts a real client, which is served.
        accept.Failing = false;
        time.Advance(TimeSpan.FromMilliseconds(20));
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(server.LocalEndPoint);
            await Poll.UntilAsync(() => server.Statistics.Connections == 1, Wait, () => "the first client accepted");
        }

        // The loop now waits in a real accept; the client after it is accepted, then accept fails again.
        await Poll.UntilAsync(() => accept.Attempts == 4, Wait, () => $"the loop waiting in accept again (attempts {accept.Attempts})");
        accept.Failing = true;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(server.LocalEndPoint);
            await ParkedAsync(time, accept, 5, TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(2, server.Statistics.Connections);
        Assert.Equal(3, server.Statistics.AcceptFailures);
        lock (episodes)
        {
            Assert.Equal(2, episodes.Count);
        }
    }
}

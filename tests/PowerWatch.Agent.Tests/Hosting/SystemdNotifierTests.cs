using System.Net.Sockets;
using System.Text;
using PowerWatch.Agent.Hosting;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Hosting;

public sealed class SystemdNotifierTests
{
    [Fact]
    public async Task Notification_arrives_as_one_datagram_on_the_notify_socket()
    {
        using var dir = new TempDir();
        var path = dir.File("notify.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));

        using var notifier = new SystemdNotifier(path);
        Assert.True(notifier.IsEnabled);
        Assert.True(await notifier.NotifyAsync("READY=1\nSTATUS=polling"));

        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var n = await listener.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        Assert.Equal("READY=1\nSTATUS=polling", Encoding.UTF8.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Abstract_socket_names_starting_with_at_are_supported()
    {
        var name = "powerwatch-test-" + Guid.NewGuid().ToString("N");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));

        using var notifier = new SystemdNotifier("@" + name);
        Assert.True(await notifier.NotifyAsync("WATCHDOG=1"));

        var buffer = new byte[64];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var n = await listener.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        Assert.Equal("WATCHDOG=1", Encoding.UTF8.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Without_a_notify_socket_nothing_is_sent()
    {
        using var notifier = new SystemdNotifier(null);
        Assert.False(notifier.IsEnabled);
        Assert.False(await notifier.NotifyAsync("READY=1"));
    }

    [Theory]
    [InlineData("30000000", null, 30.0)]
    [InlineData("30000000", "42", 30.0)]
    [InlineData("30000000", "7", null)]
    [InlineData("0", null, null)]
    [InlineData(null, null, null)]
    [InlineData("abc", null, null)]
    public void Watchdog_interval_follows_systemd_rules(string? usec, string? pid, double? expectedSeconds)
    {
        var interval = SystemdNotifier.WatchdogInterval(usec, pid, 42);
        Assert.Equal(expectedSeconds, interval?.TotalSeconds);
    }

    [Fact]
    public void Health_goes_bad_when_a_loop_stops_beating()
    {
        var time = new ManualTimeProvider();
        var health = new AgentHealth(time);
        health.Beat("bus tcp://a:502", TimeSpan.FromSeconds(10));
        Assert.True(health.IsHealthy);
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(["bus tcp://a:502"], health.Unhealthy());
        health.Beat("bus tcp://a:502", TimeSpan.FromSeconds(10));
        Assert.True(health.IsHealthy);
    }
}

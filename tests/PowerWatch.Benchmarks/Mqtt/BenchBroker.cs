using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Mqtt;

/// <summary>The mosquitto of the MQTT publish benchmarks: loopback, anonymous, no queue or in-flight limits, errors only.</summary>
internal static class BenchBroker
{
    public static async Task<(PeerProcess Broker, int Port)> StartAsync(TempDir dir, CancellationToken cancellationToken)
    {
        var port = Peers.FreeTcpPort();
        var config = dir.File("mosquitto.conf");
        var lines = new List<string> { $"listener {port} 127.0.0.1", "allow_anonymous true", "log_dest stderr", "log_type error", "max_queued_messages 0", "max_inflight_messages 0" };
        if (Environment.UserName == "root")
        {
            lines.Add("user root");
        }

        await File.WriteAllLinesAsync(config, lines, cancellationToken);
        var broker = PeerProcess.Start(Peers.Require("mosquitto"), ["-c", config]);
        await broker.WaitForTcpAsync(port);
        return (broker, port);
    }
}

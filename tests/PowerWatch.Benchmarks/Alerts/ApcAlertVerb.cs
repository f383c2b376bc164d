using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.ApcSmart;
using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Polling;
using PowerWatch.Benchmarks.Agent;
using PowerWatch.Core;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces.Serial;

namespace PowerWatch.Benchmarks.Alerts;

/// <summary>
/// <c>apc-alert</c>: how soon <c>ups.status</c> shows OB after a utility failure on an APC Smart-UPS (serial
/// protocol, 2400 baud pacing, over a raw TCP serial server). Two pollers read the same simulated UPS through two
/// faces at the same poll interval, side by side: one honours the UPS's <c>!</c> alert character (asks for a poll
/// at once), the other ignores it and waits for its next slot. Each failure falls at a random phase of the cycle.
/// </summary>
internal sealed class ApcAlertVerb : IBenchmarkVerb
{
    public string Name => "apc-alert";

    public string Description => "APC Smart utility failure -> ups.status OB: alert-requested poll vs next slot (--failures 20 --interval 1)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var failures = int.Parse(AgentBench.Arg(args, "--failures", "20"), CultureInfo.InvariantCulture);
        var interval = TimeSpan.FromSeconds(double.Parse(AgentBench.Arg(args, "--interval", "1"), CultureInfo.InvariantCulture));
        var time = TimeProvider.System;
        var site = Site.Create();
        site.RunFor(TimeSpan.FromSeconds(2), Site.DefaultStep);

        using var faceA = new ApcSmartFace(site);
        using var faceB = new ApcSmartFace(site);
        await using var serverA = await faceA.StartTcpAsync(cancellationToken: cancellationToken);
        await using var serverB = await faceB.StartTcpAsync(cancellationToken: cancellationToken);
        await using var inputA = Input(serverA.Endpoint, time);
        await using var inputB = Input(serverB.Endpoint, time);
        var hub = new ReadingHub();
        var results = hub.Subscribe("bench");
        var pollers = new[]
        {
            Poller("requested", inputA, serverA.Endpoint, interval, hub, time),
            Poller("slot-only", new SlotOnly(inputB), serverB.Endpoint, interval, hub, time),
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = pollers.Select(p => p.RunAsync(stop.Token)).ToArray();
        var latency = new Dictionary<string, List<double>> { ["requested"] = [], ["slot-only"] = [] };
        var random = new Random(1234);
        try
        {
            await WaitForAsync(results, "OL", latency.Keys, time, cancellationToken);
            for (var i = 0; i < failures; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * interval.TotalMilliseconds), time, cancellationToken);
                var start = time.GetTimestamp();
                site.Write(s => s.Utility.Fail());
                site.Step(Site.DefaultStep);
                foreach (var (device, at) in await WaitForAsync(results, "OB", latency.Keys, time, cancellationToken))
                {
                    latency[device].Add(time.GetElapsedTime(start, at).TotalMilliseconds);
                }

                site.Write(s => s.Utility.Restore());
                site.Step(Site.DefaultStep);
                await WaitForAsync(results, "OL", latency.Keys, time, cancellationToken);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(runs);
        }

        Console.WriteLine($"apc-alert: {Environment.ProcessorCount} cores, APC Smart at 2400 baud over TCP, poll interval {interval.TotalSeconds:0.###} s, {failures} utility failures at random phases");
        foreach (var (mode, values) in latency)
        {
            values.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"utility fail -> ups.status OB ({mode}): min {values[0]:0} ms, p50 {Percentile(values, 0.50):0} ms, p99 {Percentile(values, 0.99):0} ms, max {values[^1]:0} ms"));
        }

        return 0;
    }

    private static ApcSmartInput Input(string endpoint, TimeProvider time)
    {
        if (!DeviceEndpoint.TryParse(endpoint, out var ep, out var error))
        {
            throw new InvalidOperationException(error);
        }

        return new ApcSmartInput("ups-apc", SerialUpsLink.Connector(ep!, new SerialLineOptions { BaudRate = 2400 }), TimeSpan.FromSeconds(2), time);
    }

    private static EndpointPoller Poller(string device, IDeviceInput input, string endpoint, TimeSpan interval, ReadingHub hub, TimeProvider time)
    {
        var state = new DeviceState(device, "ups", "apc-smart", endpoint, interval);
        return new EndpointPoller(endpoint, [new PolledDevice(state, input, TimeSpan.FromHours(24))], hub, new AgentHealth(time), time, new PollBackoff(), new Random(1), NullLogger.Instance);
    }

    /// <summary>Waits until every device has reported a status carrying <paramref name="token"/>; returns when each did.</summary>
    private static async Task<Dictionary<string, long>> WaitForAsync(System.Threading.Channels.ChannelReader<PollResult> results, string token, IEnumerable<string> devices, TimeProvider time, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, long>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        while (!devices.All(seen.ContainsKey))
        {
            var r = await results.ReadAsync(limit.Token);
            var status = r.Readings.FirstOrDefault(x => x.Metric == "ups.status");
            if (status.Metric is not null && status.Value.Text.Split(' ').Contains(token) && !seen.ContainsKey(r.Device))
            {
                seen[r.Device] = time.GetTimestamp();
            }
        }

        return seen;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>The same input without its poll requests: the poller reads it only at its slots.</summary>
    private sealed class SlotOnly(IDeviceInput inner) : IDeviceInput
    {
        public Task<IReadOnlyList<Reading>> PollAsync(PollRequest request, CancellationToken cancellationToken) => inner.PollAsync(request, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

using System.Diagnostics;
using System.Globalization;
using PowerWatch.Modbus;

namespace PowerWatch.Benchmarks.Modbus;

/// <summary>
/// Requests per second reading 125 holding registers over loopback TCP from the libmodbus C server
/// (tests/peers/modbus/lmb_server.c): our <see cref="ModbusTcpClient"/> against the libmodbus C client, side by
/// side in one run, alternating which goes first each round. Also, per request: client CPU time of each side and
/// bytes allocated by ours. <c>--alloc-profile</c> samples which types our loop allocates.
/// <c>dotnet run -c Release --project tests/PowerWatch.Benchmarks -- modbus-tcp [--seconds 5] [--rounds 4] [--alloc-profile]</c>
/// </summary>
internal sealed class ModbusTcpBenchmark : IBenchmarkVerb
{
    private const ushort Count = 125;

    public string Name => "modbus-tcp";

    public string Description => "read 125 holding registers over loopback: our client vs libmodbus client, same libmodbus server";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = Option(args, "--seconds", 5.0);
        var rounds = (int)Option(args, "--rounds", 4.0);
        var duration = TimeSpan.FromSeconds(seconds);

        await using var peer = await LibModbusPeer.StartAsync();
        Console.WriteLine($"libmodbus server on 127.0.0.1:{peer.Port}; {rounds} rounds × {seconds:0.#} s per client; read {Count} holding registers at 0, one request in flight; {Environment.ProcessorCount} CPUs");

        // Warm-up: JIT and tiering of our path, libmodbus page-in; not measured.
        await RunOursAsync(peer.Port, TimeSpan.FromSeconds(Math.Min(3, seconds)), cancellationToken);
        await peer.RunClientBenchAsync(TimeSpan.FromSeconds(1));

        if (args.Contains("--alloc-profile"))
        {
            using var sampler = new AllocationSampler();
            var sampled = await RunOursAsync(peer.Port, duration, cancellationToken);
            Console.WriteLine($"allocation sample over {sampled.Requests:N0} requests ({sampled.BytesPerRequest:N1} B/request); GCAllocationTick (~100 KB) samples by type:");
            foreach (var (type, count) in sampler.Snapshot())
            {
                Console.WriteLine($"  {count,6}  {type}");
            }

            return 0;
        }

        var ours = new List<Result>();
        var theirs = new List<Result>();
        Console.WriteLine("round  first       ours req/s  libmodbus req/s  ratio   ours µs CPU/req  libmodbus µs CPU/req  ours B/req");
        for (var round = 1; round <= rounds && !cancellationToken.IsCancellationRequested; round++)
        {
            var oursFirst = round % 2 == 0;
            Result o, l;
            if (oursFirst)
            {
                o = await RunOursAsync(peer.Port, duration, cancellationToken);
                l = await RunTheirsAsync(peer, duration);
            }
            else
            {
                l = await RunTheirsAsync(peer, duration);
                o = await RunOursAsync(peer.Port, duration, cancellationToken);
            }

            ours.Add(o);
            theirs.Add(l);
            Console.WriteLine($"{round,5}  {(oursFirst ? "ours" : "libmodbus"),-10} {o.RequestsPerSecond,11:N0} {l.RequestsPerSecond,16:N0} {o.RequestsPerSecond / l.RequestsPerSecond,6:0.00} {o.CpuMicrosecondsPerRequest,16:0.0} {l.CpuMicrosecondsPerRequest,21:0.0} {o.BytesPerRequest,11:N1}");
        }

        var oursRps = Median(ours.Select(r => r.RequestsPerSecond));
        var theirsRps = Median(theirs.Select(r => r.RequestsPerSecond));
        var ratioMedian = Median(ours.Zip(theirs, (o, l) => o.RequestsPerSecond / l.RequestsPerSecond));
        Console.WriteLine($"median: ours {oursRps:N0} req/s, libmodbus {theirsRps:N0} req/s; ours/libmodbus {oursRps / theirsRps:0.00} (median of per-round ratios {ratioMedian:0.00}; target ≥ 1.00)");
        Console.WriteLine($"median client CPU per request: ours {Median(ours.Select(r => r.CpuMicrosecondsPerRequest)):0.0} µs, libmodbus {Median(theirs.Select(r => r.CpuMicrosecondsPerRequest)):0.0} µs; ours allocates {Median(ours.Select(r => r.BytesPerRequest)):N1} B/request");
        return 0;
    }

    private static async Task<Result> RunTheirsAsync(LibModbusPeer peer, TimeSpan duration)
    {
        var (requests, seconds, cpu) = await peer.RunClientBenchAsync(duration);
        return new Result(requests, requests / seconds, cpu * 1e6 / requests, 0);
    }

    private static async Task<Result> RunOursAsync(int port, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var client = new ModbusTcpClient("127.0.0.1", port, new ModbusClientOptions { Retries = 0 });
        var buffer = new ushort[Count];
        await client.ReadHoldingRegistersAsync(1, 0, buffer, cancellationToken); // connect outside the measurement
        Check(buffer);

        long requests = 0;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        do
        {
            // Check the clock every 64 requests, as the C client does.
            for (var i = 0; i < 64; i++)
            {
                await client.ReadHoldingRegistersAsync(1, 0, buffer, cancellationToken);
            }

            requests += 64;
        }
        while (clock.Elapsed < duration);
        var elapsed = clock.Elapsed.TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        Check(buffer);
        return new Result(requests, requests / elapsed, cpu * 1e6 / requests, (double)allocated / requests);
    }

    private static void Check(ushort[] buffer)
    {
        if (buffer[0] != 1000 || buffer[^1] != 1000 + Count - 1)
        {
            throw new InvalidOperationException($"unexpected register values {buffer[0]}..{buffer[^1]}");
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Option(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>One client's run: our CPU time is the whole benchmark process (includes the runtime's own threads).</summary>
    private readonly record struct Result(long Requests, double RequestsPerSecond, double CpuMicrosecondsPerRequest, double BytesPerRequest);
}

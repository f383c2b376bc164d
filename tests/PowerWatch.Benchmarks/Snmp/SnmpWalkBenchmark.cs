using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces.Snmp;
using PowerWatch.Snmp;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Snmp;

/// <summary>
/// Polls per second of a 24-outlet PDU as the PDU profile reads it over SNMP: the rPDU2 outlet columns switched state
/// (9.2.3.1.5), current (9.4.3.1.6), power (9.4.3.1.7) and energy (9.4.3.1.11), each walked with GETBULK
/// (max-repetitions 25, one request in flight) — our <see cref="SnmpClient"/> against a small C manager on
/// net-snmp's library (tests/peers/snmp/snmp_walk_bench.c, compiled at run time with cc; needs Debian libsnmp-dev),
/// both against the same agent: the simulator's rPDU2 face (<see cref="PduSnmpFace"/>) on a stepped site in this
/// process, on loopback UDP, v2c. Rounds alternate which client goes first.
/// <c>dotnet run -c Release --project tests/PowerWatch.Benchmarks -- snmp-walk [--seconds 5] [--rounds 4]</c>
/// </summary>
internal sealed class SnmpWalkBenchmark : IBenchmarkVerb
{
    private const int MaxRepetitions = 25;

    private static readonly string[] Columns =
    [
        "1.3.6.1.4.1.318.1.1.26.9.2.3.1.5", "1.3.6.1.4.1.318.1.1.26.9.4.3.1.6", "1.3.6.1.4.1.318.1.1.26.9.4.3.1.7", "1.3.6.1.4.1.318.1.1.26.9.4.3.1.11",
    ];

    public string Name => "snmp-walk";

    public string Description => "24-outlet rPDU2 walk (4 columns, GETBULK): our SnmpClient vs a net-snmp C client, same simulated agent";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = Option(args, "--seconds", 5.0);
        var rounds = (int)Option(args, "--rounds", 4.0);
        var duration = TimeSpan.FromSeconds(seconds);
        if (Peers.Find("cc") is null || Peers.Find("pkg:netsnmp") is null)
        {
            await Console.Error.WriteLineAsync("snmp-walk needs a C compiler and net-snmp's library: apt-get install gcc libsnmp-dev");
            return 2;
        }

        using var dir = new TempDir("powerwatch-bench-snmp");
        var cClient = await CompileAsync(dir.Path);
        var description = new SiteDescription { Pdus = [new PduOptions { Name = "pdu1", Outlets = 24, Noise = 0 }] };
        var site = Site.Create(description);
        site.RunFor(TimeSpan.FromSeconds(2), Site.DefaultStep);
        await using var server = await SnmpFaceServer.StartAsync(new PduSnmpFace(site, site.Pdus[0], PduMib.ApcRpdu2), new SnmpFaceServerOptions(), cancellationToken);
        var roots = Columns.Select(Oid.Parse).ToArray();
        Console.WriteLine($"rPDU2 face (24 outlets) on udp://127.0.0.1:{server.Port}; {rounds} rounds × {seconds:0.#} s per client; 4 columns by GETBULK max-repetitions {MaxRepetitions}, v2c, one request in flight; {Environment.ProcessorCount} CPUs; load average {LoadAverage()}");

        // Warm-up: JIT and tiering of our path and of the face; net-snmp's page-in. Not measured.
        await RunOursAsync(server.Port, roots, TimeSpan.FromSeconds(Math.Min(3, seconds)), cancellationToken);
        await RunTheirsAsync(cClient, server.Port, TimeSpan.FromSeconds(1));

        Console.WriteLine("round  first      ours polls/s  net-snmp polls/s  ratio   ours µs CPU/poll  net-snmp µs CPU/poll  values/poll");
        var ours = new List<Result>();
        var theirs = new List<Result>();
        for (var round = 1; round <= rounds && !cancellationToken.IsCancellationRequested; round++)
        {
            Result o, t;
            if (round % 2 == 0)
            {
                o = await RunOursAsync(server.Port, roots, duration, cancellationToken);
                t = await RunTheirsAsync(cClient, server.Port, duration);
            }
            else
            {
                t = await RunTheirsAsync(cClient, server.Port, duration);
                o = await RunOursAsync(server.Port, roots, duration, cancellationToken);
            }

            if (o.Values != t.Values || o.Values != 24 * Columns.Length)
            {
                await Console.Error.WriteLineAsync($"the clients read different tables: ours {o.Values} values per poll, net-snmp {t.Values}");
                return 1;
            }

            ours.Add(o);
            theirs.Add(t);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{round,5}  {(round % 2 == 0 ? "ours" : "net-snmp"),-9} {o.PollsPerSecond,13:N0}  {t.PollsPerSecond,16:N0}  {o.PollsPerSecond / t.PollsPerSecond,5:0.00}×  {o.CpuMicrosPerPoll,16:N0}  {t.CpuMicrosPerPoll,20:N0}  {o.Values,11}"));
        }

        var oursMedian = Median(ours.Select(r => r.PollsPerSecond));
        var theirsMedian = Median(theirs.Select(r => r.PollsPerSecond));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median: ours {oursMedian:N0} polls/s, net-snmp {theirsMedian:N0} polls/s, ratio {oursMedian / theirsMedian:0.00}× (target ≥ 1.0×); CPU per poll: ours {Median(ours.Select(r => r.CpuMicrosPerPoll)):N0} µs, net-snmp {Median(theirs.Select(r => r.CpuMicrosPerPoll)):N0} µs; agent requests {server.Agent.Statistics.Requests:N0}, malformed {server.Agent.Statistics.Malformed}; load average {LoadAverage()}"));
        return 0;
    }

    private static async Task<Result> RunOursAsync(int port, Oid[] roots, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var client = new SnmpClient("127.0.0.1", port, new SnmpClientOptions { MaxRepetitions = MaxRepetitions, Timeout = TimeSpan.FromSeconds(2), Retries = 1 });
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long polls = 0;
        var values = 0;
        while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
        {
            var inPoll = 0;
            foreach (var root in roots)
            {
                await foreach (var cell in client.WalkAsync(root, cancellationToken))
                {
                    _ = cell;
                    inPoll++;
                }
            }

            polls++;
            values = inPoll;
        }

        var elapsed = clock.Elapsed.TotalSeconds;

        // The process CPU includes the agent answering (the same for both clients, which share it): ours is compared
        // with net-snmp's client CPU plus the agent's share, measured the same way in RunTheirsAsync.
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        return new Result(polls / elapsed, cpu / polls * 1e6, values);
    }

    private static async Task<Result> RunTheirsAsync(string binary, int port, TimeSpan duration)
    {
        var agentCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var (exit, output) = await PeerProcess.RunAsync(binary,
            ["127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "public", duration.TotalSeconds.ToString(CultureInfo.InvariantCulture), MaxRepetitions.ToString(CultureInfo.InvariantCulture), .. Columns],
            duration + TimeSpan.FromSeconds(60), environment: new Dictionary<string, string> { ["MIBS"] = "" });
        var agentCpu = (Process.GetCurrentProcess().TotalProcessorTime - agentCpuStart).TotalSeconds;
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("{\"polls\"", StringComparison.Ordinal));
        if (exit != 0 || line is null)
        {
            throw new InvalidOperationException($"snmp_walk_bench failed ({exit}):\n{output}");
        }

        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        var polls = root.GetProperty("polls").GetInt64();
        return new Result(polls / root.GetProperty("seconds").GetDouble(), (root.GetProperty("cpu").GetDouble() + agentCpu) / polls * 1e6, root.GetProperty("values").GetInt32());
    }

    private static async Task<string> CompileAsync(string outputDir)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "peers", "snmp", "snmp_walk_bench.c");
        var (pcExit, flags) = await PeerProcess.RunAsync(Peers.Require("pkg-config"), ["--cflags", "--libs", "netsnmp"], TimeSpan.FromSeconds(60));
        if (pcExit != 0)
        {
            throw new InvalidOperationException("pkg-config netsnmp failed (apt-get install libsnmp-dev): " + flags);
        }

        var output = Path.Combine(outputDir, "snmp_walk_bench");
        string[] args = ["-O2", "-o", output, source, .. flags.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)];
        var (exit, text) = await PeerProcess.RunAsync(Peers.Require("cc"), args, TimeSpan.FromSeconds(120));
        return exit == 0 ? output : throw new InvalidOperationException("cc snmp_walk_bench.c failed:\n" + text);
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
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

    private readonly record struct Result(double PollsPerSecond, double CpuMicrosPerPoll, int Values);
}

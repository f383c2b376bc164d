using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Agent;

/// <summary>
/// <c>agent-startup</c>: start-up time and footprint of the shipped agent executable, the JIT build against the Native
/// AOT publish, side by side. The demo site (6 devices, each on its own Modbus TCP face on loopback) runs in this
/// process; the agent runs as a child (<c>powerwatch run --config</c>) so its RSS and CPU are its own. Per run:
/// <list type="bullet">
/// <item>first poll = process start → the first Modbus request any simulated device receives;</item>
/// <item>first online / all online = process start → <c>/api/devices</c> shows one / every device available;</item>
/// <item>after <c>--seconds</c> of polling at 1 s: RSS (VmRSS), peak RSS (VmHWM) and CPU time, as CPU seconds per minute.</item>
/// </list>
/// Builds are alternated run by run so both see the same load.
/// </summary>
internal sealed class AgentStartupVerb : IBenchmarkVerb
{
    public string Name => "agent-startup";

    public string Description => "JIT vs Native AOT agent on the demo site: time to first poll, RSS, CPU/min (--runs 5 --seconds 60 [--aot PATH] [--jit PATH] [--builds jit,aot])";

    private sealed record Result(string Build, double FirstPollMs, double FirstOnlineMs, double AllOnlineMs, double RssMiB, double PeakMiB, double CpuSecondsPerMinute);

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var runs = int.Parse(AgentBench.Arg(args, "--runs", "5"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(AgentBench.Arg(args, "--seconds", "60"), CultureInfo.InvariantCulture);
        var repo = RepositoryRoot();
        var aot = AgentBench.Arg(args, "--aot", Path.Combine(repo, "artifacts", "publish", "linux-x64-aot", "powerwatch"));
        var jit = AgentBench.Arg(args, "--jit", Path.Combine(repo, "agent", "PowerWatch.Agent", "bin", "Release", "net10.0", "powerwatch.dll"));
        var builds = AgentBench.Arg(args, "--builds", "jit,aot").Split(',', StringSplitOptions.RemoveEmptyEntries);
        foreach (var (build, path) in new[] { ("jit", jit), ("aot", aot) })
        {
            if (builds.Contains(build) && !File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"{build} build not found: {path}");
                return 2;
            }
        }

        await using var site = await SiteHost.StartAsync(new SiteHostOptions(), cancellationToken);
        Console.WriteLine($"agent-startup: demo site ({site.Devices.Count} devices, poll 1 s), {runs} run(s) per build, {seconds} s each; load average {LoadAverage()}");
        Console.WriteLine("| run | build | first poll ms | first online ms | all online ms | RSS MiB | peak RSS MiB | CPU s/min |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        var results = new List<Result>();
        for (var run = 1; run <= runs; run++)
        {
            foreach (var build in run % 2 == 1 ? builds : builds.Reverse())
            {
                var r = await RunOnceAsync(site, build, build == "aot" ? aot : jit, seconds, cancellationToken);
                results.Add(r);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {run} | {r.Build} | {r.FirstPollMs:0} | {r.FirstOnlineMs:0} | {r.AllOnlineMs:0} | {r.RssMiB:0.0} | {r.PeakMiB:0.0} | {r.CpuSecondsPerMinute:0.00} |"));
            }
        }

        foreach (var build in builds)
        {
            var mine = results.Where(r => r.Build == build).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"median {build}: first poll {Median(mine, r => r.FirstPollMs):0} ms, first online {Median(mine, r => r.FirstOnlineMs):0} ms, all online {Median(mine, r => r.AllOnlineMs):0} ms, RSS {Median(mine, r => r.RssMiB):0.0} MiB (peak {Median(mine, r => r.PeakMiB):0.0}), CPU {Median(mine, r => r.CpuSecondsPerMinute):0.00} s/min"));
        }

        Console.WriteLine($"load average at the end {LoadAverage()}");
        return 0;
    }

    private static async Task<Result> RunOnceAsync(SiteHost site, string build, string path, double seconds, CancellationToken cancellationToken)
    {
        using var dir = new TempDir("powerwatch-startup");
        var port = Peers.FreeTcpPort();
        var root = JsonNode.Parse(site.ToAgentConfigurationJson())!.AsObject();
        var pw = root["PowerWatch"]!.AsObject();
        pw["Agent"] = "startup-" + build;
        pw["DataDirectory"] = dir.File("data");
        pw["Status"] = new JsonObject { ["Url"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}") };
        var config = dir.File("site.json");
        await File.WriteAllTextAsync(config, root.ToJsonString(), cancellationToken);

        var psi = new ProcessStartInfo(build == "aot" ? path : "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.Path };
        if (build != "aot")
        {
            psi.ArgumentList.Add(path);
        }

        foreach (var a in new[] { "run", "--config", config })
        {
            psi.ArgumentList.Add(a);
        }

        var time = TimeProvider.System;
        var requestsBefore = site.Devices.Sum(d => d.Server.Statistics.Requests);
        var started = time.GetTimestamp();
        using var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // First poll: the first request at any simulated device (checked every millisecond).
            while (site.Devices.Sum(d => d.Server.Statistics.Requests) == requestsBefore)
            {
                Alive(process, build);
                Thread.Sleep(1);
            }

            var firstPoll = time.GetElapsedTime(started).TotalMilliseconds;
            using var http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}")), Timeout = TimeSpan.FromSeconds(5) };
            double? firstOnline = null;
            while (true)
            {
                Alive(process, build);
                var available = await AvailableAsync(http, cancellationToken);
                if (available > 0)
                {
                    firstOnline ??= time.GetElapsedTime(started).TotalMilliseconds;
                }

                if (available == site.Devices.Count)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(5), time, cancellationToken);
            }

            var allOnline = time.GetElapsedTime(started).TotalMilliseconds;
            await Task.Delay(TimeSpan.FromSeconds(seconds), time, cancellationToken);
            Alive(process, build);
            var status = await File.ReadAllLinesAsync($"/proc/{process.Id}/status", cancellationToken);
            var cpu = CpuSeconds(process.Id);
            var wall = time.GetElapsedTime(started).TotalSeconds;
            return new Result(build, firstPoll, firstOnline!.Value, allOnline, StatusKiB(status, "VmRSS:") / 1024, StatusKiB(status, "VmHWM:") / 1024, cpu / wall * 60);
        }
        finally
        {
            if (!process.HasExited)
            {
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await kill!.WaitForExitAsync(CancellationToken.None);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
    }

    private static void Alive(Process process, string build)
    {
        if (process.HasExited)
        {
            throw new InvalidOperationException($"the {build} agent exited with code {process.ExitCode}");
        }
    }

    private static async Task<int> AvailableAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/devices", UriKind.Relative), cancellationToken));
            return doc.RootElement.EnumerateArray().Count(d => d.GetProperty("available").GetBoolean());
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static double StatusKiB(string[] status, string field) =>
        double.Parse(status.Single(l => l.StartsWith(field, StringComparison.Ordinal))[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>utime + stime of the process from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static double Median(List<Result> results, Func<Result, double> value)
    {
        var sorted = results.Select(value).Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PowerWatch.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Environment.CurrentDirectory;
    }
}

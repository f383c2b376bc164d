using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Polling;
using PowerWatch.Core;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Benchmarks.Agent;

/// <summary>Shared plumbing of the agent load verbs: profiles, a runtime over given devices, a measured run.</summary>
internal static class AgentBench
{
    public static async Task<IReadOnlyDictionary<string, DeviceProfile>> ProfilesAsync(CancellationToken ct)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "profiles");
        if (!Directory.Exists(dir))
        {
            // Fall back to the repository's profile directory when run from a checkout.
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "agent", "profiles");
                if (Directory.Exists(candidate))
                {
                    dir = candidate;
                    break;
                }
            }
        }

        var (profiles, problems) = await AgentServices.LoadProfilesAsync(dir, ct);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"profile problems in {dir}: {problems.Count}");
        }

        return profiles;
    }

    public sealed record Result(int Devices, double Seconds, long Polls, long Failed, double CpuPercent, double RssMiB, double JitterP50Ms, double JitterP99Ms, double JitterMaxMs);

    /// <summary>
    /// Builds an <see cref="AgentRuntime"/> for <paramref name="devices"/>, runs every poller for
    /// <paramref name="warmup"/> + <paramref name="measure"/>, and reports process CPU / wall, RSS at the end, and the
    /// lateness of polls against their fixed-rate slots (EndpointPoller.PollStarted) during the measured window.
    /// </summary>
    public static async Task<Result> RunAsync(List<DeviceOptions> devices, IReadOnlyDictionary<string, DeviceProfile> profiles, TimeSpan warmup, TimeSpan measure, CancellationToken ct)
    {
        var options = new AgentOptions { Site = "bench", Agent = "bench", Devices = devices };
        var hub = new ReadingHub();
        var results = hub.Subscribe("bench", 100_000);
        var time = TimeProvider.System;
        await using var runtime = AgentRuntime.Build(options, profiles, hub, new AgentHealth(time), time, NullLoggerFactory.Instance);

        var measuring = 0;
        var samples = new List<double>(devices.Count * (int)Math.Ceiling(measure.TotalSeconds) * 2);
        foreach (var p in runtime.Pollers)
        {
            p.PollStarted += (_, late) =>
            {
                if (Volatile.Read(ref measuring) == 1)
                {
                    lock (samples)
                    {
                        samples.Add(late.TotalMilliseconds);
                    }
                }
            };
        }

        long polls = 0, failed = 0;
        string? firstError = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var drain = Task.Run(async () =>
        {
            try
            {
                await foreach (var r in results.ReadAllAsync(stop.Token))
                {
                    if (r.Error is not null)
                    {
                        firstError ??= r.Error;
                    }

                    if (Volatile.Read(ref measuring) == 1)
                    {
                        Interlocked.Increment(ref polls);
                        if (r.Error is not null)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        var loops = runtime.Pollers.Select(p => Task.Run(() => p.RunAsync(stop.Token), CancellationToken.None)).ToArray();

        await Task.Delay(warmup, ct);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(measure, ct);
        Volatile.Write(ref measuring, 0);
        wall.Stop();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds / wall.Elapsed.TotalSeconds * 100;
        var rss = process.WorkingSet64 / 1024.0 / 1024.0;

        await stop.CancelAsync();
        await Task.WhenAll(loops);
        await drain;

        double[] sorted;
        lock (samples)
        {
            sorted = [.. samples.Order()];
        }

        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        if (firstError is not null)
        {
            Console.Error.WriteLine($"first failed poll: {firstError}");
        }

        return new Result(devices.Count, wall.Elapsed.TotalSeconds, polls, failed, cpu, rss, P(0.50), P(0.99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }

    public static string Format(Result r) => string.Create(CultureInfo.InvariantCulture,
        $"| {r.Devices,6} | {r.Polls / r.Seconds,9:0.0} | {r.Failed,6} | {r.CpuPercent,6:0.0} | {r.RssMiB,7:0} | {r.JitterP50Ms,8:0.0} | {r.JitterP99Ms,8:0.0} | {r.JitterMaxMs,8:0.0} |");

    public const string Header = "| devices | polls/s | failed | CPU % | RSS MiB | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|";

    public static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}

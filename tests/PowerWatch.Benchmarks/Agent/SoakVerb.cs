using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Alerts;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Status;
using PowerWatch.Benchmarks.Mqtt;
using PowerWatch.Demo;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Benchmarks.Agent;

/// <summary>
/// <c>soak</c>: the demo site for N simulated days through the real agent on the site's clock (pollers over Modbus TCP,
/// outbox and MQTT to a real mosquitto, alert engine, failover analyzer, trend buffer, status API polled all the
/// time). Every <c>--outage-every</c> the utility fails for 30 min (the generator takes over); half-way between
/// outages one device after the other stops answering for 20 min; 10 min into every site hour the active alerts are
/// acknowledged and one is shelved for an hour through the API. Then it prints managed heap after a full collection,
/// RSS, open handles, threads, outbox bytes on disk and the sizes of the agent's keyed collections; at the end, for
/// the samples after the warm-up, whether each stays flat: the steady samples are cut into four quarters and each
/// quarter's highest value must lie within ±5 % of the mean of those four (the envelope: the heap and the outbox
/// saw-tooth with collections and segment rolls, a leak lifts every quarter above the one before).
/// </summary>
internal sealed class SoakVerb : IBenchmarkVerb
{
    private static readonly TimeSpan OutageLength = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan SilenceLength = TimeSpan.FromMinutes(20);

    // The writes and the sample come this long after each hour's events, while an outage or a silent device is on.
    private static readonly TimeSpan AfterEvents = TimeSpan.FromMinutes(10);

    public string Name => "soak";

    public string Description => "demo site for N simulated days through the real agent + mosquitto + status API: heap, RSS, handles, threads, outbox, collections per site hour (--days 7 --speed 1000 --poll 5 --outage-every 6)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var days = double.Parse(AgentBench.Arg(args, "--days", "7"), CultureInfo.InvariantCulture);
        var speed = double.Parse(AgentBench.Arg(args, "--speed", "1000"), CultureInfo.InvariantCulture);
        var poll = TimeSpan.FromSeconds(double.Parse(AgentBench.Arg(args, "--poll", "5"), CultureInfo.InvariantCulture));
        var outageEvery = TimeSpan.FromHours(double.Parse(AgentBench.Arg(args, "--outage-every", "6"), CultureInfo.InvariantCulture));
        var warmUp = TimeSpan.FromHours(double.Parse(AgentBench.Arg(args, "--warm-up-hours", "24"), CultureInfo.InvariantCulture));
        var length = TimeSpan.FromDays(days);

        using var dir = new TempDir("powerwatch-soak");
        var (broker, brokerPort) = await BenchBroker.StartAsync(dir, cancellationToken);
        await using var brokerProcess = broker;
        var clock = SimulationClock.CreateLive(TimeProvider.System, speed, out var held);
        using var startHold = held;
        await using var host = await SiteHost.StartAsync(new SiteHostOptions { Clock = clock }, cancellationToken);
        var status = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Peers.FreeTcpPort()}/"));
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(host.ToAgentConfigurationJson())))
            .AddInMemoryCollection(Overrides(host, dir.File("data"), status, brokerPort, poll))
            .Build();
        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                Console.Error.WriteLine(p);
            }

            return 2;
        }

        var profiles = await AgentBench.ProfilesAsync(cancellationToken);
        await using var app = AgentHost.Build(configuration, options, profiles, services =>
        {
            DemoCommand.UseSiteClock(services, host, startHold);
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Error));
        });
        await app.StartAsync(cancellationToken);
        Console.WriteLine($"soak: {days.ToString(CultureInfo.InvariantCulture)} simulated days, speed {speed.ToString(CultureInfo.InvariantCulture)}x, poll {poll.TotalSeconds} s, {host.Devices.Count} devices, utility outage every {outageEvery.TotalHours} h, mosquitto on {brokerPort}, {Environment.ProcessorCount} cores");
        Console.WriteLine("| site h | real s | heap MiB | RSS MiB | handles | threads | outbox KiB | alert tracks | trend series | active alerts | API calls | API errors |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");

        using var http = new HttpClient { BaseAddress = status };
        http.DefaultRequestHeaders.Add("X-PowerWatch", "1");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var api = new ApiLoad(http);
        var apiLoop = api.RunAsync(stop.Token);
        var alerts = app.Services.GetRequiredService<AlertService>();
        var trends = app.Services.GetRequiredService<TrendBuffer>();
        var samples = new List<Sample>();
        var started = Stopwatch.StartNew();
        var site = host.Site;
        try
        {
            for (var hour = 1; TimeSpan.FromHours(hour) <= length; hour++)
            {
                var wait = TimeSpan.FromHours(hour) - site.Clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, site.Clock, stop.Token);
                }

                DriveSite(host, TimeSpan.FromHours(hour), outageEvery);
                await Task.Delay(AfterEvents, site.Clock, stop.Token);
                await api.AcknowledgeAndShelveAsync(site.Clock.GetUtcNow(), stop.Token);
                var sample = Sample.Take(hour, started.Elapsed, dir.File("data"), alerts, trends, api);
                samples.Add(sample);
                Console.WriteLine(sample.Row());
            }
        }
        finally
        {
            await stop.CancelAsync();
            await apiLoop;
            using var hold = site.Clock.Hold();
            await app.StopAsync(CancellationToken.None);
        }

        return Report(samples, warmUp);
    }

    /// <summary>Called once a site hour: utility outages, and one device at a time going silent between them.</summary>
    private static void DriveSite(SiteHost host, TimeSpan at, TimeSpan outageEvery)
    {
        var intoCycle = TimeSpan.FromTicks(at.Ticks % outageEvery.Ticks);
        if (intoCycle == TimeSpan.Zero)
        {
            host.Site.Utility.Fail();
            _ = RestoreAfterAsync(host.Site.Clock, OutageLength, host.Site.Utility.Restore);
        }

        if (intoCycle == TimeSpan.FromTicks(outageEvery.Ticks / 2))
        {
            var device = host.Devices[(int)(at.Ticks / outageEvery.Ticks % host.Devices.Count)];
            device.Faults.Set(new FaultSetting(FaultKind.NoResponse));
            _ = RestoreAfterAsync(host.Site.Clock, SilenceLength, () => device.Faults.Set(FaultSetting.None));
        }
    }

    private static async Task RestoreAfterAsync(TimeProvider clock, TimeSpan after, Action restore)
    {
        await Task.Delay(after, clock);
        restore();
    }

    private static Dictionary<string, string?> Overrides(SiteHost host, string data, Uri status, int brokerPort, TimeSpan poll)
    {
        var text = poll.ToString("c", CultureInfo.InvariantCulture);
        var overrides = new Dictionary<string, string?>
        {
            ["PowerWatch:Agent"] = "soak",
            ["PowerWatch:DataDirectory"] = data,
            ["PowerWatch:Status:Enabled"] = "true",
            ["PowerWatch:Status:Url"] = status.ToString().TrimEnd('/'),
            ["PowerWatch:Mqtt:Enabled"] = "true",
            ["PowerWatch:Mqtt:Host"] = "127.0.0.1",
            ["PowerWatch:Mqtt:Port"] = brokerPort.ToString(CultureInfo.InvariantCulture),
            // Nothing confirms storage here (no ingest): entries leave the outbox on the broker's acknowledgement.
            ["PowerWatch:Mqtt:Delivery"] = "broker",
            ["PowerWatch:Alerts:EvaluationInterval"] = text,
            ["PowerWatch:Alerts:Failover:StaleAfter"] = (poll * 3).ToString("c", CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < host.Devices.Count; i++)
        {
            overrides[$"PowerWatch:Devices:{i}:PollInterval"] = text;
        }

        return overrides;
    }

    private static int Report(List<Sample> samples, TimeSpan warmUp)
    {
        var steady = samples.Where(s => TimeSpan.FromHours(s.Hour) > warmUp).ToList();
        var flat = true;
        if (steady.Count < 4)
        {
            Console.WriteLine($"fewer than four samples after the {warmUp.TotalHours} h warm-up: no verdict");
            return 1;
        }

        Console.WriteLine($"after the {warmUp.TotalHours} h warm-up ({steady.Count} samples): highest value of each quarter, and its distance from their mean");
        foreach (var (name, values) in new (string, Func<Sample, double>)[]
        {
            ("heap", s => s.HeapMiB), ("RSS", s => s.RssMiB), ("handles", s => s.Handles), ("threads", s => s.Threads),
            ("outbox", s => s.OutboxKiB), ("alert tracks", s => s.Tracks), ("trend series", s => s.Series),
        })
        {
            var quarter = steady.Count / 4;
            var peaks = Enumerable.Range(0, 4)
                .Select(q => steady.Skip(q * quarter).Take(q == 3 ? steady.Count - (3 * quarter) : quarter).Select(values).Max())
                .ToList();
            var mean = peaks.Average();
            // Within ±5 % of the mean, or less than one unit (a handle, a thread) on a small count.
            var ok = peaks.All(x => Math.Abs(x - mean) <= Math.Max(0.05 * mean, 1));
            flat &= ok;
            var worst = mean == 0 ? 0 : peaks.Max(x => Math.Abs(x - mean)) / mean;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-13} quarter peaks {string.Join(" / ", peaks.Select(p => p.ToString("0.0", CultureInfo.InvariantCulture))),-40} ±{worst * 100,4:0.0} %  {(ok ? "flat" : "NOT FLAT")}"));
        }

        var last = samples[^1];
        Console.WriteLine($"API: {last.ApiCalls} calls, {last.ApiErrors} errors; verdict: {(flat && last.ApiErrors == 0 ? "flat" : "NOT flat or API errors")}");
        return flat && last.ApiErrors == 0 ? 0 : 1;
    }

    private sealed record Sample(int Hour, TimeSpan Real, double HeapMiB, double RssMiB, int Handles, int Threads, double OutboxKiB, int Tracks, int Series, int Active, long ApiCalls, long ApiErrors)
    {
        public static Sample Take(int hour, TimeSpan real, string data, AlertService alerts, TrendBuffer trends, ApiLoad api)
        {
            var heap = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
            using var self = Process.GetCurrentProcess();
            var outbox = Directory.Exists(data)
                ? new DirectoryInfo(data).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) / 1024.0
                : 0;
            return new Sample(hour, real, heap, self.WorkingSet64 / 1048576.0, self.HandleCount, self.Threads.Count, outbox,
                alerts.Engine.TrackedCount, trends.SeriesCount, alerts.Engine.Active().Count, api.Calls, api.Errors);
        }

        public string Row() => string.Create(CultureInfo.InvariantCulture,
            $"| {Hour,6} | {Real.TotalSeconds,6:0} | {HeapMiB,8:0.0} | {RssMiB,7:0.0} | {Handles,7} | {Threads,7} | {OutboxKiB,10:0.0} | {Tracks,12} | {Series,12} | {Active,13} | {ApiCalls,9} | {ApiErrors,10} |");
    }

    /// <summary>An operator's browser and a monitoring scraper: the status API read back to back, writes once a site hour.</summary>
    private sealed class ApiLoad(HttpClient http)
    {
        private static readonly string[] Reads = ["api/devices", "api/alerts", "api/alerts?roots=true", "api/failover", "api/trends", "metrics"];
        private long _calls;
        private long _errors;

        public long Calls => Interlocked.Read(ref _calls);

        public long Errors => Interlocked.Read(ref _errors);

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
            {
                await CallAsync(HttpMethod.Get, Reads[i % Reads.Length], cancellationToken);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public async Task AcknowledgeAndShelveAsync(DateTimeOffset now, CancellationToken cancellationToken)
        {
            using var response = await http.GetAsync(new Uri("api/alerts", UriKind.Relative), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            var ids = doc.RootElement.GetProperty("active").EnumerateArray().Select(a => a.GetProperty("id").GetString()!).ToList();
            foreach (var id in ids)
            {
                await CallAsync(HttpMethod.Post, $"api/alerts/{Uri.EscapeDataString(id)}/ack?by=soak", cancellationToken);
            }

            if (ids.Count > 0)
            {
                var until = Uri.EscapeDataString(now.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                await CallAsync(HttpMethod.Post, $"api/alerts/{Uri.EscapeDataString(ids[0])}/shelve?until={until}&by=soak", cancellationToken);
            }
        }

        private async Task CallAsync(HttpMethod method, string path, CancellationToken cancellationToken)
        {
            try
            {
                using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
                using var response = await http.SendAsync(request, cancellationToken);
                Interlocked.Increment(ref _calls);
                // An acknowledgement of an alert that cleared meanwhile is a 404, not an API failure.
                if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.NotFound)
                {
                    Interlocked.Increment(ref _errors);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _errors);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
    }
}

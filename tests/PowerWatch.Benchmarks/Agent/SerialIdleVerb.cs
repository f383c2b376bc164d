using System.Diagnostics;
using System.Globalization;
using PowerWatch.Benchmarks.Mqtt;
using PowerWatch.Serial;
using PowerWatch.TestSupport;
using DotnetSerialPort = System.IO.Ports.SerialPort;

namespace PowerWatch.Benchmarks.Agent;

/// <summary>
/// serial-idle (issue 17, docs/dependencies.md): the CPU this process spends while two serial ports wait for bytes
/// that never come, over socat pty pairs. Three phases per round, each <c>--seconds</c> long, in one process:
/// <c>none</c> (no port open: the process's own idle cost), <c>ours</c> (two PowerWatch.Serial ports, a pending
/// <c>Stream.ReadAsync</c> on each) and <c>system.io.ports</c> (two System.IO.Ports ports, a pending
/// <c>BaseStream.ReadAsync</c> on each). Reported: CPU milliseconds per second of wall time, median over rounds.
/// Usage: serial-idle [--seconds S] [--rounds R]
/// </summary>
internal sealed class SerialIdleVerb : IBenchmarkVerb
{
    public string Name => "serial-idle";

    public string Description => "idle CPU of two waiting serial reads over pty pairs: PowerWatch.Serial vs System.IO.Ports";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = MqttPublishBenchmark.IntArg(args, "--seconds", 10);
        var rounds = MqttPublishBenchmark.IntArg(args, "--rounds", 3);
        Console.WriteLine($"serial-idle: two ports waiting for input over socat pty pairs, {seconds} s per phase, {rounds} round(s), {Environment.ProcessorCount} cores, " +
            $"load average at start {MqttLibrariesVerb.LoadAverage()}");
        using var dir = new TempDir("powerwatch-bench-serial-idle");
        var pairs = new List<(PeerProcess Socat, string A, string B)>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var a = dir.File($"pty-{i}-far");
                var b = dir.File($"pty-{i}-near");
                var socat = PeerProcess.Start(Peers.Require("socat"), [$"pty,raw,echo=0,link={a}", $"pty,raw,echo=0,link={b}"]);
                pairs.Add((socat, a, b));
                await socat.WaitUntilAsync(() => Task.FromResult(File.Exists(a) && File.Exists(b)), TimeSpan.FromSeconds(10), "pty links created");
            }

            var near = pairs.Select(p => new FileInfo(p.B).ResolveLinkTarget(true)?.FullName ?? p.B).ToList();
            var results = new List<(string Phase, double CpuMsPerSecond, string Load)>();
            using var self = Process.GetCurrentProcess();
            for (var round = 0; round < rounds; round++)
            {
                string[] phases = round % 2 == 0 ? ["none", "ours", "system.io.ports"] : ["system.io.ports", "ours", "none"];
                foreach (var phase in phases)
                {
                    var (cpuMs, load) = await MeasureAsync(phase, near, TimeSpan.FromSeconds(seconds), self, cancellationToken);
                    results.Add((phase, cpuMs, load));
                    Console.WriteLine($"  round {round} {phase,-16} {cpuMs,8:0.00} ms CPU per s  load {load}");
                }
            }

            Console.WriteLine();
            double Median(string phase) => MqttPublishBenchmark.Median(results.Where(r => r.Phase == phase).Select(r => r.CpuMsPerSecond));
            var none = Median("none");
            var ours = Median("ours");
            var sio = Median("system.io.ports");
            Console.WriteLine($"summary (median): none {none:0.00} ms/s   ours {ours:0.00} ms/s   System.IO.Ports {sio:0.00} ms/s   " +
                $"above the idle process: ours {ours - none:0.00} ms/s, System.IO.Ports {sio - none:0.00} ms/s, ratio {(sio - none) / Math.Max(ours - none, 0.01):0}x   load at end {MqttLibrariesVerb.LoadAverage()}");
            return 0;
        }
        finally
        {
            foreach (var p in pairs)
            {
                await p.Socat.DisposeAsync();
            }
        }
    }

    private static async Task<(double CpuMsPerSecond, string Load)> MeasureAsync(string phase, List<string> paths, TimeSpan duration, Process self, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ours = new List<ISerialPort>();
        var theirs = new List<DotnetSerialPort>();
        var reads = new List<Task>();
        try
        {
            foreach (var path in paths)
            {
                if (phase == "ours")
                {
                    var port = SerialPort.Open(new SerialPortSettings { PortName = path, BaudRate = 9600 });
                    ours.Add(port);
                    reads.Add(port.Stream.ReadAsync(new byte[64], stop.Token).AsTask());
                }
                else if (phase == "system.io.ports")
                {
                    var port = new DotnetSerialPort(path, 9600);
                    port.Open();
                    theirs.Add(port);
                    reads.Add(port.BaseStream.ReadAsync(new byte[64], stop.Token).AsTask());
                }
            }

            // Settle, then measure.
            await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, cancellationToken);
            self.Refresh();
            var cpu0 = self.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            await Task.Delay(duration, TimeProvider.System, cancellationToken);
            self.Refresh();
            var cpu = self.TotalProcessorTime - cpu0;
            var load = MqttLibrariesVerb.LoadAverage();
            if (reads.Any(r => r.IsCompleted))
            {
                throw new InvalidOperationException($"{phase}: a read completed although nothing was written");
            }

            return (cpu.TotalMilliseconds / sw.Elapsed.TotalSeconds, load);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var p in ours)
            {
                await p.DisposeAsync();
            }

            foreach (var p in theirs)
            {
                p.Dispose();
            }

            foreach (var r in reads)
            {
                try
                {
                    await r.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or TimeoutException or InvalidOperationException)
                {
                    // Cancelled or closed under the read: expected at the end of a phase.
                }
            }
        }
    }
}

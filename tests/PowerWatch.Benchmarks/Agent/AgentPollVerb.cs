using System.Diagnostics;
using System.Globalization;
using System.Net;
using PowerWatch.Agent.Configuration;
using PowerWatch.Modbus;

namespace PowerWatch.Benchmarks.Agent;

/// <summary>
/// <c>agent-poll</c>: the agent's real pollers (AgentRuntime + one EndpointPoller per device) polling N simulated
/// Modbus TCP UPSes at 1 s with the shipped APC profile. Realistic shape: one network management card per UPS, so
/// one TCP endpoint (one connection, one loop) per device. The N servers run in a child process (verb
/// <c>agent-poll-servers</c>) so the CPU and RSS measured are the agent's alone.
/// </summary>
internal sealed class AgentPollVerb : IBenchmarkVerb
{
    public string Name => "agent-poll";

    public string Description => "agent pollers vs N Modbus TCP UPSes at 1 s: CPU %, RSS, p99 poll jitter (--devices 100,500,2000 --seconds 20)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var counts = AgentBench.Arg(args, "--devices", "100,500,2000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var seconds = double.Parse(AgentBench.Arg(args, "--seconds", "20"), CultureInfo.InvariantCulture);
        var profiles = await AgentBench.ProfilesAsync(cancellationToken);
        Console.WriteLine($"agent-poll: {Environment.ProcessorCount} cores, poll interval 1 s, profile apc-smart-ups-modbus, {seconds} s measured after 5 s warm-up");
        Console.WriteLine(AgentBench.Header);
        foreach (var n in counts)
        {
            var self = Environment.ProcessPath!;
            var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                psi.ArgumentList.Add(typeof(AgentPollVerb).Assembly.Location);
            }

            psi.ArgumentList.Add("agent-poll-servers");
            psi.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
            using var child = Process.Start(psi)!;
            try
            {
                var line = await child.StandardOutput.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("server process exited");
                var ports = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
                var devices = ports.Select((port, i) => new DeviceOptions
                {
                    Id = "ups-" + i.ToString(CultureInfo.InvariantCulture),
                    Kind = "ups",
                    Input = "modbus",
                    Profile = "apc-smart-ups-modbus",
                    Endpoint = string.Create(CultureInfo.InvariantCulture, $"tcp://127.0.0.1:{port}"),
                    PollInterval = TimeSpan.FromSeconds(1),
                    Timeout = TimeSpan.FromMilliseconds(900),
                }).ToList();
                var result = await AgentBench.RunAsync(devices, profiles, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(seconds), cancellationToken);
                Console.WriteLine(AgentBench.Format(result));
            }
            finally
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync(CancellationToken.None);
            }
        }

        return 0;
    }
}

/// <summary><c>agent-poll-servers N</c>: helper of <c>agent-poll</c>; serves N APC-like Modbus TCP UPSes on loopback and prints their ports.</summary>
internal sealed class AgentPollServersVerb : IBenchmarkVerb
{
    public string Name => "agent-poll-servers";

    public string Description => "(helper of agent-poll) N Modbus TCP servers with an APC-like map; prints 'PORTS p1 p2 ...'";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var n = int.Parse(args[0], CultureInfo.InvariantCulture);
        var store = new ModbusDataStore(allDefined: true);
        store.SetRegisters(ModbusTable.HoldingRegisters, 0, [0x0000, 0x0002]); // UPSStatus_BF: online (SPEC §2.3)
        store.SetRegister(ModbusTable.HoldingRegisters, 129, 1800);            // runtime 1800 s
        store.SetRegister(ModbusTable.HoldingRegisters, 130, 0xC800);          // 100 % (÷512)
        var servers = new List<ModbusTcpServer>(n);
        try
        {
            for (var i = 0; i < n; i++)
            {
                var s = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), new ModbusDataStoreHandler(store, 1));
                await s.StartAsync(cancellationToken);
                servers.Add(s);
            }

            Console.WriteLine("PORTS " + string.Join(' ', servers.Select(s => s.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture))));
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            foreach (var s in servers)
            {
                await s.DisposeAsync();
            }
        }

        return 0;
    }
}

using System.Globalization;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Inputs.Modbus;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;
using PowerWatch.Serial;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces;

namespace PowerWatch.Benchmarks.Agent;

/// <summary>
/// <c>rtu-bus</c>: the agent's poller polling one APC UPS (shipped profile) back to back on a simulated RTU bus (the
/// simulators' <see cref="ModbusRtuBus"/> on a pty, replies paced at the baud rate), against the SPEC §1.6 wire-time
/// limit for the profile's actual requests: Σ (request 8 B + response 5 + 2N B) × 10 bits / baud + 2 × t3.5 per read
/// (8N1; t3.5 = 38.5 / baud s up to 19200).
/// </summary>
internal sealed class RtuBusVerb : IBenchmarkVerb
{
    public string Name => "rtu-bus";

    public string Description => "agent polls/s on a paced pty RTU bus at 9600 and 19200 baud vs the SPEC §1.6 wire-time limit (--seconds 20)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = double.Parse(AgentBench.Arg(args, "--seconds", "20"), CultureInfo.InvariantCulture);
        var bauds = AgentBench.Arg(args, "--baud", "9600,19200").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var profiles = await AgentBench.ProfilesAsync(cancellationToken);
        var profile = profiles["apc-smart-ups-modbus"];
        var plan = new ModbusDeviceInput("plan", null!, 1, profile, new PlannerOptions { MaxRegistersPerRequest = profile.Workarounds.MaxRegistersPerRequest, MaxGap = 8 }, TimeSpan.Zero, 0, TimeProvider.System).Plan(false);
        Console.WriteLine($"rtu-bus: profile apc-smart-ups-modbus, fast class = {plan.Count} reads of [{string.Join(", ", plan.Select(p => p.Count))}] registers, 8N1, {seconds} s measured");
        Console.WriteLine("| baud | wire limit ms/poll | limit polls/s | achieved polls/s | fraction | failed |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var baud in bauds)
        {
            var t35 = 38.5 / baud;
            var limit = plan.Sum(p => ((8 + 5 + (2 * p.Count)) * 10.0 / baud) + (2 * t35));
            var site = Site.Create();
            await using var bus = await ModbusRtuBus.StartAsync(baud, Parity.None, cancellationToken: cancellationToken);
            bus.Attach(new ApcSmartUpsFace(site), 1);
            var device = new DeviceOptions
            {
                Id = "ups-rtu",
                Kind = "ups",
                Input = "modbus",
                Profile = "apc-smart-ups-modbus",
                Endpoint = bus.Endpoint,
                Serial = new SerialLineOptions { BaudRate = baud, Parity = "none", StopBits = 1 },
                PollInterval = TimeSpan.FromMilliseconds(1),
                SlowPollInterval = TimeSpan.FromDays(1),
                Timeout = TimeSpan.FromSeconds(1),
                Retries = 0,
            };
            var r = await AgentBench.RunAsync([device], profiles, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(seconds), cancellationToken);
            var achieved = r.Polls / r.Seconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {baud} | {limit * 1000:0.00} | {1 / limit:0.00} | {achieved:0.00} | {achieved * limit * 100:0.0} % | {r.Failed} |"));
        }

        return 0;
    }
}

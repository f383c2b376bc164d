using System.CommandLine;
using System.Runtime.InteropServices;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces;
using PowerWatch.Simulators.Scenarios;

namespace PowerWatch.Simulator;

/// <summary>
/// <c>powerwatch-sim serve [--site file] [--speed N] [--scenario file] [--transport tcp|rtu+tcp|rtu] [--baud N]
/// [--control-port N] [--config-out file] [--base-port N] [--ups-protocol modbus|apc-smart|megatec-q1] [--snmp …]</c>: runs the site
/// live, serves every device's Modbus face on loopback (and the UPS's serial protocol face, and the SNMP faces, on request),
/// prints the endpoints and the control port, and runs until Ctrl+C.
/// </summary>
internal static class ServeVerb
{
    public static Command Create()
    {
        var site = new Option<FileInfo?>("--site") { Description = "site description JSON (default: the demo site)" };
        var speed = new Option<double>("--speed") { Description = "virtual time runs N × real time", DefaultValueFactory = _ => 1 };
        var scenario = new Option<FileInfo?>("--scenario") { Description = "play this scenario's timed events against the live site (expectations are not checked)" };
        var transport = new Option<string>("--transport") { Description = "tcp (Modbus TCP, one port per device), rtu+tcp (RTU over TCP), rtu (one pty bus, unit ids 1..n)", DefaultValueFactory = _ => "tcp" };
        var baud = new Option<int>("--baud") { Description = "baud rate the RTU bus is paced to", DefaultValueFactory = _ => 9600 };
        var controlPort = new Option<int>("--control-port") { Description = "loopback port of the line-based control channel (0 = any free port)", DefaultValueFactory = _ => 0 };
        var configOut = new Option<FileInfo?>("--config-out") { Description = "also write the agent configuration JSON for these endpoints to this file" };
        var basePort = new Option<int>("--base-port") { Description = "TCP devices listen on consecutive ports from this one in site order (UPS, generator, ATS, PDUs, meter); 0 = free ports. install/examples/powerwatch.json expects 15020", DefaultValueFactory = _ => 0 };
        var upsProtocol = new Option<string>("--ups-protocol") { Description = "modbus, or also serve the UPS on apc-smart / megatec-q1 (raw TCP serial server, 2400 baud pacing, next port after the TCP devices) and read it there in --config-out", DefaultValueFactory = _ => "modbus" };
        var command = new Command("serve", "run the site live and serve every device's Modbus face on 127.0.0.1, with a control channel")
        {
            site, speed, scenario, transport, baud, controlPort, configOut, basePort, upsProtocol,
        };
        var snmp = new SnmpServeOptions();
        snmp.AddTo(command);
        command.SetAction((parse, ct) => ServeAsync(
            snmp.Read(parse, out var snmpError), snmpError, parse.GetValue(site), parse.GetValue(speed), parse.GetValue(scenario), parse.GetValue(transport)!, parse.GetValue(baud),
            parse.GetValue(controlPort), parse.GetValue(configOut), parse.GetValue(basePort), parse.GetValue(upsProtocol)!, ct));
        return command;
    }

    private static async Task<int> ServeAsync(SnmpSiteOptions? snmp, string? snmpError, FileInfo? siteFile, double speed, FileInfo? scenarioFile, string transportText, int baud, int controlPort, FileInfo? configOut, int basePort, string upsProtocolText, CancellationToken cancellationToken)
    {
        if (snmpError is not null)
        {
            await Console.Error.WriteLineAsync(snmpError).ConfigureAwait(false);
            return RunVerb.ExitInvalidInput;
        }

        UpsSerialProtocol upsSerial;
        switch (upsProtocolText)
        {
            case "modbus": upsSerial = UpsSerialProtocol.None; break;
            case "apc-smart": upsSerial = UpsSerialProtocol.ApcSmart; break;
            case "megatec-q1": upsSerial = UpsSerialProtocol.MegatecQ1; break;
            default:
                await Console.Error.WriteLineAsync("--ups-protocol must be modbus, apc-smart or megatec-q1").ConfigureAwait(false);
                return RunVerb.ExitInvalidInput;
        }

        FaceTransport transport;
        switch (transportText)
        {
            case "tcp": transport = FaceTransport.Tcp; break;
            case "rtu+tcp": transport = FaceTransport.RtuOverTcp; break;
            case "rtu": transport = FaceTransport.Rtu; break;
            default:
                await Console.Error.WriteLineAsync("--transport must be tcp, rtu+tcp or rtu").ConfigureAwait(false);
                return RunVerb.ExitInvalidInput;
        }

        if (!(speed > 0) || double.IsInfinity(speed) || controlPort is < 0 or > 65535 || baud is < 50 or > 4_000_000 || basePort is < 0 or > 65_519)
        {
            await Console.Error.WriteLineAsync("--speed must be a positive factor, --control-port 0–65535, --baud 50–4000000, --base-port 0–65519").ConfigureAwait(false);
            return RunVerb.ExitInvalidInput;
        }

        SiteDescription description;
        Scenario? played = null;
        try
        {
            description = siteFile is null ? new SiteDescription() : await SiteDescription.LoadAsync(siteFile.FullName, cancellationToken).ConfigureAwait(false);
            if (scenarioFile is not null)
            {
                played = await ScenarioParser.LoadAsync(scenarioFile.FullName, cancellationToken).ConfigureAwait(false);
                description = played.SiteFor(description);
            }
        }
        catch (Exception ex) when (ex is ScenarioException or SiteConfigurationException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return RunVerb.ExitInvalidInput;
        }

        SiteHost started;
        try
        {
            started = await SiteHost.StartAsync(new SiteHostOptions
            {
                Site = description,
                Speed = speed,
                DefaultTransport = transport,
                BaudRate = baud,
                BasePort = basePort,
                UpsSerial = upsSerial,
                Snmp = snmp,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            await Console.Error.WriteLineAsync($"cannot listen on 127.0.0.1 ({ex.Message}); with --base-port {basePort} the TCP devices need consecutive free ports from {basePort}, one per device and one for a --ups-protocol serial face; with --snmp-base-port the SNMP faces need consecutive free UDP ports").ConfigureAwait(false);
            return RunVerb.ExitInvalidInput;
        }

        await using var host = started;
        await using var control = ControlServer.Start(host, controlPort);
        host.Site.EventOccurred += (_, e) => Console.Out.WriteLine($"{Durations.Format(e.Elapsed),12}  {e.Device,-10} {e.Kind,-9} {e.Message}");

        await Console.Out.WriteLineAsync($"site {host.Site.Name}, speed ×{speed}").ConfigureAwait(false);
        await Console.Out.WriteAsync(host.DescribeEndpoints()).ConfigureAwait(false);
        await Console.Out.WriteLineAsync($"control tcp://127.0.0.1:{control.Port} (line commands; try: help)").ConfigureAwait(false);
        if (configOut is not null)
        {
            await File.WriteAllTextAsync(configOut.FullName, host.ToAgentConfigurationJson(), cancellationToken).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"agent configuration written to {configOut.FullName}").ConfigureAwait(false);
        }

        // Our own SIGINT/SIGTERM handling: the stop must reach the serve loop even where the parser's handler does not fire.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        await Console.Out.WriteLineAsync("serving; Ctrl+C to stop").ConfigureAwait(false);
        try
        {
            if (played is not null)
            {
                await ScenarioPlayer.PlayAsync(host.Site, played, line => Console.Out.WriteLine(line), stop.Token).ConfigureAwait(false);
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl+C: normal stop.
        }
        catch (ScenarioException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return RunVerb.ExitInvalidInput;
        }

        await Console.Out.WriteLineAsync("stopped").ConfigureAwait(false);
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // A second signal raced with the shutdown: already stopping.
            }
        }
    }
}

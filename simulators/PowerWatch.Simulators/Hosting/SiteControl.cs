using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PowerWatch.Simulators.Scenarios;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// The text commands of the <c>serve</c> control channel, executed against a <see cref="SiteHost"/>. Every reply ends
/// with a line <c>ok</c> or <c>error: …</c>. Commands:
/// <list type="bullet">
/// <item><c>DEVICE.VERB [ARGS]</c> — a scenario event (the grammar of <see cref="SiteCommands"/>), e.g. <c>utility.fail</c>,
/// <c>utility.restore</c>, <c>generator.fault fail-to-start</c>, <c>ups.bias 1.4</c>, <c>pdu1.outlet 3 off</c>;</item>
/// <item><c>fault DEVICE SPEC</c> — a transport fault (<see cref="FaultSwitch.Parse"/>), e.g. <c>fault ups delay 2s</c>,
/// <c>fault ups crc</c>, <c>fault ups exception 06</c>, <c>fault ups none</c>;</item>
/// <item><c>status</c>, <c>devices</c>, <c>config</c> (agent configuration JSON), <c>help</c>.</item>
/// </list>
/// </summary>
public sealed class SiteControl
{
    private readonly SiteHost _host;

    public SiteControl(SiteHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <summary>Executes one command line; never throws for a bad command (the reply says <c>error: …</c>).</summary>
    public string Execute(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.Trim();
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return "error: empty command (try help)\n";
        }

        try
        {
            switch (parts[0])
            {
                case "help":
                    return Help + "ok\n";
                case "status":
                    return Status() + "ok\n";
                case "devices":
                    return _host.DescribeEndpoints() + "ok\n";
                case "config":
                    return _host.ToAgentConfigurationJson() + "\nok\n";
                case "fault":
                    if (parts.Length < 3)
                    {
                        return "error: fault DEVICE SPEC (e.g. fault ups delay 2s; fault ups none)\n";
                    }

                    var device = _host.Device(parts[1]);
                    device.Faults.Set(string.Join(' ', parts.Skip(2)));
                    return $"{device.Id} fault {device.Faults.Current}\nok\n";
                default:
                    var dot = parts[0].IndexOf('.', StringComparison.Ordinal);
                    if (dot <= 0 || dot == parts[0].Length - 1)
                    {
                        return $"error: unknown command '{parts[0]}' (try help)\n";
                    }

                    var action = new ScenarioAction(0, _host.Site.Elapsed, parts[0][..dot], parts[0][(dot + 1)..], parts.Skip(1).ToArray(), text);
                    var command = SiteCommands.Bind(_host.Site, action, "control");
                    _host.Site.Write(_ => command());
                    return "ok\n";
            }
        }
        catch (Exception ex) when (ex is ScenarioException or FormatException or ArgumentException or KeyNotFoundException)
        {
            return $"error: {ex.Message}\n";
        }
    }

    /// <summary>Command summary.</summary>
    public const string Help =
        "DEVICE.VERB [ARGS]   model event, e.g. utility.fail, utility.restore, utility.brownout 190, generator.fault fail-to-start,\n" +
        "                     generator.mode manual, generator.key 35705, ats.command 1, ups.bias 1.4, ups.load-step 80, pdu1.outlet 3 off\n" +
        "fault DEVICE SPEC    transport fault: none | delay 2s | timeout | crc | exception 06 | busy | wrong-tid | truncate | garbage | drop | drip 5ms\n" +
        "status               model summary\n" +
        "devices              endpoints, unit ids, profiles, faults\n" +
        "config               agent configuration JSON for these endpoints\n";

    private string Status() => _host.Site.Read(s =>
    {
        var sb = new StringBuilder();
        var ic = CultureInfo.InvariantCulture;
        sb.Append(ic, $"time      {s.Now:yyyy-MM-ddTHH:mm:ss}Z (elapsed {s.Elapsed:c})\n");
        sb.Append(ic, $"utility   {s.Utility.Condition} {s.Utility.Voltage:0.0} V {s.Utility.Frequency:0.00} Hz\n");
        sb.Append(ic, $"ats       {s.Ats.Position} transfers {s.Ats.TransferCount}{(s.Ats.FaultActive ? " FAULT" : string.Empty)}\n");
        sb.Append(ic, $"generator {s.Generator.State.ToText()} mode {s.Generator.Mode.ToText()} {s.Generator.PowerW / 1000:0.0} kW fuel {s.Generator.FuelPercent:0.0} %\n");
        sb.Append(ic, $"ups       {string.Join(' ', UpsStatusMapping.ToNutTokens(s.Ups.Status))} charge {s.Ups.ChargePercent:0.0} % runtime {s.Ups.ReportedRuntimeSeconds:0} s load {s.Ups.LoadPercent:0.0} %\n");
        foreach (var p in s.Pdus)
        {
            sb.Append(ic, $"{p.Name,-9} {p.PowerW:0} W {p.Voltage:0.0} V\n");
        }

        if (s.Meter is { } m)
        {
            sb.Append(ic, $"{m.Name,-9} {m.PowerW:0} W {m.ImportEnergyKwh:0.000} kWh\n");
        }

        return sb.ToString();
    });
}

/// <summary>
/// The <c>serve</c> control channel: a line-based TCP server on 127.0.0.1 (port 0 by default; see <see cref="Port"/>).
/// Each line is a <see cref="SiteControl"/> command; the reply ends with <c>ok</c> or <c>error: …</c>; <c>quit</c> closes.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly SiteControl _control;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _gate = new();
    private Task _accept = Task.CompletedTask;

    private ControlServer(TcpListener listener, SiteControl control)
    {
        _listener = listener;
        _control = control;
    }

    /// <summary>The bound loopback port.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/>.</summary>
    public static ControlServer Start(SiteHost host, int port = 0)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var server = new ControlServer(listener, new SiteControl(host));
        server._accept = Task.Run(() => server.AcceptAsync(server._stop.Token), CancellationToken.None);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accept.ConfigureAwait(false);
        Task[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open).ConfigureAwait(false);
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(() => ServeAsync(client, ct), CancellationToken.None));
            }
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.UTF8);
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
                while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                {
                    if (line.Trim() is "quit" or "exit")
                    {
                        await writer.WriteAsync("ok\n".AsMemory(), ct).ConfigureAwait(false);
                        return;
                    }

                    await writer.WriteAsync(_control.Execute(line).AsMemory(), ct).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // Client gone or server stopping.
            }
        }
    }
}

/// <summary>Plays a scenario's timed events against a live site (expectations are not evaluated; <c>powerwatch-sim run</c> does that).</summary>
public static class ScenarioPlayer
{
    /// <summary>
    /// Fires each action at its virtual time on the site's clock: the actions are scheduled on the site
    /// (<see cref="Site.Schedule"/>), so the physics applies each one at exactly its time whatever the speed. Returns when
    /// all fired or on cancellation.
    /// </summary>
    public static async Task PlayAsync(Site site, Scenario scenario, Action<string>? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(scenario);
        var bound = scenario.Actions.OrderBy(a => a.At).Select(a => (Action: a, Command: SiteCommands.Bind(site, a, scenario.Name))).ToList();
        if (bound.Count == 0)
        {
            return;
        }

        var left = bound.Count;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var (action, command) in bound)
        {
            site.Schedule(action.At, _ => command(), at =>
            {
                log?.Invoke($"{Durations.Format(at),12}  scenario   {action.Text}");
                if (Interlocked.Decrement(ref left) == 0)
                {
                    done.TrySetResult();
                }
            });
        }

        try
        {
            await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}

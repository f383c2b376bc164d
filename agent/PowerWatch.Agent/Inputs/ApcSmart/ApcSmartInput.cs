using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.Core;
using PowerWatch.SerialUps.ApcSmart;

namespace PowerWatch.Agent.Inputs.ApcSmart;

/// <summary>
/// An APC Smart-UPS on its serial protocol (SPEC §6), on a serial port or a raw TCP serial server. Each poll reads
/// f j B L O P F C Q (and ^A g n b in the slow class); a command answered <c>NA</c> is not asked again and its
/// metric is skipped. Unsolicited alert characters are taken from the byte stream at any time by the session's
/// reader: they change <see cref="CurrentStatus"/> at once, raise <see cref="AlertCharacterReceived"/> (so a poller
/// can poll immediately) and are merged into the next poll's ups.status when they are newer than its <c>Q</c> reply.
/// </summary>
internal sealed class ApcSmartInput : IDeviceInput, IPollRequestingInput
{
    private static readonly (byte Command, string Metric)[] Fast =
    [
        ((byte)'f', ApcSmartFields.BatteryCharge), ((byte)'j', ApcSmartFields.Runtime), ((byte)'B', ApcSmartFields.BatteryVoltage),
        ((byte)'L', ApcSmartFields.InputVoltage), ((byte)'O', ApcSmartFields.OutputVoltage), ((byte)'P', ApcSmartFields.Load),
        ((byte)'F', ApcSmartFields.InputFrequency), ((byte)'C', ApcSmartFields.Temperature), ((byte)'Q', ApcSmartFields.Status),
    ];

    private static readonly (byte Command, string Metric)[] Slow =
    [
        (ApcSmartProtocol.Model, ApcSmartFields.Model), ((byte)'g', ApcSmartFields.NominalBatteryVoltage),
        ((byte)'n', ApcSmartFields.Serial), ((byte)'b', ApcSmartFields.Firmware),
    ];

    private readonly string _device;
    private readonly Func<CancellationToken, Task<ISerialUpsLink>> _connect;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly HashSet<byte> _unsupported = [];
    private readonly Lock _gate = new();
    private readonly List<(long Sequence, ApcSmartAlert Alert)> _alerts = [];
    private ApcSmartSession? _session;
    private UpsStatus _polledStatus = UpsStatus.Empty;
    private UpsStatus _current = UpsStatus.Empty;
    private long _alertSequence;

    public ApcSmartInput(string device, Func<CancellationToken, Task<ISerialUpsLink>> connect, TimeSpan timeout, TimeProvider time)
    {
        _device = device;
        _connect = connect;
        _timeout = timeout;
        _time = time;
    }

    /// <summary>Raised (on the link's reader thread) with the device id and the alert, as soon as an alert character arrives.</summary>
    public event Action<string, ApcSmartAlert>? AlertCharacterReceived;

    /// <summary>Raised with every alert character: the poller reads the UPS at once.</summary>
    public event Action<string>? PollRequested;

    /// <summary>The latest status: the last <c>Q</c> reply with every later alert applied.</summary>
    public UpsStatus CurrentStatus
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Commands the UPS answered <c>NA</c> to (not asked again).</summary>
    public IReadOnlyCollection<byte> Unsupported => _unsupported;

    public async Task<IReadOnlyList<Reading>> PollAsync(PollRequest request, CancellationToken cancellationToken)
    {
        var session = await ConnectAsync(cancellationToken);
        try
        {
            var readings = new List<Reading>(16);
            foreach (var (command, metric) in request.IncludeSlow ? Fast.Concat(Slow) : Fast)
            {
                if (_unsupported.Contains(command))
                {
                    continue;
                }

                long mark;
                lock (_gate)
                {
                    mark = _alertSequence;
                }

                var reply = await session.QueryAsync(command, cancellationToken);
                if (reply is null)
                {
                    _unsupported.Add(command);
                    continue;
                }

                if (command == (byte)'Q')
                {
                    var status = ApcSmartUpsStatus.Parse(reply);
                    if (status is null)
                    {
                        readings.Add(Bad(metric));
                        continue;
                    }

                    lock (_gate)
                    {
                        // Alerts older than this Q reply are already reflected in it; newer ones still count.
                        _alerts.RemoveAll(a => a.Sequence <= mark);
                        _polledStatus = status;
                        _current = Replay(status);
                    }

                    continue;
                }

                readings.Add(Map(_device, command, metric, reply, request.Timestamp, request.Sequence));
            }

            var current = CurrentStatus;
            if (!current.IsEmpty)
            {
                readings.Add(new Reading(_device, ApcSmartFields.Status, ReadingValue.FromText(current.Format()), "", request.Timestamp, Quality.Good, request.Sequence));
            }

            return readings;

            Reading Bad(string metric) => new(_device, metric, ReadingValue.None, Unit(metric), request.Timestamp, Quality.Bad, request.Sequence);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await DropAsync();
            throw;
        }
    }

    /// <summary>One reply → one reading (bad quality when the text is not what the command returns). Pure.</summary>
    public static Reading Map(string device, byte command, string metric, string reply, DateTimeOffset timestamp, long sequence)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var value = command switch
        {
            ApcSmartProtocol.Model or (byte)'n' or (byte)'b' => reply.Trim().Length > 0 ? ReadingValue.FromText(reply.Trim()) : ReadingValue.None,
            (byte)'j' => ApcSmartProtocol.ParseRuntimeSeconds(reply) is { } s ? ReadingValue.FromNumber(s) : ReadingValue.None,
            (byte)'Q' => ApcSmartUpsStatus.Parse(reply) is { } st ? ReadingValue.FromText(st.Format()) : ReadingValue.None,
            _ => ApcSmartProtocol.ParseNumber(reply) is { } n ? ReadingValue.FromNumber(n) : ReadingValue.None,
        };
        return new Reading(device, metric, value, Unit(metric), timestamp, value.IsNone ? Quality.Bad : Quality.Good, sequence);
    }

    private static string Unit(string metric) => MetricCatalog.TryFind(metric, out var def) && def is not null ? def.Unit : "";

    private UpsStatus Replay(UpsStatus status)
    {
        foreach (var (_, alert) in _alerts)
        {
            status = ApcSmartUpsStatus.Apply(status, alert);
        }

        return status;
    }

    private void OnAlert(ApcSmartAlert alert)
    {
        lock (_gate)
        {
            _alertSequence++;
            _alerts.Add((_alertSequence, alert));
            if (_alerts.Count > 64)
            {
                _alerts.RemoveAt(0);
            }

            _current = ApcSmartUpsStatus.Apply(_current, alert);
        }

        AlertCharacterReceived?.Invoke(_device, alert);
        PollRequested?.Invoke($"alert character '{(char)alert}' ({alert})");
    }

    private async Task<ApcSmartSession> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_session is { IsBroken: false })
        {
            return _session;
        }

        await DropAsync();
        ISerialUpsLink link;
        using (var timeout = new CancellationTokenSource(_timeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            try
            {
                link = await _connect(linked.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"could not connect within {_timeout.TotalMilliseconds:0} ms");
            }
        }

        var session = new ApcSmartSession(link, _timeout, _time);
        session.AlertReceived += OnAlert;
        try
        {
            await session.StartAsync(cancellationToken);
        }
        catch
        {
            session.AlertReceived -= OnAlert;
            await session.DisposeAsync();
            throw;
        }

        _session = session;
        return session;
    }

    private async Task DropAsync()
    {
        var session = _session;
        _session = null;
        if (session is not null)
        {
            session.AlertReceived -= OnAlert;
            try
            {
                await session.DisposeAsync();
            }
            catch (IOException)
            {
                // Closing a broken link.
            }
        }
    }

    public ValueTask DisposeAsync() => new(DropAsync());
}

namespace PowerWatch.Simulators;

/// <summary>Something that happened in the simulated site (a state change, an alarm, an applied command).</summary>
/// <param name="Elapsed">Virtual time since the site started.</param>
/// <param name="Device">Device name (e.g. <c>ups</c>, <c>generator</c>, <c>pdu1</c>).</param>
/// <param name="Kind">Short machine-readable kind, e.g. <c>state</c>, <c>alarm</c>, <c>transfer</c>, <c>command</c>.</param>
/// <param name="Message">Human-readable description.</param>
public sealed record SimulationEvent(TimeSpan Elapsed, string Device, string Kind, string Message);

/// <summary>Collects events while the site is locked; the site publishes them after releasing its lock.</summary>
internal sealed class EventLog
{
    private readonly List<SimulationEvent> _pending = [];

    public TimeSpan Now { get; set; }

    public void Add(string device, string kind, string message) => _pending.Add(new SimulationEvent(Now, device, kind, message));

    public bool HasPending => _pending.Count > 0;

    public SimulationEvent[] Drain()
    {
        var items = _pending.ToArray();
        _pending.Clear();
        return items;
    }
}

namespace PowerWatch.Agent.Hosting;

/// <summary>
/// Liveness of the agent's own loops: each loop beats; the agent is healthy while every registered
/// loop has beaten within its allowance. Feeds the systemd watchdog and /healthz.
/// </summary>
internal sealed class AgentHealth
{
    private readonly TimeProvider _time;
    private readonly Dictionary<string, (DateTimeOffset Last, TimeSpan Allowance)> _loops = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public AgentHealth(TimeProvider time)
    {
        _time = time;
    }

    public void Beat(string loop, TimeSpan allowance)
    {
        lock (_gate)
        {
            _loops[loop] = (_time.GetUtcNow(), allowance);
        }
    }

    public void Remove(string loop)
    {
        lock (_gate)
        {
            _loops.Remove(loop);
        }
    }

    public bool IsHealthy => Unhealthy().Count == 0;

    /// <summary>Loops that have not beaten within their allowance.</summary>
    public IReadOnlyList<string> Unhealthy()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            return _loops.Where(kv => now - kv.Value.Last > kv.Value.Allowance).Select(kv => kv.Key).OrderBy(k => k, StringComparer.Ordinal).ToList();
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace PowerWatch.Benchmarks.Modbus;

/// <summary>
/// Counts the runtime's GCAllocationTick events (one per ~100 KB allocated, naming the type that crossed the
/// threshold) by type: a statistical picture of what a loop allocates, without an external profiler.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, int> _byType = new();

    public IEnumerable<(string Type, int Count)> Snapshot() =>
        _byType.OrderByDescending(p => p.Value).Select(p => (p.Key, p.Value)).ToArray();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && eventData.PayloadNames is { } names)
        {
            var i = names.IndexOf("TypeName");
            var type = i >= 0 ? eventData.Payload?[i] as string ?? "?" : "?";
            _byType.AddOrUpdate(type, 1, (_, n) => n + 1);
        }
    }
}

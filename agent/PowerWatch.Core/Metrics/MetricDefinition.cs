using System.Collections.Immutable;

namespace PowerWatch.Core;

/// <summary>The kind of value a metric carries.</summary>
public enum MetricKind
{
    /// <summary>A double with a unit.</summary>
    Number = 0,

    /// <summary>A boolean.</summary>
    Boolean = 1,

    /// <summary>A short string; when <see cref="MetricDefinition.Values"/> is not empty, one of those.</summary>
    Text = 2,

    /// <summary>A space-separated NUT status token set (<see cref="UpsStatus"/>).</summary>
    Status = 3,
}

/// <summary>Which devices emit a metric; used to group the rendered catalogue.</summary>
public enum MetricGroup
{
    Device = 0,
    Ups = 1,
    Generator = 2,
    Engine = 3,
    Mains = 4,
    Ats = 5,
    Pdu = 6,
    Meter = 7,

    /// <summary>Written by the agent's failover analyzer (InfluxDB measurement <c>failover</c>), never by a device.</summary>
    Failover = 8,

    /// <summary>NUT's input and output domains, shared by the UPS, the transfer switch, the PDU and the meter.</summary>
    Power = 9,
}

/// <summary>
/// One catalogue entry. <see cref="Name"/> may be a pattern: <c>{n}</c> stands for a positive integer
/// (<c>outlet.{n}.current</c>) and <c>{name}</c> for a lower-case identifier (<c>generator.alarm.{name}</c>).
/// </summary>
public sealed record MetricDefinition(
    string Name,
    string Unit,
    MetricKind Kind,
    MetricGroup Group,
    string Description)
{
    /// <summary>Allowed values of a text metric (empty: free text). Wire-visible: frozen by tests.</summary>
    public ImmutableArray<string> Values { get; init; } = [];

    /// <summary>True when <see cref="Name"/> contains a placeholder.</summary>
    public bool IsPattern => Name.Contains('{', StringComparison.Ordinal);
}

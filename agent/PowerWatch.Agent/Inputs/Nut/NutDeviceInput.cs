using System.Globalization;
using PowerWatch.Core;

namespace PowerWatch.Agent.Inputs.Nut;

/// <summary>
/// A UPS served by NUT's upsd: every variable whose name is in the metric catalogue becomes a reading (PowerWatch
/// uses NUT's names, so no mapping table is needed); other variables are ignored. <c>ups.status</c> is normalised
/// through <see cref="UpsStatus"/> (unknown tokens kept). DATA-STALE from upsd fails the poll, so staleness
/// propagates instead of old values looking current.
/// </summary>
internal sealed class NutDeviceInput : IDeviceInput
{
    private readonly string _device;
    private readonly string _ups;
    private readonly NutClient _client;

    public NutDeviceInput(string device, string ups, NutClient client)
    {
        _device = device;
        _ups = ups;
        _client = client;
    }

    public async Task<IReadOnlyList<Reading>> PollAsync(PollRequest request, CancellationToken cancellationToken)
    {
        var vars = await _client.ListVarAsync(_ups, cancellationToken);
        return Map(_device, vars, request.Timestamp, request.Sequence);
    }

    /// <summary>Maps NUT variables to readings (pure, for tests).</summary>
    public static IReadOnlyList<Reading> Map(string device, IReadOnlyDictionary<string, string> vars, DateTimeOffset timestamp, long sequence)
    {
        var readings = new List<Reading>(vars.Count);
        foreach (var (name, raw) in vars.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!MetricCatalog.TryFind(name, out var def) || def is null)
            {
                continue;
            }

            var value = def.Kind switch
            {
                MetricKind.Number => double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? ReadingValue.FromNumber(d) : ReadingValue.None,
                MetricKind.Boolean => raw is "1" or "yes" or "on" or "true" ? ReadingValue.FromBoolean(true)
                    : raw is "0" or "no" or "off" or "false" ? ReadingValue.FromBoolean(false) : ReadingValue.None,
                MetricKind.Status => ReadingValue.FromText(UpsStatus.Parse(raw).Format()),
                _ => ReadingValue.FromText(raw),
            };
            var quality = value.IsNone ? Quality.Bad : Quality.Good;
            readings.Add(new Reading(device, name, value, def.Unit, timestamp, quality, sequence));
        }

        return readings;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the client belongs to the endpoint
}

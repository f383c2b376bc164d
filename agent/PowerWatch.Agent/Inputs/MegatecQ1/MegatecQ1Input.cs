using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.Core;
using PowerWatch.SerialUps.MegatecQ1;

namespace PowerWatch.Agent.Inputs.MegatecQ1;

/// <summary>
/// A Megatec / Voltronic "Q1" UPS on a serial port or a raw TCP serial server (SPEC §5). Each poll sends
/// <c>Q1</c>; the slow class adds <c>F</c> (ratings) and <c>I</c> (identification), each skipped for good once the UPS
/// echoes it (unsupported). battery.charge (and battery.runtime with runtimecal) are estimated as NUT does.
/// The link is opened on the first poll and re-opened on the poll after any transport failure.
/// </summary>
internal sealed class MegatecQ1Input : IDeviceInput
{
    private readonly string _device;
    private readonly Func<CancellationToken, Task<ISerialUpsLink>> _connect;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _pauseAfterConnect;
    private readonly TimeProvider _time;
    private readonly MegatecQ1Options _options;
    private readonly MegatecQ1Battery _battery;
    private MegatecQ1Client? _client;
    private MegatecQ1Ratings? _ratings;
    private MegatecQ1Identity? _identity;
    private bool _ratingsUnsupported;
    private bool _identityUnsupported;

    public MegatecQ1Input(string device, Func<CancellationToken, Task<ISerialUpsLink>> connect, MegatecQ1Options options, TimeSpan timeout, TimeProvider time, TimeSpan pauseAfterConnect = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        _device = device;
        _connect = connect;
        _options = options;
        _timeout = timeout;
        _time = time;
        _pauseAfterConnect = pauseAfterConnect;
        _battery = new MegatecQ1Battery(options);
    }

    /// <summary>The last ratings read (F), if any.</summary>
    public MegatecQ1Ratings? Ratings => _ratings;

    public async Task<IReadOnlyList<Reading>> PollAsync(PollRequest request, CancellationToken cancellationToken)
    {
        var client = await ConnectAsync(cancellationToken);
        try
        {
            var slow = new List<Reading>();
            if (request.IncludeSlow || _ratings is null)
            {
                if (!_ratingsUnsupported)
                {
                    try
                    {
                        _ratings = await client.ReadRatingsAsync(cancellationToken);
                    }
                    catch (MegatecQ1Exception ex) when (ex.Error == MegatecQ1Error.Unsupported)
                    {
                        _ratingsUnsupported = true;
                    }
                }

                if (request.IncludeSlow && !_identityUnsupported)
                {
                    try
                    {
                        _identity = await client.ReadIdentityAsync(cancellationToken);
                    }
                    catch (MegatecQ1Exception ex) when (ex.Error == MegatecQ1Error.Unsupported)
                    {
                        _identityUnsupported = true;
                    }
                }

                if (request.IncludeSlow)
                {
                    slow.AddRange(MapSlow(_device, _ratings, _identity, request.Timestamp, request.Sequence));
                }
            }

            var status = await client.ReadStatusAsync(cancellationToken);
            var readings = Map(_device, status, _ratings, _battery, _options, request.Timestamp, request.Sequence);
            readings.AddRange(slow);
            return readings;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (ex is not MegatecQ1Exception { Error: not MegatecQ1Error.Timeout })
            {
                // Transport trouble or silence: start from a fresh link next poll.
                await DropAsync();
            }

            throw;
        }
    }

    /// <summary>Readings of one Q1 status line (pure apart from the battery estimator's state).</summary>
    public static List<Reading> Map(string device, MegatecQ1Status status, MegatecQ1Ratings? ratings, MegatecQ1Battery battery, MegatecQ1Options options, DateTimeOffset timestamp, long sequence)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(battery);
        ArgumentNullException.ThrowIfNull(options);
        var list = new List<Reading>(14);
        Add(Q1Fields.InputVoltage, status.InputVoltage);
        Add(Q1Fields.InputFaultVoltage, status.InputFaultVoltage);
        Add(Q1Fields.OutputVoltage, status.OutputVoltage);
        Add(Q1Fields.Load, status.Load);
        Add(Q1Fields.InputFrequency, status.InputFrequency);
        var packVoltage = status.BatteryVoltage is { } bv ? battery.PackVoltage(bv, ratings?.BatteryVoltage) ?? bv : (double?)null;
        Add(Q1Fields.BatteryVoltage, packVoltage);
        Add(Q1Fields.Temperature, status.Temperature);
        if (status.Bits is not null)
        {
            list.Add(Text(Q1Fields.Status, StatusOf(status, options).Format()));
            list.Add(new Reading(device, Q1Fields.Beeper, ReadingValue.FromBoolean(status.BeeperOn), "", timestamp, Quality.Good, sequence));
            list.Add(Text(Q1Fields.UpsType, status.StandbyType ? "line-interactive" : "online"));
        }

        if (status.BatteryVoltage is not null)
        {
            var (charge, runtime) = battery.Update(timestamp, packVoltage, ratings?.BatteryVoltage, status.Load, status.UtilityFail);
            Add(Q1Fields.Charge, charge);
            Add(Q1Fields.Runtime, runtime);
        }

        return list;

        void Add(string metric, double? value)
        {
            if (value is { } v)
            {
                list.Add(new Reading(device, metric, ReadingValue.FromNumber(v), Unit(metric), timestamp, Quality.Good, sequence));
            }
        }

        Reading Text(string metric, string value) => new(device, metric, ReadingValue.FromText(value), "", timestamp, Quality.Good, sequence);
    }

    /// <summary>NUT's ups.status for a Q1 line (SPEC §5 bit table).</summary>
    public static UpsStatus StatusOf(MegatecQ1Status status, MegatecQ1Options options)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(options);
        var tokens = new List<string> { status.UtilityFail ? UpsStatusTokens.OnBattery : UpsStatusTokens.OnLine };
        if (status.BatteryLow)
        {
            tokens.Add(UpsStatusTokens.LowBattery);
        }

        if (status.BypassBoostOrBuck && status.InputVoltage is { } vin && vin > 0 && status.OutputVoltage is { } vout)
        {
            // NUT-QX: Vout/Vin < 0.95 → TRIM, < 1.05 → BYPASS, < 1.5 → BOOST.
            var ratio = vout / vin;
            if (ratio < 0.95)
            {
                tokens.Add(UpsStatusTokens.Trim);
            }
            else if (ratio < 1.05)
            {
                tokens.Add(UpsStatusTokens.Bypass);
            }
            else if (ratio < 1.5)
            {
                tokens.Add(UpsStatusTokens.Boost);
            }
        }

        if (status.UpsFailed)
        {
            tokens.Add(UpsStatusTokens.Alarm);
        }

        if (status.TestInProgress)
        {
            tokens.Add(UpsStatusTokens.Calibrating);
        }

        if (status.ShutdownActive && !options.IgnoreShutdownBit)
        {
            tokens.Add(UpsStatusTokens.ForcedShutdown);
        }

        return UpsStatus.From(tokens);
    }

    /// <summary>Slow-class readings: F ratings and I identification.</summary>
    public static IEnumerable<Reading> MapSlow(string device, MegatecQ1Ratings? ratings, MegatecQ1Identity? identity, DateTimeOffset timestamp, long sequence)
    {
        if (ratings is not null)
        {
            foreach (var (metric, value) in new[]
            {
                (Q1Fields.RatedVoltage, ratings.Voltage), (Q1Fields.RatedCurrent, ratings.Current),
                (Q1Fields.RatedBatteryVoltage, ratings.BatteryVoltage), (Q1Fields.RatedFrequency, ratings.Frequency),
            })
            {
                if (value is { } v)
                {
                    yield return new Reading(device, metric, ReadingValue.FromNumber(v), Unit(metric), timestamp, Quality.Good, sequence);
                }
            }
        }

        if (identity is not null)
        {
            foreach (var (metric, value) in new[] { (Q1Fields.Manufacturer, identity.Manufacturer), (Q1Fields.Model, identity.Model), (Q1Fields.Firmware, identity.Firmware) })
            {
                if (value.Length > 0)
                {
                    yield return new Reading(device, metric, ReadingValue.FromText(value), "", timestamp, Quality.Good, sequence);
                }
            }
        }
    }

    private static string Unit(string metric) => MetricCatalog.TryFind(metric, out var def) && def is not null ? def.Unit : "";

    private async Task<MegatecQ1Client> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_client is not null)
        {
            return _client;
        }

        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        ISerialUpsLink link;
        try
        {
            link = await _connect(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"could not connect within {_timeout.TotalMilliseconds:0} ms");
        }

        if (_pauseAfterConnect > TimeSpan.Zero)
        {
            await Task.Delay(_pauseAfterConnect, _time, cancellationToken);
        }

        _client = new MegatecQ1Client(link, _timeout, _time);
        return _client;
    }

    private async Task DropAsync()
    {
        var client = _client;
        _client = null;
        if (client is not null)
        {
            try
            {
                await client.DisposeAsync();
            }
            catch (IOException)
            {
                // Closing a broken link.
            }
        }
    }

    public ValueTask DisposeAsync() => new(DropAsync());
}

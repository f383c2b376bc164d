using PowerWatch.Core.Trends;

namespace PowerWatch.Core.Failover;

/// <summary>One learned discharge: the battery drained at <paramref name="RatePercentPerSecond"/> at <paramref name="LoadPercent"/>.</summary>
public sealed record DischargePoint(double LoadPercent, double RatePercentPerSecond);

/// <summary>
/// The learned battery model of one UPS (persisted): discharge rate against load, fitted as rate = a·load^n
/// (Peukert-style; runtime = charge / rate). With one point the exponent is the configured default.
/// </summary>
public sealed class BatteryModel
{
    public const int Capacity = 24;

    public List<DischargePoint> Points { get; set; } = [];

    /// <summary>Adds (or averages into a point within 5 % load) a discharge observation.</summary>
    public void Learn(DischargePoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (point.LoadPercent <= 0 || point.RatePercentPerSecond <= 0)
        {
            return;
        }

        var index = Points.FindIndex(p => Math.Abs(p.LoadPercent - point.LoadPercent) <= 0.05 * point.LoadPercent);
        if (index >= 0)
        {
            var old = Points[index];

            // Newer discharges weigh more: batteries age.
            Points[index] = new DischargePoint((old.LoadPercent + point.LoadPercent) / 2, (old.RatePercentPerSecond + (2 * point.RatePercentPerSecond)) / 3);
        }
        else
        {
            Points.Add(point);
            if (Points.Count > Capacity)
            {
                Points.RemoveAt(0);
            }
        }
    }

    /// <summary>The fitted exponent n (null with fewer than two distinct loads).</summary>
    public double? Exponent
    {
        get
        {
            var fit = Fit();
            return fit?.N;
        }
    }

    /// <summary>Predicted discharge rate (%/s) at a load, or null when nothing has been learned.</summary>
    public double? RateAt(double loadPercent, double defaultExponent)
    {
        if (Points.Count == 0 || loadPercent <= 0)
        {
            return null;
        }

        if (Fit() is { } fit)
        {
            return Math.Exp(fit.A) * Math.Pow(loadPercent, fit.N);
        }

        var p = Points[^1];
        return p.RatePercentPerSecond * Math.Pow(loadPercent / p.LoadPercent, defaultExponent);
    }

    private (double A, double N)? Fit()
    {
        if (Points.Count < 2)
        {
            return null;
        }

        var min = Points.Min(p => p.LoadPercent);
        var max = Points.Max(p => p.LoadPercent);
        if (max < min * 1.2)
        {
            return null;
        }

        double n = Points.Count, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var p in Points)
        {
            var x = Math.Log(p.LoadPercent);
            var y = Math.Log(p.RatePercentPerSecond);
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }

        var slope = ((n * sxy) - (sx * sy)) / ((n * sxx) - (sx * sx));
        var intercept = (sy - (slope * sx)) / n;
        return (intercept, slope);
    }
}

/// <summary>
/// Independent runtime estimate for one UPS: the state-of-charge slope against time while on battery (least squares
/// over a window), falling back to the learned <see cref="BatteryModel"/> when the window is short or the load moved.
/// Each finished discharge teaches the model. Pure, no clock of its own: timestamps come with the samples.
/// </summary>
public sealed class RuntimeEstimator(BatteryModel model, TimeSpan window, double defaultExponent)
{
    private readonly List<(DateTimeOffset At, double Charge, double Load)> _samples = [];
    private DischargePoint? _current;

    public BatteryModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>Observed discharge rate (%/s) over the window, or null.</summary>
    public double? ObservedRate { get; private set; }

    /// <summary>The latest estimate of seconds to empty, or null when unknown.</summary>
    public double? EstimateSeconds { get; private set; }

    /// <summary>"observed", "learned" or "none".</summary>
    public string Source { get; private set; } = "none";

    /// <summary>Feeds one sample. When <paramref name="onBattery"/> turns false the discharge is learned.</summary>
    public void Observe(DateTimeOffset at, double? chargePercent, double? loadPercent, bool onBattery)
    {
        if (!onBattery)
        {
            if (_current is not null)
            {
                Model.Learn(_current);
                _current = null;
            }

            _samples.Clear();
            ObservedRate = null;
            EstimateSeconds = null;
            Source = "none";
            return;
        }

        if (chargePercent is not { } charge)
        {
            return;
        }

        var load = loadPercent ?? (_samples.Count > 0 ? _samples[^1].Load : 0);
        if (_samples.Count == 0 || at > _samples[^1].At)
        {
            _samples.Add((at, charge, load));
        }

        var cutoff = at - window;
        _samples.RemoveAll(s => s.At < cutoff);

        ObservedRate = null;
        var span = _samples[^1].At - _samples[0].At;
        var steady = _samples.Count > 0 && _samples.Max(s => s.Load) <= 1.15 * Math.Max(0.1, _samples.Min(s => s.Load));
        if (_samples.Count >= 3 && span >= TimeSpan.FromSeconds(Math.Min(10, window.TotalSeconds / 4)))
        {
            var slope = LinearTrend.Of(_samples, static s => (s.At, s.Charge)).Slope;
            if (slope < 0)
            {
                ObservedRate = -slope;
                if (steady && span >= window / 2)
                {
                    _current = new DischargePoint(_samples.Average(s => s.Load), -slope);
                }
            }
        }

        if (ObservedRate is { } rate && steady)
        {
            EstimateSeconds = charge / rate;
            Source = "observed";
        }
        else if (Model.RateAt(load, defaultExponent) is { } learned)
        {
            EstimateSeconds = charge / learned;
            Source = "learned";
        }
        else
        {
            EstimateSeconds = null;
            Source = "none";
        }
    }
}

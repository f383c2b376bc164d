namespace PowerWatch.Simulators;

/// <summary>
/// The generator's physics (speed, voltage, frequency, power, fuel; SPEC-DEVICES §7) and its protections (alarms
/// raised as warnings, shutdowns or electrical trips, §3.5).
/// </summary>
public sealed partial class Generator
{
    private const double CrankingRpm = 250;
    private const double RampRpmPerSecond = 600;
    private const double SpinDownRpmPerSecond = 300;
    private const double HuntingPeriodSeconds = 4;

    private void Physics(double seconds, double loadW, bool onLoad)
    {
        var rated = Options.RatedRpm;
        var fired = _firedThisRun && _phase is Phase.SafetyDelay or Phase.WarmUp or Phase.Running or Phase.CoolDown;
        double deviation = 0;
        if (_phase == Phase.Running)
        {
            _runningFor += TimeSpan.FromSeconds(seconds);
            var t = _runningFor.TotalSeconds;
            deviation = InjectedFault == GeneratorFault.FailToStabilise
                ? (0.01 + (0.005 * t)) * Math.Sin(2 * Math.PI * t / HuntingPeriodSeconds)
                : -0.025 * Math.Exp(-t);
        }

        if (fired)
        {
            var target = rated * (1 + deviation);
            EngineSpeed = EngineSpeed < target * 0.98 && _phase is Phase.SafetyDelay or Phase.WarmUp
                ? Math.Min(target, EngineSpeed + (RampRpmPerSecond * seconds))
                : target;
        }
        else if (_phase == Phase.Cranking)
        {
            EngineSpeed = CrankingRpm;
        }
        else
        {
            EngineSpeed = Math.Max(0, EngineSpeed - (SpinDownRpmPerSecond * seconds));
        }

        var ratio = EngineSpeed / rated;
        Frequency = Options.NominalFrequency * ratio;
        Voltage = fired ? Options.NominalVoltage * Math.Min(1, ratio) : 0;
        OnLoad = onLoad && Available;
        var measured = OnLoad ? loadW : 0;
        if (OnLoad && InjectedFault == GeneratorFault.Overload)
        {
            measured = Math.Max(measured, 1.2 * Options.RatedPowerKw * 1000);
        }

        PowerW = measured;

        FuelRateLitresPerHour = fired
            ? FuelCurve.LitresPerHour(Options.FuelTable, measured / 1000, Options.RatedPowerKw, Options.IdleFuelFraction)
            : 0;
        FuelLitres = Math.Max(0, FuelLitres - (FuelRateLitresPerHour * seconds / 3600));
        if (fired)
        {
            RunTime += TimeSpan.FromSeconds(seconds);
            EnergyKwh += measured / 1000 * seconds / 3600;
        }

        OilPressureKpa = fired ? 400 * ratio * ratio : 0;
        var loadFraction = measured / (Options.RatedPowerKw * 1000);
        var coolantTarget = fired ? 80 + (10 * Math.Min(loadFraction, 1.5)) : Options.AmbientTemperature;
        var tau = fired ? 300.0 : 1200.0;
        var k = 1 - Math.Exp(-seconds / tau);
        CoolantTemperature += (coolantTarget - CoolantTemperature) * k;
        OilTemperature += (coolantTarget + 5 - OilTemperature) * k;
        BatteryVoltage = _phase == Phase.Cranking ? 21.5 : fired ? 27.6 : 25.4;
        ChargeAlternatorVoltage = fired ? 28.0 : 0;
    }

    private void Protections(TimeSpan dt)
    {
        // Low fuel: live warning at the threshold; empty = shutdown.
        var lowFuel = FuelPercent <= Options.LowFuelPercent;
        if (FuelLitres <= 0)
        {
            Raise(GeneratorAlarm.LowFuelLevel, AlarmCondition.Shutdown);
        }
        else if (lowFuel && !_alarms.ContainsKey(GeneratorAlarm.LowFuelLevel))
        {
            Raise(GeneratorAlarm.LowFuelLevel, AlarmCondition.Warning);
        }
        else if (!lowFuel && _alarms.TryGetValue(GeneratorAlarm.LowFuelLevel, out var c) && c == AlarmCondition.Warning)
        {
            _alarms.Remove(GeneratorAlarm.LowFuelLevel);
            _log.Add(Name, "alarm", "low-fuel-level cleared");
        }

        if (_phase == Phase.Running)
        {
            var nominal = Options.NominalFrequency;
            var band = Options.FrequencyTolerance * nominal;
            if (Math.Abs(Frequency - nominal) > band)
            {
                // The delay counts from the step after the excursion appeared.
                _outOfBandFor = _outOfBandFor is { } o ? o + dt : TimeSpan.Zero;
                if (_outOfBandFor >= Options.FrequencyTripDelay)
                {
                    Raise(Frequency > nominal ? GeneratorAlarm.GeneratorOverFrequency : GeneratorAlarm.GeneratorUnderFrequency,
                        AlarmCondition.Shutdown);
                }
            }
            else
            {
                _outOfBandFor = null;
            }

            if (PowerW > Options.OverloadTripFraction * Options.RatedPowerKw * 1000)
            {
                _overloadFor = _overloadFor is { } o ? o + dt : TimeSpan.Zero;
                if (_overloadFor >= Options.OverloadTripDelay)
                {
                    Raise(GeneratorAlarm.KilowattOverload, AlarmCondition.ElectricalTrip);
                }
            }
            else
            {
                _overloadFor = null;
            }
        }

        if ((HasShutdown || HasElectricalTrip) && _phase == Phase.Running)
        {
            // Act within the same step so the breaker opens at the moment of the trip.
            Sequence(TimeSpan.Zero);
            if (!Available)
            {
                PowerW = 0;
                OnLoad = false;
            }
        }
    }

    private void Raise(GeneratorAlarm alarm, AlarmCondition condition)
    {
        if (_alarms.TryGetValue(alarm, out var existing) && existing >= condition)
        {
            return;
        }

        _alarms[alarm] = condition;
        AlarmsMuted = false;
        _log.Add(Name, "alarm", $"{alarm.ToText()} {(condition == AlarmCondition.Warning ? "warning" : condition == AlarmCondition.ElectricalTrip ? "electrical trip" : "shutdown")}");
    }
}

namespace PowerWatch.Simulators;

/// <summary>
/// The generator's start sequencer: start delay → preheat → crank attempts (crank/rest) → crank disconnect → safety
/// delay → warm-up → running → cool-down, and the controller state (SPEC-DEVICES §3.2, §7) each phase shows.
/// </summary>
public sealed partial class Generator
{
    private void Sequence(TimeSpan dt)
    {
        var latched = HasShutdown || HasElectricalTrip;
        var request = RunRequested && !latched && FuelLitres > 0;
        if (Mode == GeneratorMode.Stop && _phase != Phase.Idle)
        {
            Enter(Phase.Idle, "stopped (stop mode)");
            return;
        }

        _phaseTime += dt;
        switch (_phase)
        {
            case Phase.Idle:
                if (request)
                {
                    _attempt = 0;
                    Enter(Phase.StartDelay, "start requested");
                    Advance(Options.StartDelay, Phase.StartDelay);
                }

                break;
            case Phase.StartDelay:
            case Phase.Preheat:
            case Phase.CrankRest:
                if (!request)
                {
                    Enter(Phase.Idle, "start cancelled");
                    break;
                }

                Advance(_phase switch
                {
                    Phase.StartDelay => Options.StartDelay,
                    Phase.Preheat => Options.Preheat,
                    _ => Options.CrankRest,
                }, _phase);
                break;
            case Phase.Cranking:
                if (!request)
                {
                    Enter(Phase.Idle, "start cancelled");
                    break;
                }

                if (InjectedFault != GeneratorFault.FailToStart && _phaseTime >= Options.FiringTime)
                {
                    Starts++;
                    _firedThisRun = true;
                    Enter(Phase.SafetyDelay, $"crank disconnect (attempt {_attempt})");
                    Advance(Options.SafetyDelay, Phase.SafetyDelay);
                }
                else if (_phaseTime >= Options.CrankTime)
                {
                    if (_attempt >= Options.CrankAttempts)
                    {
                        Raise(GeneratorAlarm.FailToStart, AlarmCondition.Shutdown);
                        Enter(Phase.Idle, $"fail to start after {_attempt} attempts");
                    }
                    else
                    {
                        Enter(Phase.CrankRest, $"crank attempt {_attempt} failed");
                        Advance(Options.CrankRest, Phase.CrankRest);
                    }
                }

                break;
            case Phase.SafetyDelay:
            case Phase.WarmUp:
                if (!request)
                {
                    Enter(Phase.Idle, "stopped before available");
                    break;
                }

                Advance(_phase == Phase.SafetyDelay ? Options.SafetyDelay : Options.WarmUp, _phase);
                break;
            case Phase.Running:
                if (latched)
                {
                    if (HasShutdown)
                    {
                        Enter(Phase.Idle, "shutdown");
                    }
                    else
                    {
                        _breakerTripped = true;
                        Enter(Phase.CoolDown, "electrical trip: breaker open, cooling down");
                    }
                }
                else if (FuelLitres <= 0)
                {
                    Enter(Phase.Idle, "out of fuel");
                }
                else if (!request)
                {
                    Enter(Phase.CoolDown, "cooling down");
                }

                break;
            case Phase.CoolDown:
                if (HasShutdown || FuelLitres <= 0)
                {
                    Enter(Phase.Idle, "shutdown");
                }
                else if (request && !_breakerTripped)
                {
                    Enter(Phase.Running, "available again");
                }
                else if (_phaseTime >= Options.CoolDown)
                {
                    Enter(Phase.Idle, "stopped after cool-down");
                }

                break;
            default:
                break;
        }
    }

    // Leaves a timed phase when its time is up (zero-length phases are skipped within the same step).
    private void Advance(TimeSpan duration, Phase current)
    {
        if (_phase != current || _phaseTime < duration)
        {
            return;
        }

        switch (current)
        {
            case Phase.StartDelay when Options.Preheat > TimeSpan.Zero:
                Enter(Phase.Preheat, "preheat");
                break;
            case Phase.StartDelay:
            case Phase.Preheat:
            case Phase.CrankRest:
                _attempt++;
                Enter(Phase.Cranking, $"crank attempt {_attempt}");
                break;
            case Phase.SafetyDelay when Options.WarmUp > TimeSpan.Zero:
                Enter(Phase.WarmUp, "safety delay over, warming up");
                break;
            case Phase.SafetyDelay:
            case Phase.WarmUp:
                _runningFor = TimeSpan.Zero;
                Enter(Phase.Running, "available");
                break;
            default:
                break;
        }
    }

    private void Enter(Phase phase, string message)
    {
        _phase = phase;
        _phaseTime = TimeSpan.Zero;
        _outOfBandFor = null;
        _overloadFor = null;
        if (phase == Phase.Idle)
        {
            _firedThisRun = false;
            _breakerTripped = false;
        }

        _log.Add(Name, "sequence", message);
    }

    private void UpdateState()
    {
        State = HasShutdown || HasElectricalTrip
            ? GeneratorState.Failed
            : _phase switch
            {
                Phase.Idle => GeneratorState.Stopped,
                Phase.StartDelay or Phase.Preheat => GeneratorState.Starting,
                Phase.Cranking or Phase.CrankRest => GeneratorState.Cranking,
                Phase.SafetyDelay or Phase.WarmUp => GeneratorState.Warming,
                Phase.Running => OnLoad ? GeneratorState.OnLoad : GeneratorState.Available,
                _ => GeneratorState.Cooling,
            };
        if (State != _lastState)
        {
            _log.Add(Name, "state", State.ToText());
            _lastState = State;
        }
    }
}

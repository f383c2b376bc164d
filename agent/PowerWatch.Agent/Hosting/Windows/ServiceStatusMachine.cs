namespace PowerWatch.Agent.Hosting.Windows;

/// <summary>SERVICE_STATUS.dwCurrentState values (winsvc.h).</summary>
internal enum ServiceState : uint
{
    Stopped = 1,
    StartPending = 2,
    StopPending = 3,
    Running = 4,
    ContinuePending = 5,
    PausePending = 6,
    Paused = 7,
}

/// <summary>SERVICE_STATUS.dwControlsAccepted bits (winsvc.h).</summary>
[Flags]
internal enum ServiceAcceptedControls : uint
{
    None = 0,
    Stop = 0x1,
    PauseContinue = 0x2,
    Shutdown = 0x4,
    PreShutdown = 0x100,
}

/// <summary>What the agent does with a control code the service control manager sends to the handler.</summary>
internal enum ServiceControlAction
{
    /// <summary>Not handled: the handler answers ERROR_CALL_NOT_IMPLEMENTED.</summary>
    NotImplemented = 0,

    /// <summary>Report the current status again (SERVICE_CONTROL_INTERROGATE).</summary>
    Interrogate = 1,

    /// <summary>Stop the host (SERVICE_CONTROL_STOP, SERVICE_CONTROL_SHUTDOWN, SERVICE_CONTROL_PRESHUTDOWN).</summary>
    Stop = 2,
}

/// <summary>One SetServiceStatus call's content (everything but dwServiceType, which is always SERVICE_WIN32_OWN_PROCESS).</summary>
internal readonly record struct ServiceStatusReport(
    ServiceState State,
    ServiceAcceptedControls ControlsAccepted,
    uint Win32ExitCode,
    uint ServiceSpecificExitCode,
    uint CheckPoint,
    uint WaitHintMilliseconds);

/// <summary>
/// The service-control handshake as a pure state machine: START_PENDING → RUNNING → STOP_PENDING → STOPPED.
/// Pending states accept no controls and carry an increasing check point with a wait hint, so the SCM can see
/// progress; RUNNING accepts STOP and SHUTDOWN; STOPPED carries the exit code (ERROR_SERVICE_SPECIFIC_ERROR plus
/// the process exit code when it is not 0). Not thread-safe: the caller serialises.
/// </summary>
internal sealed class ServiceStatusMachine
{
    // winsvc.h / winerror.h values; wire-visible to the SCM, frozen by tests.
    public const uint ControlStop = 0x1;
    public const uint ControlPause = 0x2;
    public const uint ControlContinue = 0x3;
    public const uint ControlInterrogate = 0x4;
    public const uint ControlShutdown = 0x5;
    public const uint ControlPreShutdown = 0xF;
    public const uint NoError = 0;
    public const uint ErrorCallNotImplemented = 120;
    public const uint ErrorServiceSpecificError = 1066;

    private readonly uint _startWaitHint;
    private readonly uint _stopWaitHint;
    private uint _checkPoint;

    public ServiceStatusMachine(TimeSpan startWaitHint, TimeSpan stopWaitHint)
    {
        _startWaitHint = checked((uint)startWaitHint.TotalMilliseconds);
        _stopWaitHint = checked((uint)stopWaitHint.TotalMilliseconds);
    }

    /// <summary>The state last reported, or null before the first report.</summary>
    public ServiceState? State => Current?.State;

    /// <summary>The last report (what INTERROGATE re-sends), or null before the first.</summary>
    public ServiceStatusReport? Current { get; private set; }

    /// <summary>Reports (or re-reports, with the next check point) START_PENDING.</summary>
    public ServiceStatusReport StartPending()
    {
        Require(State is null or ServiceState.StartPending, ServiceState.StartPending);
        return Set(ServiceState.StartPending, ++_checkPoint, _startWaitHint, 0);
    }

    /// <summary>START_PENDING → RUNNING.</summary>
    public ServiceStatusReport Running()
    {
        Require(State is ServiceState.StartPending, ServiceState.Running);
        _checkPoint = 0;
        return Set(ServiceState.Running, 0, 0, 0);
    }

    /// <summary>START_PENDING or RUNNING → STOP_PENDING; again while stopping to report progress.</summary>
    public ServiceStatusReport StopPending()
    {
        Require(State is ServiceState.StartPending or ServiceState.Running or ServiceState.StopPending, ServiceState.StopPending);
        if (State is not ServiceState.StopPending)
        {
            _checkPoint = 0;
        }

        return Set(ServiceState.StopPending, ++_checkPoint, _stopWaitHint, 0);
    }

    /// <summary>Any state → STOPPED, with the process exit code.</summary>
    public ServiceStatusReport Stopped(int exitCode)
    {
        _checkPoint = 0;
        return Set(ServiceState.Stopped, 0, 0, unchecked((uint)exitCode));
    }

    /// <summary>Maps a control code (the handler's dwControl) to the agent's action.</summary>
    public static ServiceControlAction Map(uint control) => control switch
    {
        ControlStop or ControlShutdown or ControlPreShutdown => ServiceControlAction.Stop,
        ControlInterrogate => ServiceControlAction.Interrogate,
        _ => ServiceControlAction.NotImplemented,
    };

    /// <summary>What HandlerEx returns for an action: NO_ERROR when handled, ERROR_CALL_NOT_IMPLEMENTED otherwise.</summary>
    public static uint HandlerResult(ServiceControlAction action) =>
        action == ServiceControlAction.NotImplemented ? ErrorCallNotImplemented : NoError;

    private ServiceStatusReport Set(ServiceState state, uint checkPoint, uint waitHint, uint exitCode)
    {
        var accepted = state == ServiceState.Running ? ServiceAcceptedControls.Stop | ServiceAcceptedControls.Shutdown : ServiceAcceptedControls.None;
        var report = new ServiceStatusReport(
            state,
            accepted,
            exitCode == 0 ? NoError : ErrorServiceSpecificError,
            exitCode,
            checkPoint,
            waitHint);
        Current = report;
        return report;
    }

    private void Require(bool allowed, ServiceState target)
    {
        if (!allowed)
        {
            throw new InvalidOperationException($"service status cannot go from {State?.ToString() ?? "(none)"} to {target}");
        }
    }
}

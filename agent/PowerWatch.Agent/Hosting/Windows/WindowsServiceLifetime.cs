using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PowerWatch.Agent.Hosting.Windows;

/// <summary>
/// Runs the host as a Windows service: StartServiceCtrlDispatcherW on a dedicated thread, RegisterServiceCtrlHandlerExW
/// in ServiceMain, and SetServiceStatus START_PENDING (ServiceMain) → RUNNING (host started) → STOP_PENDING (host
/// stopping) → STOPPED (host stopped, or disposed without stopping). STOP, SHUTDOWN and PRESHUTDOWN stop the host;
/// INTERROGATE re-reports the last status. The transitions are <see cref="ServiceStatusMachine"/>.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed partial class WindowsServiceLifetime : IHostLifetime, IDisposable
{
    private static readonly TimeSpan StartWaitHint = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopWaitHint = TimeSpan.FromSeconds(30);

    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<WindowsServiceLifetime> _logger;
    private readonly ServiceStatusMachine _machine = new(StartWaitHint, StopWaitHint);
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Kept in fields: native code holds pointers to these delegates for the life of the service.
    private readonly ServiceMainCallback _serviceMain;
    private readonly ServiceHandlerCallback _handler;
    private readonly List<CancellationTokenRegistration> _registrations = [];
    private IntPtr _serviceName;
    private IntPtr _statusHandle;
    private Thread? _dispatcher;

    public WindowsServiceLifetime(IHostApplicationLifetime lifetime, ILogger<WindowsServiceLifetime> logger)
    {
        _lifetime = lifetime;
        _logger = logger;
        _serviceMain = ServiceMain;
        _handler = Handler;
    }

    /// <summary>
    /// True when this process was started by the service control manager: Windows, session 0, and a
    /// non-interactive window station.
    /// </summary>
    public static bool IsWindowsService()
    {
        if (!OperatingSystem.IsWindows())
        {
            return false;
        }

        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.SessionId == 0 && !Environment.UserInteractive;
    }

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(_lifetime.ApplicationStarted.Register(() => Report(m => m.State == ServiceState.StartPending ? m.Running() : null)));
        _registrations.Add(_lifetime.ApplicationStopping.Register(() => Report(m => m.State is ServiceState.StartPending or ServiceState.Running ? m.StopPending() : null)));
        _registrations.Add(_lifetime.ApplicationStopped.Register(() => Report(m => m.State is ServiceState.Stopped ? null : m.Stopped(Environment.ExitCode))));

        _serviceName = Marshal.StringToHGlobalUni("PowerWatch");
        _dispatcher = new Thread(Dispatch) { IsBackground = true, Name = "Windows service dispatcher" };
        _dispatcher.Start();
        return _registered.Task.WaitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }

        // A host that failed to start never raises ApplicationStopped: the SCM must still hear STOPPED.
        Report(m => m.State is null or ServiceState.Stopped ? null : m.Stopped(Environment.ExitCode == 0 ? 1 : Environment.ExitCode));
        if (_serviceName != IntPtr.Zero)
        {
            Marshal.FreeHGlobal(_serviceName);
            _serviceName = IntPtr.Zero;
        }
    }

    private void Dispatch()
    {
        ServiceTableEntry[] table =
        [
            new() { ServiceName = _serviceName, ServiceProc = Marshal.GetFunctionPointerForDelegate(_serviceMain) },
            default,
        ];

        // Blocks until every service in the process has reported STOPPED.
        if (!Advapi32.StartServiceCtrlDispatcher(table))
        {
            var error = new Win32Exception(Marshal.GetLastPInvokeError());
            LogDispatcherFailed(_logger, error.NativeErrorCode, error.Message);
            _registered.TrySetException(new InvalidOperationException("not started by the service control manager: " + error.Message, error));
        }
    }

    private void ServiceMain(uint argc, IntPtr argv)
    {
        // For an own-process service argv[0] is the name the service was installed under.
        var name = argc > 0 ? Marshal.PtrToStringUni(Marshal.ReadIntPtr(argv)) ?? "PowerWatch" : "PowerWatch";
        var handle = Advapi32.RegisterServiceCtrlHandlerEx(name, _handler, IntPtr.Zero);
        if (handle == IntPtr.Zero)
        {
            var error = new Win32Exception(Marshal.GetLastPInvokeError());
            _registered.TrySetException(new InvalidOperationException("RegisterServiceCtrlHandlerExW failed: " + error.Message, error));
            return;
        }

        lock (_gate)
        {
            _statusHandle = handle;
        }

        Report(m => m.StartPending());
        LogRegistered(_logger, name);
        _registered.TrySetResult();
    }

    private uint Handler(uint control, uint eventType, IntPtr eventData, IntPtr context)
    {
        var action = ServiceStatusMachine.Map(control);
        switch (action)
        {
            case ServiceControlAction.Stop:
                LogStopControl(_logger, control);
                Report(m => m.State is ServiceState.StartPending or ServiceState.Running ? m.StopPending() : null);
                _lifetime.StopApplication();
                break;
            case ServiceControlAction.Interrogate:
                Report(m => m.Current);
                break;
            default:
                break;
        }

        return ServiceStatusMachine.HandlerResult(action);
    }

    private void Report(Func<ServiceStatusMachine, ServiceStatusReport?> transition)
    {
        lock (_gate)
        {
            if (_statusHandle == IntPtr.Zero)
            {
                return;
            }

            if (transition(_machine) is not { } report)
            {
                return;
            }

            var status = ServiceStatusNative.From(report);
            if (!Advapi32.SetServiceStatus(_statusHandle, ref status))
            {
                LogSetStatusFailed(_logger, report.State, Marshal.GetLastPInvokeError());
            }
        }
    }

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Running as Windows service {Name}")]
    private static partial void LogRegistered(ILogger logger, string name);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Service control {Control} received: stopping")]
    private static partial void LogStopControl(ILogger logger, uint control);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "SetServiceStatus({State}) failed with Win32 error {Error}")]
    private static partial void LogSetStatusFailed(ILogger logger, ServiceState state, int error);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error, Message = "StartServiceCtrlDispatcherW failed with Win32 error {Error}: {Reason}")]
    private static partial void LogDispatcherFailed(ILogger logger, int error, string reason);
}

using System.Runtime.InteropServices;
using PowerWatch.Agent.Hosting.Windows;

namespace PowerWatch.Agent.Tests.Windows;

public sealed class ServiceStatusMachineTests
{
    private static ServiceStatusMachine NewMachine() => new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20));

    [Fact]
    public void Normal_life_goes_start_pending_running_stop_pending_stopped()
    {
        var m = NewMachine();
        var states = new[] { m.StartPending(), m.Running(), m.StopPending(), m.Stopped(0) }.Select(r => r.State);
        Assert.Equal([ServiceState.StartPending, ServiceState.Running, ServiceState.StopPending, ServiceState.Stopped], states);
    }

    [Fact]
    public void Pending_states_accept_no_controls_and_carry_a_wait_hint()
    {
        var m = NewMachine();
        var start = m.StartPending();
        Assert.Equal(ServiceAcceptedControls.None, start.ControlsAccepted);
        Assert.Equal(30_000u, start.WaitHintMilliseconds);
        m.Running();
        var stop = m.StopPending();
        Assert.Equal(ServiceAcceptedControls.None, stop.ControlsAccepted);
        Assert.Equal(20_000u, stop.WaitHintMilliseconds);
    }

    [Fact]
    public void Running_accepts_stop_and_shutdown_with_check_point_zero()
    {
        var m = NewMachine();
        m.StartPending();
        var running = m.Running();
        Assert.Equal(ServiceAcceptedControls.Stop | ServiceAcceptedControls.Shutdown, running.ControlsAccepted);
        Assert.Equal(0u, running.CheckPoint);
        Assert.Equal(0u, running.WaitHintMilliseconds);
    }

    [Fact]
    public void Check_point_increases_while_pending_and_restarts_for_stop()
    {
        var m = NewMachine();
        Assert.Equal(1u, m.StartPending().CheckPoint);
        Assert.Equal(2u, m.StartPending().CheckPoint);
        m.Running();
        Assert.Equal(1u, m.StopPending().CheckPoint);
        Assert.Equal(2u, m.StopPending().CheckPoint);
        Assert.Equal(0u, m.Stopped(0).CheckPoint);
    }

    [Fact]
    public void Stopped_with_nonzero_exit_code_reports_a_service_specific_error()
    {
        var m = NewMachine();
        m.StartPending();
        var stopped = m.Stopped(3);
        Assert.Equal(ServiceStatusMachine.ErrorServiceSpecificError, stopped.Win32ExitCode);
        Assert.Equal(3u, stopped.ServiceSpecificExitCode);
        Assert.Equal(ServiceAcceptedControls.None, stopped.ControlsAccepted);
    }

    [Fact]
    public void Clean_stop_reports_no_error()
    {
        var m = NewMachine();
        m.StartPending();
        m.Running();
        var stopped = m.Stopped(0);
        Assert.Equal(0u, stopped.Win32ExitCode);
        Assert.Equal(0u, stopped.ServiceSpecificExitCode);
    }

    [Fact]
    public void Running_before_start_pending_is_rejected()
    {
        var m = NewMachine();
        Assert.Throws<InvalidOperationException>(() => m.Running());
    }

    [Fact]
    public void Running_after_stop_pending_is_rejected()
    {
        var m = NewMachine();
        m.StartPending();
        m.StopPending();
        Assert.Throws<InvalidOperationException>(() => m.Running());
    }

    [Fact]
    public void Start_pending_after_running_is_rejected()
    {
        var m = NewMachine();
        m.StartPending();
        m.Running();
        Assert.Throws<InvalidOperationException>(() => m.StartPending());
    }

    [Fact]
    public void Current_is_the_last_report_for_interrogate()
    {
        var m = NewMachine();
        Assert.Null(m.Current);
        m.StartPending();
        var running = m.Running();
        Assert.Equal(running, m.Current);
    }

    // Control codes from winsvc.h: SERVICE_CONTROL_STOP 0x1, PAUSE 0x2, CONTINUE 0x3, INTERROGATE 0x4, SHUTDOWN 0x5,
    // PARAMCHANGE 0x6, PRESHUTDOWN 0xF, SESSIONCHANGE 0xE.
    [Theory]
    [InlineData(0x1u, ServiceControlAction.Stop)]
    [InlineData(0x5u, ServiceControlAction.Stop)]
    [InlineData(0xFu, ServiceControlAction.Stop)]
    [InlineData(0x4u, ServiceControlAction.Interrogate)]
    [InlineData(0x2u, ServiceControlAction.NotImplemented)]
    [InlineData(0x3u, ServiceControlAction.NotImplemented)]
    [InlineData(0x6u, ServiceControlAction.NotImplemented)]
    [InlineData(0xEu, ServiceControlAction.NotImplemented)]
    public void Control_code_maps_to_action(uint control, object expected) =>
        Assert.Equal((ServiceControlAction)expected, ServiceStatusMachine.Map(control));

    [Fact]
    public void Handler_answers_no_error_when_handled_and_call_not_implemented_otherwise()
    {
        // winerror.h: NO_ERROR 0, ERROR_CALL_NOT_IMPLEMENTED 120.
        Assert.Equal(0u, ServiceStatusMachine.HandlerResult(ServiceControlAction.Stop));
        Assert.Equal(0u, ServiceStatusMachine.HandlerResult(ServiceControlAction.Interrogate));
        Assert.Equal(120u, ServiceStatusMachine.HandlerResult(ServiceControlAction.NotImplemented));
    }

    // winsvc.h values are wire-visible to the service control manager: frozen.
    [Fact]
    public void Service_state_and_accepted_control_values_match_winsvc_h()
    {
        Assert.Equal([1u, 2u, 3u, 4u], new[] { ServiceState.Stopped, ServiceState.StartPending, ServiceState.StopPending, ServiceState.Running }.Select(s => (uint)s));
        Assert.Equal(0x1u, (uint)ServiceAcceptedControls.Stop);
        Assert.Equal(0x4u, (uint)ServiceAcceptedControls.Shutdown);
        Assert.Equal(0x100u, (uint)ServiceAcceptedControls.PreShutdown);
        Assert.Equal(1066u, ServiceStatusMachine.ErrorServiceSpecificError);
    }

    // SERVICE_STATUS is seven DWORDs; SERVICE_TABLE_ENTRYW is two pointers.
    [Fact]
    public void Native_struct_layouts_match_winsvc_h()
    {
        Assert.Equal(28, Marshal.SizeOf<ServiceStatusNative>());
        Assert.Equal(0, (int)Marshal.OffsetOf<ServiceStatusNative>(nameof(ServiceStatusNative.ServiceType)));
        Assert.Equal(4, (int)Marshal.OffsetOf<ServiceStatusNative>(nameof(ServiceStatusNative.CurrentState)));
        Assert.Equal(24, (int)Marshal.OffsetOf<ServiceStatusNative>(nameof(ServiceStatusNative.WaitHint)));
        Assert.Equal(2 * IntPtr.Size, Marshal.SizeOf<ServiceTableEntry>());
    }

    [Fact]
    public void Native_status_is_an_own_process_service_with_the_report_fields()
    {
        var m = NewMachine();
        var n = ServiceStatusNative.From(m.StartPending());
        Assert.Equal(0x10u, n.ServiceType);
        Assert.Equal(2u, n.CurrentState);
        Assert.Equal(1u, n.CheckPoint);
        Assert.Equal(30_000u, n.WaitHint);
    }

    [Fact]
    public void Outside_windows_no_service_lifetime_is_registered()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the check below is about non-Windows hosts
        }

        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddPowerWatchWindowsService();
        Assert.False(WindowsServiceLifetime.IsWindowsService());
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostLifetime));
    }
}

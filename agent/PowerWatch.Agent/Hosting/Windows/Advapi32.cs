using System.Runtime.InteropServices;

namespace PowerWatch.Agent.Hosting.Windows;

/// <summary>SERVICE_STATUS (winsvc.h): seven DWORDs, 28 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ServiceStatusNative
{
    public const uint Win32OwnProcess = 0x10;

    public uint ServiceType;
    public uint CurrentState;
    public uint ControlsAccepted;
    public uint Win32ExitCode;
    public uint ServiceSpecificExitCode;
    public uint CheckPoint;
    public uint WaitHint;

    public static ServiceStatusNative From(ServiceStatusReport r) => new()
    {
        ServiceType = Win32OwnProcess,
        CurrentState = (uint)r.State,
        ControlsAccepted = (uint)r.ControlsAccepted,
        Win32ExitCode = r.Win32ExitCode,
        ServiceSpecificExitCode = r.ServiceSpecificExitCode,
        CheckPoint = r.CheckPoint,
        WaitHint = r.WaitHintMilliseconds,
    };
}

/// <summary>SERVICE_TABLE_ENTRYW (winsvc.h): service name and ServiceMain, two pointers.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ServiceTableEntry
{
    public IntPtr ServiceName;
    public IntPtr ServiceProc;
}

/// <summary>LPSERVICE_MAIN_FUNCTIONW.</summary>
[UnmanagedFunctionPointer(CallingConvention.Winapi)]
internal delegate void ServiceMainCallback(uint argc, IntPtr argv);

/// <summary>LPHANDLER_FUNCTION_EX.</summary>
[UnmanagedFunctionPointer(CallingConvention.Winapi)]
internal delegate uint ServiceHandlerCallback(uint control, uint eventType, IntPtr eventData, IntPtr context);

/// <summary>
/// The advapi32 service-control functions. DllImport rather than LibraryImport: the agent project does not enable
/// unsafe code, and these signatures are blittable apart from delegates kept alive by the caller.
/// </summary>
internal static class Advapi32
{
    private const string Lib = "advapi32.dll";

#pragma warning disable SYSLIB1054 // LibraryImport needs AllowUnsafeBlocks in this project; the three calls are rare.
    [DllImport(Lib, EntryPoint = "StartServiceCtrlDispatcherW", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static extern bool StartServiceCtrlDispatcher([In] ServiceTableEntry[] table);

    [DllImport(Lib, EntryPoint = "RegisterServiceCtrlHandlerExW", SetLastError = true, CharSet = CharSet.Unicode)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static extern IntPtr RegisterServiceCtrlHandlerEx(string serviceName, ServiceHandlerCallback handler, IntPtr context);

    [DllImport(Lib, EntryPoint = "SetServiceStatus", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static extern bool SetServiceStatus(IntPtr handle, ref ServiceStatusNative status);
#pragma warning restore SYSLIB1054
}

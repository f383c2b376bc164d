using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace PowerWatch.Serial.Linux;

/// <summary>A POSIX file descriptor; closed when the last in-flight system call has released it.</summary>
[SupportedOSPlatform("linux")]
internal sealed class FdHandle : SafeHandle
{
    public FdHandle(int fd)
        : base(new IntPtr(-1), ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == new IntPtr(-1);

    /// <summary>The descriptor (only meaningful while a reference is held).</summary>
    public int Fd => (int)handle;

    /// <summary>Keeps the descriptor open for the lifetime of the returned lease.</summary>
    public Lease Acquire()
    {
        var added = false;
        DangerousAddRef(ref added);
        return new Lease(this);
    }

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;

    /// <summary>A reference on the descriptor, released on dispose.</summary>
    internal readonly struct Lease : IDisposable
    {
        private readonly FdHandle _owner;

        public Lease(FdHandle owner)
        {
            _owner = owner;
        }

        public int Fd => _owner.Fd;

        public void Dispose() => _owner.DangerousRelease();
    }
}

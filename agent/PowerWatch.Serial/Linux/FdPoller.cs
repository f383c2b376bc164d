using System.Runtime.Versioning;

namespace PowerWatch.Serial.Linux;

/// <summary>
/// Waits for readiness of one non-blocking descriptor on a dedicated thread running poll(2), with an
/// eventfd to wake it when waiters change and a sticky eventfd signalled at shutdown. A waiter's
/// cancellation completes its task at once, independently of the thread.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class FdPoller : IDisposable
{
    private readonly FdHandle _fd;
    private readonly FdHandle _wake;
    private readonly FdHandle _closed;
    private readonly string _portName;
    private readonly Lock _gate = new();
    private readonly List<Waiter> _readers = [];
    private readonly List<Waiter> _writers = [];
    private readonly Thread _thread;
    private bool _stopping;

    public FdPoller(FdHandle fd, string portName)
    {
        _fd = fd;
        _portName = portName;
        _wake = NewEventFd(portName);
        try
        {
            _closed = NewEventFd(portName);
        }
        catch
        {
            _wake.Dispose();
            throw;
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "serial poll " + portName };
        _thread.Start();
    }

    /// <summary>Completes when the descriptor is readable (<see cref="Posix.POLLIN"/>) or writable (<see cref="Posix.POLLOUT"/>), or has an error or hang-up.</summary>
    public Task WaitAsync(short events, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var waiter = new Waiter(this, events == Posix.POLLIN ? _readers : _writers);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            waiter.List.Add(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), waiter);
        }

        Signal(_wake);
        return waiter.Task;
    }

    /// <summary>Blocks the calling thread until the descriptor is ready or the poller shuts down (for the synchronous Stream members).</summary>
    public bool WaitBlocking(short events)
    {
        using var fd = _fd.Acquire();
        using var closed = _closed.Acquire();
        var fds = stackalloc PollFd[2];
        while (true)
        {
            fds[0] = new PollFd { Fd = fd.Fd, Events = events };
            fds[1] = new PollFd { Fd = closed.Fd, Events = Posix.POLLIN };
            var rc = LibC.Poll(fds, 2, -1);
            if (rc < 0)
            {
                var errno = LibC.LastError;
                if (errno == Posix.EINTR)
                {
                    continue;
                }

                throw Errno.OperationFailed(_portName, "poll", errno);
            }

            if (fds[1].REvents != 0)
            {
                return false;
            }

            if (fds[0].REvents != 0)
            {
                return true;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
        }

        Signal(_closed);
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        _wake.Dispose();
        _closed.Dispose();
    }

    private static FdHandle NewEventFd(string portName)
    {
        var fd = LibC.EventFd(0, Posix.EFD_NONBLOCK | Posix.EFD_CLOEXEC);
        if (fd < 0)
        {
            throw Errno.OperationFailed(portName, "eventfd", LibC.LastError);
        }

        return new FdHandle(fd);
    }

    private static void Signal(FdHandle eventFd)
    {
        if (eventFd.IsClosed)
        {
            return;
        }

        using var lease = eventFd.Acquire();
        ulong one = 1;
        _ = LibC.Write(lease.Fd, (byte*)&one, sizeof(ulong));
    }

    private void Run()
    {
        using var fd = _fd.Acquire();
        using var wake = _wake.Acquire();
        using var closed = _closed.Acquire();
        var fds = stackalloc PollFd[3];
        Exception? failure = null;
        while (true)
        {
            short events = 0;
            lock (_gate)
            {
                if (_stopping)
                {
                    break;
                }

                if (_readers.Count > 0)
                {
                    events |= Posix.POLLIN;
                }

                if (_writers.Count > 0)
                {
                    events |= Posix.POLLOUT;
                }
            }

            fds[0] = new PollFd { Fd = wake.Fd, Events = Posix.POLLIN };
            fds[1] = new PollFd { Fd = closed.Fd, Events = Posix.POLLIN };

            // A negative descriptor is ignored by poll: without waiters, a hung-up line cannot spin the loop.
            fds[2] = new PollFd { Fd = events == 0 ? -1 : fd.Fd, Events = events };
            var rc = LibC.Poll(fds, 3, -1);
            if (rc < 0)
            {
                var errno = LibC.LastError;
                if (errno == Posix.EINTR)
                {
                    continue;
                }

                failure = Errno.OperationFailed(_portName, "poll", errno);
                break;
            }

            if (fds[0].REvents != 0)
            {
                ulong drained;
                _ = LibC.Read(wake.Fd, (byte*)&drained, sizeof(ulong));
            }

            var revents = fds[2].REvents;
            if (revents != 0)
            {
                const short Trouble = Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL;
                if ((revents & (Posix.POLLIN | Trouble)) != 0)
                {
                    CompleteAll(_readers, null);
                }

                if ((revents & (Posix.POLLOUT | Trouble)) != 0)
                {
                    CompleteAll(_writers, null);
                }
            }
        }

        failure ??= new ObjectDisposedException(nameof(FdPoller), $"Serial port '{_portName}' was closed");
        CompleteAll(_readers, failure);
        CompleteAll(_writers, failure);
    }

    private void CompleteAll(List<Waiter> list, Exception? failure)
    {
        Waiter[] due;
        lock (_gate)
        {
            due = [.. list];
            list.Clear();
        }

        foreach (var waiter in due)
        {
            waiter.Complete(failure);
        }
    }

    private sealed class Waiter : TaskCompletionSource
    {
        private readonly FdPoller _owner;

        public Waiter(FdPoller owner, List<Waiter> list)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            _owner = owner;
            List = list;
        }

        public List<Waiter> List { get; }

        public CancellationTokenRegistration Registration { get; set; }

        public void Complete(Exception? failure)
        {
            Registration.Dispose();
            if (failure is null)
            {
                TrySetResult();
            }
            else
            {
                TrySetException(failure);
            }
        }

        public void Cancel(CancellationToken token)
        {
            bool removed;
            lock (_owner._gate)
            {
                removed = List.Remove(this);
            }

            if (removed)
            {
                TrySetCanceled(token);
            }
        }
    }
}

using PowerWatch.SerialUps.ApcSmart;

namespace PowerWatch.Simulators.Faces.Serial;

/// <summary>Identity and settings of a simulated APC Smart-protocol UPS.</summary>
public sealed class ApcSmartOptions
{
    /// <summary><c>^A</c> reply.</summary>
    public string Model { get; set; } = "Smart-UPS 3000";

    /// <summary><c>n</c> reply.</summary>
    public string SerialNumber { get; set; } = "SIM0000001";

    /// <summary><c>b</c> reply (the last character is the locale letter).</summary>
    public string Firmware { get; set; } = "666.6.I";

    /// <summary><c>p</c>: grace delay before a commanded shutdown turns the output off.</summary>
    public TimeSpan ShutdownGraceDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary><c>r</c>: wake-up delay.</summary>
    public TimeSpan WakeupDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Interval at which <c>!</c> repeats while on battery (until low battery).</summary>
    public TimeSpan LineFailRepeat { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Interval at which <c>#</c> repeats while the battery needs replacing.</summary>
    public TimeSpan ReplaceBatteryRepeat { get; set; } = TimeSpan.FromHours(5);
}

/// <summary>
/// An APC "Smart" serial UPS (SPEC-DEVICES §6) over a site's UPS model. <c>Y</c> enters smart mode (<c>SM</c>); before
/// that nothing else is answered; <c>R</c> leaves it (<c>BYE</c>). Replies end in CR LF; unsupported commands answer
/// <c>NA</c>. While in smart mode, unsolicited alert characters follow the model's status changes. Serve it with
/// <see cref="SerialFace.StartPtyAsync"/> or <see cref="SerialFace.StartTcpAsync"/>; dispose it to detach from the model.
/// </summary>
public sealed class ApcSmartFace : SerialFace, IDisposable
{
    /// <summary>Command characters listed in the <c>a</c> reply (what NUT's apcsmart will ask for).</summary>
    internal const string SupportedCommands = "\u0001\u000E\u007F@9ABCFGKLOPQRSUWXYZabfgjlnpqru";

    /// <summary>Alert characters listed in the <c>a</c> reply.</summary>
    internal const string SupportedAlerts = "!$%+?=*#";

    private readonly Lock _gate = new();
    private ITimer? _lineFailTimer;
    private ITimer? _replaceTimer;
    private int _disposed;

    public ApcSmartFace(Site site, ApcSmartOptions? options = null)
        : base(site)
    {
        Options = options ?? new ApcSmartOptions();
        Site.Ups.StatusChanged += OnStatusChanged;
    }

    /// <summary>Raised with each unsolicited alert character (sent to every client in smart mode).</summary>
    internal event Action<byte>? AlertRaised;

    public ApcSmartOptions Options { get; }

    private protected override ISerialFaceSession CreateProtocolSession() => CreateSession();

    private protected override void SubscribeAlerts(Action<byte>? handler, bool subscribe)
    {
        if (subscribe)
        {
            AlertRaised += handler;
        }
        else
        {
            AlertRaised -= handler;
        }
    }

    /// <summary>A new connection's protocol state (starts outside smart mode).</summary>
    internal ApcSmartSession CreateSession() => new(this);

    /// <summary>Stops following the model (no more alerts).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Site.Ups.StatusChanged -= OnStatusChanged;
        lock (_gate)
        {
            _lineFailTimer?.Dispose();
            _lineFailTimer = null;
            _replaceTimer?.Dispose();
            _replaceTimer = null;
        }
    }

    /// <summary>Reply text (without CR LF) of a read-only query, or null when <paramref name="command"/> is not one.</summary>
    internal string? Query(char command)
    {
        var u = Site.Ups;
        var o = u.Options;
        return command switch
        {
            '\u0001' => Options.Model,
            'n' => Options.SerialNumber,
            'b' => Options.Firmware,
            'f' => Site.Read(_ => ApcSmartProtocol.FormatTenths(Math.Clamp(u.ChargePercent, 0, 100))),
            'j' => Site.Read(_ => ApcSmartProtocol.FormatRuntime(u.ReportedRuntimeSeconds)),
            'B' => Site.Read(_ => ApcSmartProtocol.FormatBatteryVoltage(u.BatteryVoltage)),
            'g' => ApcSmartProtocol.FormatWhole(Math.Min(999, u.NominalBatteryVoltage), 3),
            'L' => Site.Read(_ => ApcSmartProtocol.FormatTenths(u.InputVoltage)),
            'O' => Site.Read(_ => ApcSmartProtocol.FormatTenths(u.OutputVoltage)),
            'P' => Site.Read(_ => ApcSmartProtocol.FormatTenths(u.LoadPercent)),
            'F' => Site.Read(_ => ApcSmartProtocol.FormatHundredths(u.InputFrequency)),
            'C' => Site.Read(_ => ApcSmartProtocol.FormatTenths(u.Temperature)),
            'Q' => Site.Read(_ => ApcSmartProtocol.FormatStatusBits(UpsStatusMapping.ToApcSmartStatusByte(u.Status))),
            'G' => Site.Read(_ => u.LastTransferCause switch
            {
                TransferCause.LowInputVoltage => "L",
                TransferCause.HighInputVoltage => "H",
                TransferCause.InputFrequency => "R",
                TransferCause.SelfTest => "S",
                _ => "O",
            }),
            '9' => Site.Read(_ => u.InputAcceptable ? "FF" : "00"),
            'X' => Site.Read(_ => u.LastSelfTest switch
            {
                SelfTestResult.Passed => "OK",
                SelfTestResult.Failed => "BT",
                _ => "NO",
            }),
            'l' => ApcSmartProtocol.FormatWhole(Math.Round(o.NominalVoltage * o.LowTransferFraction), 3),
            'u' => ApcSmartProtocol.FormatWhole(Math.Round(o.NominalVoltage * o.HighTransferFraction), 3),
            'p' => ApcSmartProtocol.FormatWhole(Math.Min(999, Options.ShutdownGraceDelay.TotalSeconds), 3),
            'r' => ApcSmartProtocol.FormatWhole(Math.Min(999, Options.WakeupDelay.TotalSeconds), 3),
            'q' => ApcSmartProtocol.FormatWhole(Math.Min(99, Math.Round(o.LowBatteryRuntime.TotalMinutes)), 2),
            'a' => "3." + SupportedAlerts + "." + SupportedCommands,
            _ => null,
        };
    }

    private void Raise(byte alert) => AlertRaised?.Invoke(alert);

    private void OnStatusChanged(object? sender, UpsStatusChangedEventArgs e)
    {
        var before = e.Previous;
        var now = e.Current;
        bool Rose(UpsStatus flag) => (now & flag) != 0 && (before & flag) == 0;
        bool Fell(UpsStatus flag) => (now & flag) == 0 && (before & flag) != 0;

        if (Rose(UpsStatus.OnBattery))
        {
            Raise((byte)'!');
            if ((now & UpsStatus.LowBattery) == 0)
            {
                StartRepeat(ref _lineFailTimer, Options.LineFailRepeat, RepeatLineFail);
            }
        }
        else if (Fell(UpsStatus.OnBattery))
        {
            StopRepeat(ref _lineFailTimer);
            Raise((byte)'$');
        }

        if (Rose(UpsStatus.LowBattery))
        {
            StopRepeat(ref _lineFailTimer);
            Raise((byte)'%');
        }
        else if (Fell(UpsStatus.LowBattery))
        {
            Raise((byte)'+');
        }

        if (Rose(UpsStatus.Overload))
        {
            Raise((byte)'?');
        }
        else if (Fell(UpsStatus.Overload))
        {
            Raise((byte)'=');
        }

        if (Rose(UpsStatus.ReplaceBattery))
        {
            Raise((byte)'#');
            StartRepeat(ref _replaceTimer, Options.ReplaceBatteryRepeat, () => Raise((byte)'#'));
        }
        else if (Fell(UpsStatus.ReplaceBattery))
        {
            StopRepeat(ref _replaceTimer);
        }

        if (Rose(UpsStatus.Off))
        {
            Raise((byte)'*');
        }
    }

    private void RepeatLineFail()
    {
        var status = Site.Read(s => s.Ups.Status);
        if ((status & UpsStatus.OnBattery) != 0 && (status & UpsStatus.LowBattery) == 0)
        {
            Raise((byte)'!');
        }
    }

    private void StartRepeat(ref ITimer? timer, TimeSpan period, Action action)
    {
        lock (_gate)
        {
            timer?.Dispose();
            timer = Volatile.Read(ref _disposed) != 0 || period <= TimeSpan.Zero
                ? null
                : Site.Clock.CreateTimer(static s => ((Action)s!)(), action, period, period);
        }
    }

    private void StopRepeat(ref ITimer? timer)
    {
        lock (_gate)
        {
            timer?.Dispose();
            timer = null;
        }
    }

    /// <summary>Model actions behind the command characters; each returns the reply text.</summary>
    /// <summary><c>W</c>: starts a self-test, or stops the running one (NUT maps test.battery.start and .stop both to W).</summary>
    internal string SelfTest()
    {
        var result = SelfTestResult.None;
        Site.Write(s =>
        {
            if ((s.Ups.Status & UpsStatus.TestInProgress) != 0 || s.Ups.LastSelfTest == SelfTestResult.InProgress)
            {
                s.Ups.AbortSelfTest();
            }
            else
            {
                result = s.Ups.StartSelfTest();
            }
        });
        return result == SelfTestResult.Refused ? ApcSmartProtocol.No : ApcSmartProtocol.Ok;
    }

    internal string SoftShutdown()
    {
        var onBattery = Site.Read(s => s.Ups.Mode == UpsMode.OnBattery);
        if (!onBattery)
        {
            return ApcSmartProtocol.No;
        }

        Site.Write(s => s.Ups.Shutdown(Options.ShutdownGraceDelay, returnWhenPowerRestored: true));
        return ApcSmartProtocol.Ok;
    }

    internal string ShutdownAndReturn()
    {
        Site.Write(s => s.Ups.Shutdown(Options.ShutdownGraceDelay, returnWhenPowerRestored: true));
        return ApcSmartProtocol.Ok;
    }

    internal string ShutdownStayOff()
    {
        Site.Write(s => s.Ups.Shutdown(Options.ShutdownGraceDelay, returnWhenPowerRestored: false));
        return ApcSmartProtocol.Ok;
    }

    internal string TurnOff()
    {
        Site.Write(s => s.Ups.TurnOutputOff());
        return ApcSmartProtocol.Ok;
    }

    internal string TurnOn()
    {
        Site.Write(s => s.Ups.TurnOutputOn());
        return ApcSmartProtocol.Ok;
    }

    internal string AbortShutdown()
    {
        Site.Write(s => s.Ups.CancelShutdown());
        return ApcSmartProtocol.Ok;
    }
}

/// <summary>
/// One APC Smart connection: single-character commands (plus <c>@nnn</c>), smart-mode state, and the
/// send-twice rule for <c>K</c>, <c>Z</c> and <c>^N</c> (the second must be the very next command character).
/// </summary>
internal sealed class ApcSmartSession(ApcSmartFace face) : ISerialFaceSession
{
    private bool _smart;
    private int _atDigits = -1;
    private int _atValue;
    private byte _armed;

    public bool AcceptsAlerts => Volatile.Read(ref _smart);

    public bool IsSmart => _smart;

    public void Receive(ReadOnlySpan<byte> data, List<byte[]> replies)
    {
        foreach (var b in data)
        {
            if (Handle(b) is { } reply)
            {
                replies.Add(reply);
            }
        }
    }

    /// <summary>Handles one received byte; returns the reply (with CR LF, or raw alert characters for <c>U</c>) or null.</summary>
    public byte[]? Handle(byte b)
    {
        if (!_smart)
        {
            if (b == ApcSmartProtocol.SmartMode)
            {
                Volatile.Write(ref _smart, true);
                return ApcSmartProtocol.Line(ApcSmartProtocol.SmartModeReply);
            }

            return null;
        }

        if (_atDigits >= 0)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                _atDigits = -1;
                return ApcSmartProtocol.Line(ApcSmartProtocol.NotAvailable);
            }

            _atValue = (_atValue * 10) + (b - '0');
            if (++_atDigits < 3)
            {
                return null;
            }

            _atDigits = -1;
            return ApcSmartProtocol.Line(face.ShutdownAndReturn());
        }

        var armed = _armed;
        _armed = 0;
        if (b is (byte)'\r' or (byte)'\n')
        {
            _armed = armed;
            return null;
        }

        switch (b)
        {
            case ApcSmartProtocol.SmartMode:
                return ApcSmartProtocol.Line(ApcSmartProtocol.SmartModeReply);
            case ApcSmartProtocol.LeaveSmartMode:
                Volatile.Write(ref _smart, false);
                return ApcSmartProtocol.Line(ApcSmartProtocol.LeaveSmartModeReply);
            case (byte)'@':
                _atDigits = 0;
                _atValue = 0;
                return null;
            case (byte)'K' or (byte)'Z' or 0x0E:
                if (armed != b)
                {
                    _armed = b;
                    return null;
                }

                return ApcSmartProtocol.Line(b == 'K' ? face.ShutdownStayOff() : b == 'Z' ? face.TurnOff() : face.TurnOn());
            case 0x7F:
                return ApcSmartProtocol.Line(face.AbortShutdown());
            case (byte)'W':
                return ApcSmartProtocol.Line(face.SelfTest());
            case (byte)'A':
                return ApcSmartProtocol.Line(ApcSmartProtocol.Ok);
            case (byte)'S':
                return ApcSmartProtocol.Line(face.SoftShutdown());
            case (byte)'U':
                // Simulated power failure as the UPS reports it: line fail, then back on line (no model change).
                return "!$"u8.ToArray();
            default:
                return ApcSmartProtocol.Line(face.Query((char)b) ?? ApcSmartProtocol.NotAvailable);
        }
    }
}

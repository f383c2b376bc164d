using System.Buffers;
using PowerWatch.SerialUps.MegatecQ1;

namespace PowerWatch.Simulators.Faces.Serial;

/// <summary>Q1 status fields that can be reported as unavailable ('@').</summary>
[Flags]
public enum MegatecQ1Fields
{
    None = 0,
    InputVoltage = 1 << 0,
    InputFaultVoltage = 1 << 1,
    OutputVoltage = 1 << 2,
    Load = 1 << 3,
    InputFrequency = 1 << 4,
    BatteryVoltage = 1 << 5,
    Temperature = 1 << 6,
}

/// <summary>Identity and quirks of a simulated Megatec Q1 UPS.</summary>
public sealed class MegatecQ1Options
{
    /// <summary>I reply, 15 characters (cut or padded).</summary>
    public string Manufacturer { get; set; } = "PowerWatch";

    /// <summary>I reply, 10 characters.</summary>
    public string Model { get; set; } = "SIM-Q1";

    /// <summary>I reply, 10 characters.</summary>
    public string Firmware { get; set; } = "2.7";

    /// <summary>Status bit b3: true = standby / line-interactive, false = on-line (the model is an on-line UPS).</summary>
    public bool StandbyType { get; set; }

    /// <summary>
    /// The Q1 battery field is the string voltage divided by this. 1 (default) reports the whole string, consistent with
    /// the nominal voltage in <c>F</c>, which nutdrv_qx 2.8.0 needs to compute battery.charge (PEERS.md); e.g. 96 for a
    /// 16-block string reports per-cell volts ("2.27") like some units do (blazer_ser multiplies back by its
    /// auto-detected battery.packs; nutdrv_qx 2.8.0 then reads battery.charge 0).
    /// </summary>
    public int BatteryVoltageDivisor { get; set; } = 1;

    /// <summary>Fields reported as '@' (unavailable).</summary>
    public MegatecQ1Fields UnavailableFields { get; set; }
}

/// <summary>
/// A Megatec / Voltronic "Q1" serial UPS (SPEC-DEVICES §5) over a site's UPS model. Commands end in CR. <c>Q1</c>,
/// <c>F</c>, <c>I</c> answer; <c>T</c>, <c>TL</c>, <c>T&lt;n&gt;</c>, <c>CT</c>, <c>Q</c>, <c>S&lt;n&gt;</c>,
/// <c>S&lt;n&gt;R&lt;m&gt;</c>, <c>C</c> act on the model without a reply; anything else is echoed back.
/// Serve it with <see cref="SerialFace.StartPtyAsync"/> or <see cref="SerialFace.StartTcpAsync"/>.
/// </summary>
public sealed class MegatecQ1Face : SerialFace
{
    private readonly Lock _gate = new();
    private ITimer? _restoreTimer;

    public MegatecQ1Face(Site site, MegatecQ1Options? options = null)
        : base(site)
    {
        Options = options ?? new MegatecQ1Options();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.BatteryVoltageDivisor, nameof(options));
    }

    public MegatecQ1Options Options { get; }

    private protected override ISerialFaceSession CreateProtocolSession() => new Session(this);

    /// <summary>Executes one command (without its CR) against the model; returns the reply bytes, or null when the command has none.</summary>
    internal byte[]? Execute(ReadOnlySpan<byte> command)
    {
        var output = new ArrayBufferWriter<byte>(64);
        if (command.SequenceEqual("Q1"u8))
        {
            MegatecQ1Protocol.WriteStatus(output, Site.Read(_ => Snapshot()));
            return output.WrittenSpan.ToArray();
        }

        if (command.SequenceEqual("F"u8))
        {
            var o = Site.Ups.Options;
            MegatecQ1Protocol.WriteRatings(output, new MegatecQ1Ratings(o.NominalVoltage, Math.Round(o.RatedApparentPowerVa / o.NominalVoltage), Site.Ups.NominalBatteryVoltage, o.NominalFrequency));
            return output.WrittenSpan.ToArray();
        }

        if (command.SequenceEqual("I"u8))
        {
            MegatecQ1Protocol.WriteIdentity(output, new MegatecQ1Identity(Options.Manufacturer, Options.Model, Options.Firmware));
            return output.WrittenSpan.ToArray();
        }

        if (command.SequenceEqual("T"u8) || command.SequenceEqual("TL"u8) || MegatecQ1Protocol.TryParseTimedTest(command, out _))
        {
            // The model runs one kind of self-test (UpsOptions.SelfTestDuration) for all three.
            Site.Write(s => s.Ups.StartSelfTest());
            return null;
        }

        if (command.SequenceEqual("CT"u8))
        {
            Site.Write(s => s.Ups.AbortSelfTest());
            return null;
        }

        if (command.SequenceEqual("Q"u8))
        {
            Site.Write(s => s.Ups.BeeperOn = !s.Ups.BeeperOn);
            return null;
        }

        if (command.SequenceEqual("C"u8))
        {
            CancelRestore();
            Site.Write(s =>
            {
                if (s.Ups.ShutdownPending)
                {
                    s.Ups.CancelShutdown();
                }
                else if (s.Ups.Mode == UpsMode.Off)
                {
                    s.Ups.TurnOutputOn();
                }
            });
            return null;
        }

        if (MegatecQ1Protocol.TryParseShutdown(command, out var delay, out var restoreAfter))
        {
            Shutdown(delay, restoreAfter);
            return null;
        }

        // Unknown command (and the legacy D, disabled in protocol 2.7): echoed back with its CR.
        var echo = new byte[command.Length + 1];
        command.CopyTo(echo);
        echo[^1] = (byte)'\r';
        return echo;
    }

    /// <summary>The Q1 values of the model now (call under the site lock).</summary>
    internal MegatecQ1Status Snapshot()
    {
        var u = Site.Ups;
        var missing = Options.UnavailableFields;
        var bits = UpsStatusMapping.ToQ1StatusBits(u.Status, u.BeeperOn);
        if (Options.StandbyType)
        {
            bits |= 1 << 3;
        }

        return new MegatecQ1Status(
            Or(MegatecQ1Fields.InputVoltage, u.InputVoltage),
            Or(MegatecQ1Fields.InputFaultVoltage, u.InputFaultVoltage),
            Or(MegatecQ1Fields.OutputVoltage, u.OutputVoltage),
            Or(MegatecQ1Fields.Load, Math.Round(u.LoadPercent)),
            Or(MegatecQ1Fields.InputFrequency, u.InputFrequency),
            Or(MegatecQ1Fields.BatteryVoltage, u.BatteryVoltage / Options.BatteryVoltageDivisor),
            Or(MegatecQ1Fields.Temperature, u.Temperature),
            bits);

        double? Or(MegatecQ1Fields field, double value) => (missing & field) != 0 ? null : value;
    }

    private void Shutdown(TimeSpan delay, TimeSpan? restoreAfter)
    {
        CancelRestore();

        // S<n>: off after n, back when power returns (NUT shutdown.return); S<n>R0000: stay off; S<n>R<m>: back on after m.
        Site.Write(s => s.Ups.Shutdown(delay, returnWhenPowerRestored: restoreAfter is null));
        if (restoreAfter is { } m && m > TimeSpan.Zero)
        {
            lock (_gate)
            {
                _restoreTimer = Site.Clock.CreateTimer(static state => ((MegatecQ1Face)state!).Restore(), this, delay + m, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Restore()
    {
        CancelRestore();
        Site.Write(s =>
        {
            if (s.Ups.Mode == UpsMode.Off && !s.Ups.ShutdownPending)
            {
                s.Ups.TurnOutputOn();
            }
        });
    }

    private void CancelRestore()
    {
        lock (_gate)
        {
            _restoreTimer?.Dispose();
            _restoreTimer = null;
        }
    }

    /// <summary>Splits the byte stream into CR-terminated commands (LF ignored; over-long lines discarded).</summary>
    private sealed class Session(MegatecQ1Face face) : ISerialFaceSession
    {
        private const int MaxCommand = 64;
        private readonly byte[] _line = new byte[MaxCommand];
        private int _length;
        private bool _overflow;

        public bool AcceptsAlerts => false;

        public void Receive(ReadOnlySpan<byte> data, List<byte[]> replies)
        {
            foreach (var b in data)
            {
                if (b == '\r')
                {
                    if (!_overflow && _length > 0 && face.Execute(_line.AsSpan(0, _length)) is { } reply)
                    {
                        replies.Add(reply);
                    }

                    _length = 0;
                    _overflow = false;
                }
                else if (b != '\n')
                {
                    if (_length == MaxCommand)
                    {
                        _overflow = true;
                    }
                    else
                    {
                        _line[_length++] = b;
                    }
                }
            }
        }
    }
}

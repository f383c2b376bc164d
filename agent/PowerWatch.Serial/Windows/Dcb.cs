using System.Runtime.InteropServices;

namespace PowerWatch.Serial.Windows;

/// <summary>Win32 <c>DCB</c> (winbase.h), 28 bytes; the C bit-fields live in <see cref="Flags"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Dcb
{
    public const int Size = 28;

    public uint DcbLength;
    public uint BaudRate;
    public uint Flags;
    public ushort Reserved;
    public ushort XonLim;
    public ushort XoffLim;
    public byte ByteSize;
    public byte Parity;
    public byte StopBits;
    public byte XonChar;
    public byte XoffChar;
    public byte ErrorChar;
    public byte EofChar;
    public byte EvtChar;
    public ushort Reserved1;

    public readonly bool Binary => Bit(0);

    public readonly bool ParityCheck => Bit(1);

    public readonly bool OutxCtsFlow => Bit(2);

    public readonly bool OutxDsrFlow => Bit(3);

    public readonly uint DtrControl => (Flags >> 4) & 0x3;

    public readonly bool DsrSensitivity => Bit(6);

    public readonly bool TxContinueOnXoff => Bit(7);

    public readonly bool OutX => Bit(8);

    public readonly bool InX => Bit(9);

    public readonly bool ErrorCharReplace => Bit(10);

    public readonly bool Null => Bit(11);

    public readonly uint RtsControl => (Flags >> 12) & 0x3;

    public readonly bool AbortOnError => Bit(14);

    private readonly bool Bit(int n) => (Flags & (1u << n)) != 0;
}

/// <summary>Win32 <c>COMMTIMEOUTS</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CommTimeouts
{
    public uint ReadIntervalTimeout;
    public uint ReadTotalTimeoutMultiplier;
    public uint ReadTotalTimeoutConstant;
    public uint WriteTotalTimeoutMultiplier;
    public uint WriteTotalTimeoutConstant;
}

/// <summary>
/// Pure construction of the <see cref="Dcb"/> and <see cref="CommTimeouts"/> for settings, so the Windows
/// mapping is unit-testable on any OS. Values from winbase.h.
/// </summary>
internal static class DcbBuilder
{
    public const byte NoParity = 0;
    public const byte OddParity = 1;
    public const byte EvenParity = 2;
    public const byte MarkParity = 3;
    public const byte SpaceParity = 4;
    public const byte OneStopBit = 0;
    public const byte TwoStopBits = 2;
    public const uint DtrControlEnable = 1;
    public const uint RtsControlEnable = 1;
    public const uint RtsControlHandshake = 2;
    public const uint RtsControlToggle = 3;
    public const byte XOn = 0x11;
    public const byte XOff = 0x13;

    /// <summary>
    /// Binary mode, no character replacement, NUL bytes kept, errors do not abort I/O, DTR on; RTS on, or
    /// RTS/CTS handshake, or RTS toggled around transmissions for RS-485 when <paramref name="rs485Toggle"/>.
    /// </summary>
    public static Dcb Build(SerialPortSettings settings, bool rs485Toggle)
    {
        ArgumentNullException.ThrowIfNull(settings);
        uint flags = 1; // fBinary (Windows supports binary mode only)
        if (settings.Parity != Parity.None)
        {
            flags |= 1u << 1; // fParity
        }

        var rts = RtsControlEnable;
        if (settings.Handshake == Handshake.RequestToSend)
        {
            flags |= 1u << 2; // fOutxCtsFlow
            rts = RtsControlHandshake;
        }
        else if (rs485Toggle)
        {
            rts = RtsControlToggle;
        }

        flags |= DtrControlEnable << 4;
        flags |= 1u << 7; // fTXContinueOnXoff
        if (settings.Handshake == Handshake.XOnXOff)
        {
            flags |= (1u << 8) | (1u << 9); // fOutX, fInX
        }

        flags |= rts << 12;

        var limit = (ushort)Math.Min(ushort.MaxValue, settings.ReadBufferSize / 4);
        return new Dcb
        {
            DcbLength = Dcb.Size,
            BaudRate = (uint)settings.BaudRate,
            Flags = flags,
            XonLim = limit,
            XoffLim = limit,
            ByteSize = (byte)settings.DataBits,
            Parity = settings.Parity switch
            {
                Parity.Odd => OddParity,
                Parity.Even => EvenParity,
                Parity.Mark => MarkParity,
                Parity.Space => SpaceParity,
                _ => NoParity,
            },
            StopBits = settings.StopBits == StopBits.Two ? TwoStopBits : OneStopBit,
            XonChar = XOn,
            XoffChar = XOff,
        };
    }

    /// <summary>
    /// A read returns at once with what is buffered, or waits for the first byte (MAXDWORD, MAXDWORD,
    /// MAXDWORD-1: the documented "return when any byte arrives" combination); writes never time out.
    /// Timeouts are the caller's CancellationToken.
    /// </summary>
    public static CommTimeouts Timeouts() => new()
    {
        ReadIntervalTimeout = uint.MaxValue,
        ReadTotalTimeoutMultiplier = uint.MaxValue,
        ReadTotalTimeoutConstant = uint.MaxValue - 1,
        WriteTotalTimeoutMultiplier = 0,
        WriteTotalTimeoutConstant = 0,
    };

    /// <summary>The Win32 device path: <c>COM3</c> becomes <c>\\.\COM3</c> (required from COM10 up).</summary>
    public static string DevicePath(string portName) =>
        portName.StartsWith(@"\\.\", StringComparison.Ordinal) ? portName : @"\\.\" + portName;
}

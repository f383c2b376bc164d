using PowerWatch.Serial.Linux;

namespace PowerWatch.Serial.Tests;

/// <summary>Flag values are those of Linux asm-generic/termbits.h (octal there, hex here).</summary>
public sealed class TermiosFlagsTests
{
    private static SerialPortSettings S(int data = 8, Parity parity = Parity.None, StopBits stop = StopBits.One, Handshake hs = Handshake.None) =>
        new() { PortName = "/dev/ttyS1", DataBits = data, Parity = parity, StopBits = stop, Handshake = hs };

    [Theory]
    [InlineData(9600, 0xDu)] // B9600 = 0000015
    [InlineData(19200, 0xEu)] // B19200 = 0000016
    [InlineData(38400, 0xFu)] // B38400 = 0000017
    [InlineData(115200, 0x1002u)] // B115200 = 0010002
    [InlineData(4000000, 0x100Fu)] // B4000000 = 0010017
    public void Standard_rates_map_to_their_B_codes(int baud, uint code) => Assert.Equal(code, TermiosFlags.StandardSpeed(baud));

    [Theory]
    [InlineData(250000)]
    [InlineData(31250)]
    [InlineData(14400)]
    public void Non_standard_rates_have_no_B_code(int baud) => Assert.Null(TermiosFlags.StandardSpeed(baud));

    [Fact]
    public void Control_word_for_7E2_sets_cs7_parenb_cstopb_clocal_cread()
    {
        var c = TermiosFlags.Control(uint.MaxValue & ~Posix.CBAUD, S(7, Parity.Even, StopBits.Two));
        Assert.Equal(0x20u, c & 0x30u); // CS7 = 0000040
        Assert.NotEqual(0u, c & 0x100u); // PARENB = 0000400
        Assert.Equal(0u, c & 0x200u); // PARODD = 0001000
        Assert.NotEqual(0u, c & 0x40u); // CSTOPB = 0000100
        Assert.NotEqual(0u, c & 0x800u); // CLOCAL = 0004000
        Assert.NotEqual(0u, c & 0x80u); // CREAD = 0000200
        Assert.Equal(0u, c & 0x40000000u); // CMSPAR = 010000000000
        Assert.Equal(0u, c & 0x80000000u); // CRTSCTS = 020000000000
    }

    [Theory]
    [InlineData(Parity.None, 0x0u)]
    [InlineData(Parity.Even, 0x100u)]
    [InlineData(Parity.Odd, 0x300u)]
    [InlineData(Parity.Mark, 0x40000300u)]
    [InlineData(Parity.Space, 0x40000100u)]
    public void Parity_maps_to_parenb_parodd_and_cmspar(Parity parity, uint expected) =>
        Assert.Equal(expected, TermiosFlags.Control(0, S(parity: parity)) & 0x40000300u);

    [Fact]
    public void Control_word_keeps_the_speed_bits_and_clears_hardware_flow_control()
    {
        var c = TermiosFlags.Control(0x80000000u | 0xEu, S());
        Assert.Equal(0xEu, c & Posix.CBAUD);
        Assert.Equal(0u, c & 0x80000000u);
        Assert.Equal(0x30u, c & 0x30u); // CS8
    }

    [Fact]
    public void Hardware_handshake_sets_crtscts()
    {
        Assert.NotEqual(0u, TermiosFlags.Control(0, S(hs: Handshake.RequestToSend)) & 0x80000000u);
    }

    [Fact]
    public void Raw_input_clears_translation_stripping_and_software_flow_control()
    {
        var i = TermiosFlags.Input(uint.MaxValue, S());
        // IGNBRK BRKINT PARMRK ISTRIP INLCR IGNCR ICRNL IXON IXOFF IXANY INPCK all off
        Assert.Equal(0u, i & (0x1u | 0x2u | 0x8u | 0x20u | 0x40u | 0x80u | 0x100u | 0x400u | 0x1000u | 0x800u | 0x10u));
    }

    [Fact]
    public void Parity_turns_on_input_parity_checking_and_xonxoff_turns_on_ixon_ixoff()
    {
        Assert.NotEqual(0u, TermiosFlags.Input(0, S(parity: Parity.Even)) & 0x10u);
        Assert.Equal(0x1400u, TermiosFlags.Input(0, S(hs: Handshake.XOnXOff)) & 0x1400u);
    }

    [Fact]
    public void Raw_output_and_local_modes_disable_opost_echo_canonical_and_signals()
    {
        Assert.Equal(0u, TermiosFlags.Output(uint.MaxValue) & 0x1u); // OPOST
        var l = TermiosFlags.Local(uint.MaxValue);
        Assert.Equal(0u, l & (0x8u | 0x2u | 0x1u | 0x8000u | 0x40u)); // ECHO ICANON ISIG IEXTEN ECHONL
    }

    [Fact]
    public void Non_standard_speed_replaces_cbaud_and_cibaud_with_bother()
    {
        var c = TermiosFlags.WithOtherSpeed(0x30u | 0xEu | (0xEu << 16));
        Assert.Equal(0x1000u, c & Posix.CBAUD); // BOTHER = 0010000
        Assert.Equal(0x1000u << 16, c & (Posix.CBAUD << 16));
        Assert.Equal(0x30u, c & 0x30u);
    }

    [Fact]
    public void Rs485_flags_follow_linux_serial_h()
    {
        // SER_RS485_ENABLED 1, RTS_ON_SEND 2, RTS_AFTER_SEND 4, RX_DURING_TX 16
        Assert.Equal(0x3u, TermiosFlags.Rs485(new Rs485Options { Enabled = true }));
        Assert.Equal(0x15u, TermiosFlags.Rs485(new Rs485Options { Enabled = true, RtsOnSend = false, RtsAfterSend = true, ReceiveDuringTransmit = true }));
    }

    [Fact]
    public void Ioctl_numbers_encode_termios2_size_and_direction()
    {
        // _IOR('T', 0x2A, struct termios2) with sizeof 44; _IOW('T', 0x2B, ...)
        Assert.Equal(44, System.Runtime.CompilerServices.Unsafe.SizeOf<Termios2>());
        Assert.Equal(60, System.Runtime.CompilerServices.Unsafe.SizeOf<Termios>());
        Assert.Equal(32, System.Runtime.CompilerServices.Unsafe.SizeOf<SerialRs485>());
        Assert.Equal((2u << 30) | (44u << 16) | ('T' << 8) | 0x2Au, (uint)Posix.TCGETS2);
        Assert.Equal((1u << 30) | (44u << 16) | ('T' << 8) | 0x2Bu, (uint)Posix.TCSETS2);
    }
}

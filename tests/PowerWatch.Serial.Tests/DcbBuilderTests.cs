using PowerWatch.Serial.Windows;

namespace PowerWatch.Serial.Tests;

/// <summary>Values and bit positions from winbase.h (DCB, COMMTIMEOUTS).</summary>
public sealed class DcbBuilderTests
{
    private static SerialPortSettings S => new() { PortName = "COM3" };

    [Fact]
    public void Dcb_has_the_win32_size_of_28_bytes()
    {
        Assert.Equal(28, System.Runtime.CompilerServices.Unsafe.SizeOf<Dcb>());
        Assert.Equal(28u, DcbBuilder.Build(S, rs485Toggle: false).DcbLength);
    }

    [Fact]
    public void Dcb_for_19200_7E2_sets_rate_size_even_parity_and_two_stop_bits()
    {
        var dcb = DcbBuilder.Build(S with { BaudRate = 19200, DataBits = 7, Parity = Parity.Even, StopBits = StopBits.Two }, rs485Toggle: false);
        Assert.Equal(19200u, dcb.BaudRate);
        Assert.Equal(7, dcb.ByteSize);
        Assert.Equal(2, dcb.Parity); // EVENPARITY
        Assert.Equal(2, dcb.StopBits); // TWOSTOPBITS
        Assert.True(dcb.ParityCheck);
    }

    [Theory]
    [InlineData(Parity.None, 0)] // NOPARITY
    [InlineData(Parity.Odd, 1)] // ODDPARITY
    [InlineData(Parity.Even, 2)] // EVENPARITY
    [InlineData(Parity.Mark, 3)] // MARKPARITY
    [InlineData(Parity.Space, 4)] // SPACEPARITY
    public void Parity_maps_to_the_win32_codes(Parity parity, byte code) =>
        Assert.Equal(code, DcbBuilder.Build(S with { Parity = parity }, rs485Toggle: false).Parity);

    [Fact]
    public void Default_dcb_is_binary_8N1_with_no_flow_control_nul_kept_and_no_abort_on_error()
    {
        var dcb = DcbBuilder.Build(S, rs485Toggle: false);
        Assert.Equal(9600u, dcb.BaudRate);
        Assert.Equal(8, dcb.ByteSize);
        Assert.Equal(0, dcb.StopBits); // ONESTOPBIT
        Assert.True(dcb.Binary);
        Assert.False(dcb.ParityCheck);
        Assert.False(dcb.OutxCtsFlow);
        Assert.False(dcb.OutxDsrFlow);
        Assert.False(dcb.DsrSensitivity);
        Assert.False(dcb.OutX);
        Assert.False(dcb.InX);
        Assert.False(dcb.ErrorCharReplace);
        Assert.False(dcb.Null);
        Assert.False(dcb.AbortOnError);
        Assert.Equal(1u, dcb.DtrControl); // DTR_CONTROL_ENABLE
        Assert.Equal(1u, dcb.RtsControl); // RTS_CONTROL_ENABLE
        Assert.Equal(0x1091u, dcb.Flags); // fBinary | fDtrControl=1 <<4 | fTXContinueOnXoff <<7 | fRtsControl=1 <<12
    }

    [Fact]
    public void Hardware_handshake_sets_cts_flow_and_rts_handshake()
    {
        var dcb = DcbBuilder.Build(S with { Handshake = Handshake.RequestToSend }, rs485Toggle: false);
        Assert.True(dcb.OutxCtsFlow);
        Assert.Equal(2u, dcb.RtsControl); // RTS_CONTROL_HANDSHAKE
    }

    [Fact]
    public void Software_handshake_sets_outx_inx_and_the_xon_xoff_characters()
    {
        var dcb = DcbBuilder.Build(S with { Handshake = Handshake.XOnXOff, ReadBufferSize = 4096 }, rs485Toggle: false);
        Assert.True(dcb.OutX);
        Assert.True(dcb.InX);
        Assert.Equal(0x11, dcb.XonChar);
        Assert.Equal(0x13, dcb.XoffChar);
        Assert.Equal(1024, dcb.XonLim);
        Assert.Equal(1024, dcb.XoffLim);
    }

    [Fact]
    public void Rs485_toggles_rts_around_transmissions()
    {
        var dcb = DcbBuilder.Build(S with { Rs485 = new Rs485Options { Enabled = true } }, rs485Toggle: true);
        Assert.Equal(3u, dcb.RtsControl); // RTS_CONTROL_TOGGLE
    }

    [Fact]
    public void Timeouts_make_reads_return_on_the_first_byte_and_writes_never_time_out()
    {
        var t = DcbBuilder.Timeouts();
        Assert.Equal(uint.MaxValue, t.ReadIntervalTimeout);
        Assert.Equal(uint.MaxValue, t.ReadTotalTimeoutMultiplier);
        Assert.Equal(uint.MaxValue - 1, t.ReadTotalTimeoutConstant);
        Assert.Equal(0u, t.WriteTotalTimeoutConstant);
        Assert.Equal(0u, t.WriteTotalTimeoutMultiplier);
    }

    [Theory]
    [InlineData("COM3", @"\\.\COM3")]
    [InlineData("COM12", @"\\.\COM12")]
    [InlineData(@"\\.\COM5", @"\\.\COM5")]
    public void Port_names_become_win32_device_paths(string name, string path) => Assert.Equal(path, DcbBuilder.DevicePath(name));
}

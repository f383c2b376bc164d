namespace PowerWatch.Serial.Tests;

public sealed class SerialPortSettingsTests
{
    private static SerialPortSettings Valid => new() { PortName = "/dev/ttyUSB0" };

    [Fact]
    public void Defaults_are_9600_8N1_without_flow_control_and_valid()
    {
        var s = Valid;
        Assert.Equal(9600, s.BaudRate);
        Assert.Equal(8, s.DataBits);
        Assert.Equal(Parity.None, s.Parity);
        Assert.Equal(StopBits.One, s.StopBits);
        Assert.Equal(Handshake.None, s.Handshake);
        Assert.False(s.Rs485.Enabled);
        Assert.True(s.Exclusive);
        Assert.Empty(s.GetValidationErrors());
        s.Validate();
    }

    [Theory]
    [InlineData(0, "BaudRate")]
    [InlineData(49, "BaudRate")]
    [InlineData(12_000_001, "BaudRate")]
    public void Baud_rate_out_of_range_is_rejected_naming_the_field(int baud, string field)
    {
        var errors = (Valid with { BaudRate = baud }).GetValidationErrors();
        Assert.Single(errors);
        Assert.StartsWith(field, errors[0], StringComparison.Ordinal);
        Assert.Contains(baud.ToString(System.Globalization.CultureInfo.InvariantCulture), errors[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(9)]
    public void Data_bits_outside_5_to_8_are_rejected_naming_the_field(int bits)
    {
        var errors = (Valid with { DataBits = bits }).GetValidationErrors();
        Assert.Single(errors);
        Assert.StartsWith("DataBits", errors[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Data_bits_5_to_8_are_accepted(int bits) =>
        Assert.Empty((Valid with { DataBits = bits }).GetValidationErrors());

    [Fact]
    public void Empty_port_name_is_rejected_naming_the_field()
    {
        var errors = (Valid with { PortName = " " }).GetValidationErrors();
        Assert.Single(errors);
        Assert.StartsWith("PortName", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Undefined_enum_values_are_rejected_naming_each_field()
    {
        var errors = (Valid with { Parity = (Parity)9, StopBits = (StopBits)3, Handshake = (Handshake)7 }).GetValidationErrors();
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Parity", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("StopBits", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Handshake", StringComparison.Ordinal));
    }

    [Fact]
    public void Rs485_delays_beyond_one_second_are_rejected_naming_the_nested_field()
    {
        var errors = (Valid with { Rs485 = new Rs485Options { Enabled = true, DelayBeforeSend = TimeSpan.FromSeconds(2), DelayAfterSend = TimeSpan.FromMilliseconds(-1) } })
            .GetValidationErrors();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Rs485.DelayBeforeSend", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Rs485.DelayAfterSend", StringComparison.Ordinal));
    }

    [Fact]
    public void Rs485_with_hardware_handshake_is_rejected_because_both_drive_rts()
    {
        var errors = (Valid with { Handshake = Handshake.RequestToSend, Rs485 = new Rs485Options { Enabled = true } }).GetValidationErrors();
        Assert.Single(errors);
        Assert.StartsWith("Rs485.Enabled", errors[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(2_000_000)]
    public void Read_buffer_size_out_of_range_is_rejected_naming_the_field(int size)
    {
        var errors = (Valid with { ReadBufferSize = size }).GetValidationErrors();
        Assert.Single(errors);
        Assert.StartsWith("ReadBufferSize", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_throws_listing_every_problem_with_the_port_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => (Valid with { BaudRate = 1, DataBits = 3 }).Validate());
        Assert.Contains("/dev/ttyUSB0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BaudRate", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DataBits", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_validates_settings_before_touching_the_device()
    {
        var ex = Assert.Throws<ArgumentException>(() => SerialPort.Open(new SerialPortSettings { PortName = "/dev/does-not-matter", DataBits = 9 }));
        Assert.Contains("DataBits", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, Parity.None, StopBits.One, 10)]
    [InlineData(8, Parity.Even, StopBits.One, 11)]
    [InlineData(8, Parity.None, StopBits.Two, 11)]
    [InlineData(7, Parity.Even, StopBits.Two, 11)]
    [InlineData(7, Parity.Mark, StopBits.One, 10)]
    [InlineData(5, Parity.None, StopBits.One, 7)]
    public void Bits_per_character_count_start_data_parity_and_stop_bits(int data, Parity parity, StopBits stop, int expected) =>
        Assert.Equal(expected, (Valid with { DataBits = data, Parity = parity, StopBits = stop }).BitsPerCharacter);

    [Fact]
    public void Character_time_at_9600_8N1_is_ten_bit_times()
    {
        // 10 bits / 9600 bit/s = 1041.666... us, rounded up to whole 100 ns ticks.
        Assert.Equal(TimeSpan.FromTicks(10_417), Valid.CharacterTime);
    }

    [Fact]
    public void Character_time_at_19200_8E1_is_eleven_bit_times()
    {
        // Modbus over serial line V1.02 §2.5.1: an RTU character is 11 bits (start, 8 data, parity, stop).
        var s = Valid with { BaudRate = 19200, Parity = Parity.Even };
        Assert.Equal(TimeSpan.FromTicks(5_730), s.CharacterTime); // 11/19200 s = 572.916... us
    }

    [Fact]
    public void Transmit_time_of_many_characters_is_computed_without_accumulating_rounding()
    {
        var s = Valid with { BaudRate = 115200 };
        // 1000 chars x 10 bits / 115200 = 86805.555... us
        Assert.Equal(TimeSpan.FromTicks(868_056), s.TransmitTime(1000));
        Assert.Equal(TimeSpan.Zero, s.TransmitTime(0));
    }

    [Fact]
    public void Describe_gives_the_usual_short_form()
    {
        Assert.Equal("/dev/ttyUSB0 19200 7E2", (Valid with { BaudRate = 19200, DataBits = 7, Parity = Parity.Even, StopBits = StopBits.Two }).Describe());
        Assert.Equal("COM3 9600 8N1", new SerialPortSettings { PortName = "COM3" }.Describe());
    }
}

namespace PowerWatch.Modbus;

/// <summary>What was wrong with a reply (or with the link) when a <see cref="ModbusProtocolException"/> is thrown.</summary>
public enum ModbusProtocolError
{
    Unknown = 0,
    /// <summary>RTU CRC-16 mismatch.</summary>
    CrcMismatch,
    /// <summary>ASCII LRC mismatch.</summary>
    LrcMismatch,
    /// <summary>ASCII frame with a non-hex character or odd length.</summary>
    InvalidAsciiCharacter,
    /// <summary>The frame ended (silence, CR LF, or connection close) before it was complete.</summary>
    TruncatedFrame,
    /// <summary>A gap longer than the inter-character limit inside an RTU frame.</summary>
    InterCharacterGap,
    /// <summary>A frame longer than the ADU limit.</summary>
    FrameTooLong,
    /// <summary>MBAP transaction id does not match the request.</summary>
    WrongTransactionId,
    /// <summary>MBAP protocol id is not 0.</summary>
    WrongProtocolId,
    /// <summary>MBAP length field out of range.</summary>
    InvalidLength,
    /// <summary>Reply from another unit id.</summary>
    WrongUnitId,
    /// <summary>Reply carries another function code.</summary>
    WrongFunctionCode,
    /// <summary>Byte count does not match the quantity requested or the PDU length.</summary>
    WrongByteCount,
    /// <summary>Echo of a write does not match the request.</summary>
    WrongEcho,
    /// <summary>Reply PDU shorter or longer than its function code requires, or otherwise malformed.</summary>
    MalformedPdu,
    /// <summary>Bytes that could not be framed at all.</summary>
    Garbage,
    /// <summary>The peer closed the connection (possibly mid-frame).</summary>
    ConnectionClosed,
}

/// <summary>Base of every error this library reports for a request.</summary>
public class ModbusCommunicationException : Exception
{
    public ModbusCommunicationException()
    {
    }

    public ModbusCommunicationException(string message)
        : base(message)
    {
    }

    public ModbusCommunicationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The device answered with an exception response (<c>FC | 0x80</c>, code). Never retried.</summary>
public sealed class ModbusException : ModbusCommunicationException
{
    public ModbusException()
    {
    }

    public ModbusException(string message)
        : base(message)
    {
    }

    public ModbusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModbusException(ModbusFunctionCode functionCode, ModbusExceptionCode exceptionCode)
        : base($"Modbus exception {(byte)exceptionCode:X2} ({exceptionCode}) for function {(byte)functionCode:X2} ({functionCode})")
    {
        FunctionCode = functionCode;
        ExceptionCode = exceptionCode;
    }

    public ModbusFunctionCode FunctionCode { get; }

    public ModbusExceptionCode ExceptionCode { get; }
}

/// <summary>The reply was malformed or did not belong to the request (see <see cref="Kind"/>). Retried.</summary>
public sealed class ModbusProtocolException : ModbusCommunicationException
{
    public ModbusProtocolException()
    {
    }

    public ModbusProtocolException(string message)
        : base(message)
    {
    }

    public ModbusProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModbusProtocolException(ModbusProtocolError kind, string message)
        : base($"{kind}: {message}")
    {
        Kind = kind;
    }

    public ModbusProtocolException(ModbusProtocolError kind, string message, Exception innerException)
        : base($"{kind}: {message}", innerException)
    {
        Kind = kind;
    }

    public ModbusProtocolError Kind { get; }
}

/// <summary>No complete answer arrived within <see cref="ModbusClientOptions.Timeout"/>. Retried.</summary>
public sealed class ModbusTimeoutException : ModbusCommunicationException
{
    public ModbusTimeoutException()
    {
    }

    public ModbusTimeoutException(string message)
        : base(message)
    {
    }

    public ModbusTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Bytes that had arrived when the timeout fired (0 = no answer at all).</summary>
    public int BytesReceived { get; init; }
}

/// <summary>The transport could not connect (or the stream is gone). Retried.</summary>
public sealed class ModbusConnectionException : ModbusCommunicationException
{
    public ModbusConnectionException()
    {
    }

    public ModbusConnectionException(string message)
        : base(message)
    {
    }

    public ModbusConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

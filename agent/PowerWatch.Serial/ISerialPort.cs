namespace PowerWatch.Serial;

/// <summary>Outcome of the RS-485 request at open.</summary>
public enum Rs485Status
{
    /// <summary>RS-485 was not requested.</summary>
    Off = 0,

    /// <summary>The driver accepted the RS-485 configuration.</summary>
    Enabled = 1,

    /// <summary>RS-485 was requested (not required) but the driver has no RS-485 mode.</summary>
    NotSupported = 2,
}

/// <summary>
/// An open serial port. Bytes move through <see cref="Stream"/> (async reads return as soon as at least
/// one byte is available and honour cancellation promptly; writes complete when the driver has accepted
/// every byte). Dispose to close; pending operations then fail.
/// </summary>
public interface ISerialPort : IAsyncDisposable
{
    /// <summary>The settings the port was opened with.</summary>
    SerialPortSettings Settings { get; }

    /// <summary>The byte stream of the port (not seekable). Owned by the port: do not dispose it separately.</summary>
    Stream Stream { get; }

    /// <summary>Whether the driver's RS-485 mode is on.</summary>
    Rs485Status Rs485Status { get; }

    /// <summary>Drops bytes received but not yet read (tcflush TCIFLUSH / PurgeComm RXCLEAR).</summary>
    ValueTask DiscardInputAsync(CancellationToken cancellationToken = default);

    /// <summary>Drops bytes written but not yet sent (tcflush TCOFLUSH / PurgeComm TXCLEAR).</summary>
    ValueTask DiscardOutputAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes when every written byte has left the UART (tcdrain / FlushFileBuffers, run on a dedicated
    /// thread). Cancellation stops the wait, not the drain.
    /// </summary>
    ValueTask DrainAsync(CancellationToken cancellationToken = default);
}

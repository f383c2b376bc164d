namespace PowerWatch.SerialUps.MegatecQ1;

/// <summary>Why a Megatec reply was refused.</summary>
public enum MegatecQ1Error
{
    /// <summary>
    /// The line has the wrong length: shorter than the command's reply (any command), or longer than a fixed-length
    /// reply (F, I). A Q1 reply may be longer (SPEC-DEVICES §5: fields appended after the standard ones).
    /// </summary>
    WrongLength,

    /// <summary>The line does not start with the command's start character ('(' for Q1, '#' for F and I).</summary>
    BadStart,

    /// <summary>A separator is not where the fixed columns put it.</summary>
    BadSeparator,

    /// <summary>A field is neither a number nor '@' (unavailable).</summary>
    BadField,

    /// <summary>A status bit is not '0' or '1'.</summary>
    BadStatusBit,

    /// <summary>The UPS echoed the command: it does not support it (SPEC §5).</summary>
    Unsupported,

    /// <summary>No CR-terminated reply within the command timeout.</summary>
    Timeout,
}

namespace PowerWatch.Snmp;

/// <summary>Base of every error this library reports for a request or a decode.</summary>
public class SnmpException : Exception
{
    public SnmpException()
    {
    }

    public SnmpException(string message)
        : base(message)
    {
    }

    public SnmpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Bytes that are not a valid SNMP message within our limits: truncated, malformed BER, a bad tag, a length past the
/// end, nesting or an OID too deep, a message too large. The one exception every decoder throws for bad input.
/// </summary>
public sealed class SnmpProtocolException : SnmpException
{
    public SnmpProtocolException()
    {
    }

    public SnmpProtocolException(string message)
        : base(message)
    {
    }

    public SnmpProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the offset (from the start of the decoded buffer) where decoding failed.</summary>
    public SnmpProtocolException(string reason, int offset)
        : base($"malformed SNMP data at offset {offset}: {reason}")
    {
        Reason = reason;
        Offset = offset;
    }

    /// <summary>What was wrong, without the offset.</summary>
    public string Reason { get; } = "";

    /// <summary>Offset in the decoded buffer where the problem was found (-1 when not about a position).</summary>
    public int Offset { get; } = -1;
}

/// <summary>No matching answer within <c>Timeout</c> on any attempt. With SNMP v1/v2c this is also what a wrong community looks like.</summary>
public sealed class SnmpTimeoutException : SnmpException
{
    public SnmpTimeoutException()
    {
    }

    public SnmpTimeoutException(string message)
        : base(message)
    {
    }

    public SnmpTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a request that got no answer.</summary>
    public SnmpTimeoutException(string message, int attempts)
        : base(message)
    {
        Attempts = attempts;
    }

    /// <summary>How many times the request was sent.</summary>
    public int Attempts { get; }
}

/// <summary>The agent answered with a non-zero error-status (RFC 3416 §3). Never retried.</summary>
public sealed class SnmpErrorStatusException : SnmpException
{
    public SnmpErrorStatusException()
    {
    }

    public SnmpErrorStatusException(string message)
        : base(message)
    {
    }

    public SnmpErrorStatusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an error reply; <paramref name="oid"/> is the variable at the 1-based index, if any.</summary>
    public SnmpErrorStatusException(SnmpErrorStatus status, int index, Oid? oid)
        : base($"SNMP error-status {(int)status} ({status}) at index {index}" + (oid is { } o ? $" ({o})" : ""))
    {
        ErrorStatus = status;
        ErrorIndex = index;
        Oid = oid;
    }

    /// <summary>The error-status of the reply.</summary>
    public SnmpErrorStatus ErrorStatus { get; }

    /// <summary>The error-index of the reply: 1-based position of the variable at fault, 0 when none.</summary>
    public int ErrorIndex { get; }

    /// <summary>The variable at <see cref="ErrorIndex"/> in the request, when the index names one.</summary>
    public Oid? Oid { get; }
}

/// <summary>
/// SNMPv3: the agent refused our credentials or security level with a Report PDU (RFC 3414 §3.2), or the reply
/// failed our own authentication or decryption. Never carries a password or key.
/// </summary>
public sealed class SnmpAuthenticationException : SnmpException
{
    public SnmpAuthenticationException()
    {
    }

    public SnmpAuthenticationException(string message)
        : base(message)
    {
    }

    public SnmpAuthenticationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a report; <paramref name="reportOid"/> is the usmStats counter it carried.</summary>
    public SnmpAuthenticationException(string message, Oid? reportOid)
        : base(message)
    {
        ReportOid = reportOid;
    }

    /// <summary>The usmStats… counter of the Report PDU (e.g. 1.3.6.1.6.3.15.1.1.5.0 usmStatsWrongDigests), or null when we rejected the reply ourselves.</summary>
    public Oid? ReportOid { get; }
}

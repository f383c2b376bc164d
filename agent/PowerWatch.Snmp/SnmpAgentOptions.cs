using System.Security.Cryptography;
using System.Text;

namespace PowerWatch.Snmp;

/// <summary>
/// A v3 user of an <see cref="SnmpAgent"/> (usmUserTable, RFC 3414 §5). Its security level is the one its protocols
/// give: noAuthNoPriv, authNoPriv or authPriv. <see cref="ToString"/> never shows the passwords.
/// </summary>
public sealed class SnmpAgentUser
{
    /// <summary>Creates a user; passwords of at least <see cref="UsmSecurity.MinPasswordLength"/> characters for the protocols used.</summary>
    public SnmpAgentUser(string name, SnmpAuthProtocol authProtocol = SnmpAuthProtocol.None, string authPassword = "", SnmpPrivProtocol privProtocol = SnmpPrivProtocol.None, string privPassword = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(authPassword);
        ArgumentNullException.ThrowIfNull(privPassword);
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > 32)
        {
            throw new ArgumentException("a v3 user name is 1 to 32 octets", nameof(name));
        }

        if (privProtocol != SnmpPrivProtocol.None && authProtocol == SnmpAuthProtocol.None)
        {
            throw new ArgumentException("privacy needs an authentication protocol", nameof(privProtocol));
        }

        if (authProtocol != SnmpAuthProtocol.None && authPassword.Length < UsmSecurity.MinPasswordLength)
        {
            throw new ArgumentException($"the authentication password must have at least {UsmSecurity.MinPasswordLength} characters", nameof(authPassword));
        }

        if (privProtocol != SnmpPrivProtocol.None && privPassword.Length < UsmSecurity.MinPasswordLength)
        {
            throw new ArgumentException($"the privacy password must have at least {UsmSecurity.MinPasswordLength} characters", nameof(privPassword));
        }

        Name = name;
        AuthProtocol = authProtocol;
        AuthPassword = authPassword;
        PrivProtocol = privProtocol;
        PrivPassword = privPassword;
    }

    /// <summary>usmUserName.</summary>
    public string Name { get; }

    /// <summary>Authentication protocol.</summary>
    public SnmpAuthProtocol AuthProtocol { get; }

    /// <summary>Authentication password. A secret.</summary>
    public string AuthPassword { get; }

    /// <summary>Privacy protocol.</summary>
    public SnmpPrivProtocol PrivProtocol { get; }

    /// <summary>Privacy password. A secret.</summary>
    public string PrivPassword { get; }

    /// <summary>The msgFlags security bits of this user's level.</summary>
    public SnmpV3Flags SecurityLevel =>
        (AuthProtocol != SnmpAuthProtocol.None ? SnmpV3Flags.Auth : SnmpV3Flags.None)
        | (PrivProtocol != SnmpPrivProtocol.None ? SnmpV3Flags.Priv : SnmpV3Flags.None);

    /// <summary>Name and protocols; never the passwords.</summary>
    public override string ToString() => $"v3 user {Name} auth {AuthProtocol} priv {PrivProtocol}";
}

/// <summary>Options of an <see cref="SnmpAgent"/>. <see cref="ToString"/> never shows communities or passwords.</summary>
public sealed class SnmpAgentOptions
{
    /// <summary>v1/v2c communities answered (read-only). Empty: v1/v2c requests are dropped. Secrets.</summary>
    public IReadOnlyList<string> Communities { get; init; } = ["public"];

    /// <summary>Answer SNMPv1 requests too (default true).</summary>
    public bool AllowV1 { get; init; } = true;

    /// <summary>v3 users. Empty: v3 requests get an unknown-user report.</summary>
    public IReadOnlyList<SnmpAgentUser> Users { get; init; } = [];

    /// <summary>snmpEngineID (5 to 32 octets, RFC 3411 §5). Default: a random one in the RFC 3411 "octets" format.</summary>
    public ReadOnlyMemory<byte> EngineId { get; init; }

    /// <summary>snmpEngineBoots (default 1).</summary>
    public int EngineBoots { get; init; } = 1;

    /// <summary>Largest response the agent sends (and its v3 msgMaxSize). Default 65507; a v3 request's smaller msgMaxSize wins.</summary>
    public int MaxMessageSize { get; init; } = BerLimits.MaxMessageSize;

    /// <summary>Largest max-repetitions honoured in a GETBULK (a larger request is served this many). Default 1000.</summary>
    public int MaxRepetitionsCap { get; init; } = 1000;

    /// <summary>The clock of snmpEngineTime (seconds since the agent was created).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// An engine id in the RFC 3411 §5 format: enterprise number with the top bit set, format 5 (octets), then eight
    /// octets derived from <paramref name="seed"/> (stable: the same seed gives the same id, so v3 managers keep it
    /// across restarts of a simulated device).
    /// </summary>
    public static byte[] EngineIdFor(uint enterprise, string seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var id = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(id, enterprise | 0x8000_0000u);
        id[4] = 5;
        SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 8).CopyTo(id.AsSpan(5));
        return id;
    }

    /// <summary>Versions and user names; never communities or passwords.</summary>
    public override string ToString() =>
        $"SNMP agent: {Communities.Count} communit{(Communities.Count == 1 ? "y" : "ies")}, v1 {(AllowV1 ? "on" : "off")}, v3 users [{string.Join(", ", Users.Select(u => u.Name))}]";
}

/// <summary>Counters of an <see cref="SnmpAgent"/> (thread-safe reads).</summary>
public sealed class SnmpAgentStatistics
{
    private long _requests;
    private long _responses;
    private long _malformed;
    private long _badCommunities;
    private long _unexpectedPdus;
    private long _unknownEngineIds;
    private long _unknownUserNames;
    private long _unsupportedSecurityLevels;
    private long _wrongDigests;
    private long _notInTimeWindows;
    private long _decryptionErrors;

    /// <summary>Datagrams received.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Responses and reports produced.</summary>
    public long Responses => Interlocked.Read(ref _responses);

    /// <summary>Datagrams dropped because they are not a valid message (snmpInASNParseErrs).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>v1/v2c requests dropped for an unknown community (snmpInBadCommunityNames), or a version not served.</summary>
    public long BadCommunities => Interlocked.Read(ref _badCommunities);

    /// <summary>Valid messages carrying a PDU an agent does not answer (a Response, a trap, a report).</summary>
    public long UnexpectedPdus => Interlocked.Read(ref _unexpectedPdus);

    /// <summary>usmStatsUnknownEngineIDs (engine discoveries included).</summary>
    public long UnknownEngineIds => Interlocked.Read(ref _unknownEngineIds);

    /// <summary>usmStatsUnknownUserNames.</summary>
    public long UnknownUserNames => Interlocked.Read(ref _unknownUserNames);

    /// <summary>usmStatsUnsupportedSecLevels.</summary>
    public long UnsupportedSecurityLevels => Interlocked.Read(ref _unsupportedSecurityLevels);

    /// <summary>usmStatsWrongDigests.</summary>
    public long WrongDigests => Interlocked.Read(ref _wrongDigests);

    /// <summary>usmStatsNotInTimeWindows.</summary>
    public long NotInTimeWindows => Interlocked.Read(ref _notInTimeWindows);

    /// <summary>usmStatsDecryptionErrors.</summary>
    public long DecryptionErrors => Interlocked.Read(ref _decryptionErrors);

    internal void Request() => Interlocked.Increment(ref _requests);

    internal void Response() => Interlocked.Increment(ref _responses);

    internal void MalformedDatagram() => Interlocked.Increment(ref _malformed);

    internal void BadCommunity() => Interlocked.Increment(ref _badCommunities);

    internal void UnexpectedPdu() => Interlocked.Increment(ref _unexpectedPdus);

    internal long Count(UsmReport report) => report switch
    {
        UsmReport.UnknownEngineId => Interlocked.Increment(ref _unknownEngineIds),
        UsmReport.UnknownUserName => Interlocked.Increment(ref _unknownUserNames),
        UsmReport.UnsupportedSecurityLevel => Interlocked.Increment(ref _unsupportedSecurityLevels),
        UsmReport.WrongDigest => Interlocked.Increment(ref _wrongDigests),
        UsmReport.NotInTimeWindow => Interlocked.Increment(ref _notInTimeWindows),
        _ => Interlocked.Increment(ref _decryptionErrors),
    };

    /// <summary>The counters, one per line-free phrase.</summary>
    public override string ToString() =>
        $"requests {Requests}, responses {Responses}, malformed {Malformed}, bad communities {BadCommunities}, unexpected PDUs {UnexpectedPdus}, " +
        $"unknown engine ids {UnknownEngineIds}, unknown users {UnknownUserNames}, unsupported levels {UnsupportedSecurityLevels}, wrong digests {WrongDigests}, " +
        $"not in time window {NotInTimeWindows}, decryption errors {DecryptionErrors}";
}

/// <summary>The USM errors an agent reports (RFC 3414 §5, usmStats 1.3.6.1.6.3.15.1.1.N.0).</summary>
internal enum UsmReport
{
    UnsupportedSecurityLevel = 1,
    NotInTimeWindow = 2,
    UnknownUserName = 3,
    UnknownEngineId = 4,
    WrongDigest = 5,
    DecryptionError = 6,
}

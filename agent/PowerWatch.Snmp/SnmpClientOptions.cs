using System.Text;

namespace PowerWatch.Snmp;

/// <summary>
/// Options of an <see cref="SnmpClient"/>. <see cref="Validate"/> names the key at fault. <see cref="ToString"/>
/// never shows the community or the passwords.
/// </summary>
public sealed class SnmpClientOptions
{
    /// <summary>v1, v2c (default) or v3.</summary>
    public SnmpVersion Version { get; set; } = SnmpVersion.V2c;

    /// <summary>v1/v2c community. A secret: never logged or printed.</summary>
    public string Community { get; set; } = "public";

    /// <summary>One attempt: send, then wait this long for the matching reply. Default 2 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Extra attempts after a timeout. Default 2. Never after an error-status reply or an authentication report.</summary>
    public int Retries { get; set; } = 2;

    /// <summary>max-repetitions of the GETBULK requests a v2c/v3 walk sends. Default 10.</summary>
    public int MaxRepetitions { get; set; } = 10;

    /// <summary>Largest reply accepted, in bytes; a larger datagram is dropped as malformed. Default 65507.</summary>
    public int MaxResponseSize { get; set; } = BerLimits.MaxMessageSize;

    /// <summary>Most variables one walk returns before it stops with an error (a guard against runaway agents). Default 100000.</summary>
    public int MaxWalkVariables { get; set; } = 100_000;

    /// <summary>v3 user name (msgUserName).</summary>
    public string User { get; set; } = "";

    /// <summary>v3 authentication: None (noAuthNoPriv), Sha (HMAC-SHA-1-96) or Sha256 (HMAC-SHA-256-192).</summary>
    public SnmpAuthProtocol AuthProtocol { get; set; }

    /// <summary>v3 authentication password (at least 8 characters). A secret.</summary>
    public string AuthPassword { get; set; } = "";

    /// <summary>v3 privacy: None or Aes (AES-128-CFB). Needs an <see cref="AuthProtocol"/>.</summary>
    public SnmpPrivProtocol PrivProtocol { get; set; }

    /// <summary>v3 privacy password (at least 8 characters). A secret.</summary>
    public string PrivPassword { get; set; } = "";

    /// <summary>v3 contextName (empty: the default context).</summary>
    public string ContextName { get; set; } = "";

    /// <summary>The only clock: every timeout and the v3 engine-time estimate go through it.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The v3 security level these options ask for, as msgFlags.</summary>
    internal SnmpV3Flags SecurityFlags =>
        (AuthProtocol != SnmpAuthProtocol.None ? SnmpV3Flags.Auth : SnmpV3Flags.None)
        | (PrivProtocol != SnmpPrivProtocol.None ? SnmpV3Flags.Priv : SnmpV3Flags.None);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first key with a bad value.</summary>
    public void Validate()
    {
        if (Version is not (SnmpVersion.V1 or SnmpVersion.V2c or SnmpVersion.V3))
        {
            throw Bad(nameof(Version), "must be V1, V2c or V3");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(5))
        {
            throw Bad(nameof(Timeout), "must be more than 0 and at most 5 minutes");
        }

        if (Retries is < 0 or > 100)
        {
            throw Bad(nameof(Retries), "must be 0..100");
        }

        if (MaxRepetitions is < 1 or > 1000)
        {
            throw Bad(nameof(MaxRepetitions), "must be 1..1000");
        }

        if (MaxResponseSize < SnmpV3Message.MinMaxSize || MaxResponseSize > BerLimits.MaxMessageSize)
        {
            throw Bad(nameof(MaxResponseSize), $"must be {SnmpV3Message.MinMaxSize}..{BerLimits.MaxMessageSize}");
        }

        if (MaxWalkVariables < 1)
        {
            throw Bad(nameof(MaxWalkVariables), "must be at least 1");
        }

        if (TimeProvider is null)
        {
            throw Bad(nameof(TimeProvider), "is required");
        }

        if (Version != SnmpVersion.V3)
        {
            if (Community is null || Encoding.UTF8.GetByteCount(Community) > 255)
            {
                throw Bad(nameof(Community), "is required (at most 255 bytes)");
            }

            return;
        }

        if (string.IsNullOrEmpty(User) || Encoding.UTF8.GetByteCount(User) > 32)
        {
            throw Bad(nameof(User), "is required for v3 (1..32 bytes)");
        }

        if (AuthProtocol is not (SnmpAuthProtocol.None or SnmpAuthProtocol.Sha or SnmpAuthProtocol.Sha256))
        {
            throw Bad(nameof(AuthProtocol), "must be None, Sha or Sha256");
        }

        if (PrivProtocol is not (SnmpPrivProtocol.None or SnmpPrivProtocol.Aes))
        {
            throw Bad(nameof(PrivProtocol), "must be None or Aes");
        }

        if (AuthProtocol != SnmpAuthProtocol.None && (AuthPassword is null || AuthPassword.Length < UsmSecurity.MinPasswordLength))
        {
            throw Bad(nameof(AuthPassword), $"must be at least {UsmSecurity.MinPasswordLength} characters");
        }

        if (PrivProtocol != SnmpPrivProtocol.None)
        {
            if (AuthProtocol == SnmpAuthProtocol.None)
            {
                throw Bad(nameof(PrivProtocol), "needs an AuthProtocol (privacy without authentication does not exist in the USM)");
            }

            if (PrivPassword is null || PrivPassword.Length < UsmSecurity.MinPasswordLength)
            {
                throw Bad(nameof(PrivPassword), $"must be at least {UsmSecurity.MinPasswordLength} characters");
            }
        }

        if (ContextName is null || Encoding.UTF8.GetByteCount(ContextName) > 32)
        {
            throw Bad(nameof(ContextName), "must be at most 32 bytes");
        }
    }

    /// <summary>The options without secrets: version, user, protocols, timing.</summary>
    public override string ToString() => Version == SnmpVersion.V3
        ? $"SNMP v3 user {User} auth {AuthProtocol} priv {PrivProtocol} context '{ContextName}', timeout {Timeout}, retries {Retries}, max-repetitions {MaxRepetitions}"
        : $"SNMP {Version}, timeout {Timeout}, retries {Retries}, max-repetitions {MaxRepetitions}";

    private static ArgumentException Bad(string key, string problem) => new($"{key} {problem}", key);
}

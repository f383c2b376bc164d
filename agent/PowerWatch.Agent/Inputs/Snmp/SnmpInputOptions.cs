using PowerWatch.Snmp;

namespace PowerWatch.Agent.Inputs.Snmp;

/// <summary>
/// The <c>Snmp</c> block of a device with <c>"Input": "snmp"</c>: protocol version, credentials and request
/// limits. <see cref="Community"/>, <see cref="AuthPassword"/> and <see cref="PrivPassword"/> are secrets: they
/// appear in no log line, error message, check-config output or status API answer.
/// </summary>
internal sealed class SnmpInputOptions
{
    /// <summary><c>1</c>, <c>2c</c> or <c>3</c>.</summary>
    public string Version { get; set; } = "2c";

    /// <summary>v1/v2c community (a secret).</summary>
    public string Community { get; set; } = "public";

    /// <summary>v3 user name.</summary>
    public string? User { get; set; }

    /// <summary>v3 authentication: <c>none</c>, <c>SHA</c> (HMAC-SHA-1-96) or <c>SHA-256</c>.</summary>
    public string AuthProtocol { get; set; } = "none";

    /// <summary>v3 authentication password, at least 8 characters (a secret).</summary>
    public string? AuthPassword { get; set; }

    /// <summary>v3 privacy: <c>none</c> or <c>AES</c> (AES-128-CFB; needs an AuthProtocol).</summary>
    public string PrivProtocol { get; set; } = "none";

    /// <summary>v3 privacy password, at least 8 characters (a secret).</summary>
    public string? PrivPassword { get; set; }

    /// <summary>v3 contextName (empty for the default context).</summary>
    public string? ContextName { get; set; }

    /// <summary>One attempt of a request; null = the device's <c>Timeout</c>.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Extra attempts after a timeout (0..10); null = the device's <c>Retries</c>.</summary>
    public int? Retries { get; set; }

    /// <summary>GETBULK max-repetitions of a table walk (1..100).</summary>
    public int MaxRepetitions { get; set; } = 10;

    internal static readonly IReadOnlyDictionary<string, SnmpVersion> Versions = new Dictionary<string, SnmpVersion>(StringComparer.OrdinalIgnoreCase)
    {
        ["1"] = SnmpVersion.V1,
        ["2c"] = SnmpVersion.V2c,
        ["3"] = SnmpVersion.V3,
    };

    internal static readonly IReadOnlyDictionary<string, SnmpAuthProtocol> AuthProtocols = new Dictionary<string, SnmpAuthProtocol>(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = SnmpAuthProtocol.None,
        ["SHA"] = SnmpAuthProtocol.Sha,
        ["SHA-256"] = SnmpAuthProtocol.Sha256,
    };

    internal static readonly IReadOnlyDictionary<string, SnmpPrivProtocol> PrivProtocols = new Dictionary<string, SnmpPrivProtocol>(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = SnmpPrivProtocol.None,
        ["AES"] = SnmpPrivProtocol.Aes,
    };

    /// <summary>Problems with their key under <paramref name="key"/> (<c>…:Snmp</c>); no message contains a secret.</summary>
    internal IEnumerable<(string Key, string Reason)> Problems(string key)
    {
        if (!Versions.TryGetValue(Version ?? "", out var version))
        {
            yield return ($"{key}:Version", $"'{Version}' is not one of 1, 2c, 3");
            yield break;
        }

        if (MaxRepetitions is < 1 or > 100)
        {
            yield return ($"{key}:MaxRepetitions", $"{MaxRepetitions} is outside 1-100");
        }

        if (Timeout is { } t && t <= TimeSpan.Zero)
        {
            yield return ($"{key}:Timeout", $"{t:c} must be positive");
        }

        if (Retries is < 0 or > 10)
        {
            yield return ($"{key}:Retries", $"{Retries} is outside 0-10");
        }

        if (version != SnmpVersion.V3)
        {
            if (string.IsNullOrEmpty(Community))
            {
                yield return ($"{key}:Community", $"required for version {Version}");
            }

            foreach (var (name, value) in new[] { ("User", User), ("AuthPassword", AuthPassword), ("PrivPassword", PrivPassword), ("ContextName", ContextName) })
            {
                if (!string.IsNullOrEmpty(value))
                {
                    yield return ($"{key}:{name}", $"applies only to version 3 (Version is {Version})");
                }
            }

            yield break;
        }

        if (string.IsNullOrWhiteSpace(User))
        {
            yield return ($"{key}:User", "required for version 3");
        }
        else if (System.Text.Encoding.UTF8.GetByteCount(User) > 32)
        {
            yield return ($"{key}:User", "longer than 32 octets (RFC 3414 limit)");
        }

        var auth = AuthProtocols.TryGetValue(AuthProtocol ?? "", out var a) ? a : (SnmpAuthProtocol?)null;
        if (auth is null)
        {
            yield return ($"{key}:AuthProtocol", $"'{AuthProtocol}' is not one of none, SHA, SHA-256 (MD5 is not supported)");
        }

        var priv = PrivProtocols.TryGetValue(PrivProtocol ?? "", out var pr) ? pr : (SnmpPrivProtocol?)null;
        if (priv is null)
        {
            yield return ($"{key}:PrivProtocol", $"'{PrivProtocol}' is not one of none, AES (DES is not supported)");
        }

        if (auth is not null and not SnmpAuthProtocol.None && (AuthPassword?.Length ?? 0) < 8)
        {
            yield return ($"{key}:AuthPassword", "required with an AuthProtocol, at least 8 characters");
        }

        if (auth == SnmpAuthProtocol.None && !string.IsNullOrEmpty(AuthPassword))
        {
            yield return ($"{key}:AuthPassword", "set, but AuthProtocol is none");
        }

        if (priv is not null and not SnmpPrivProtocol.None)
        {
            if (auth == SnmpAuthProtocol.None)
            {
                yield return ($"{key}:PrivProtocol", "privacy needs an AuthProtocol (authPriv)");
            }

            if ((PrivPassword?.Length ?? 0) < 8)
            {
                yield return ($"{key}:PrivPassword", "required with a PrivProtocol, at least 8 characters");
            }
        }
        else if (priv == SnmpPrivProtocol.None && !string.IsNullOrEmpty(PrivPassword))
        {
            yield return ($"{key}:PrivPassword", "set, but PrivProtocol is none");
        }
    }

    /// <summary>The client options (call after <see cref="Problems"/> found none).</summary>
    internal SnmpClientOptions ToClientOptions(TimeSpan deviceTimeout, int deviceRetries, TimeProvider time) => new()
    {
        Version = Versions[Version],
        Community = Community ?? "",
        User = User ?? "",
        AuthProtocol = AuthProtocols[AuthProtocol],
        AuthPassword = AuthPassword ?? "",
        PrivProtocol = PrivProtocols[PrivProtocol],
        PrivPassword = PrivPassword ?? "",
        ContextName = ContextName ?? "",
        Timeout = Timeout ?? deviceTimeout,
        Retries = Retries ?? deviceRetries,
        MaxRepetitions = MaxRepetitions,
        TimeProvider = time,
    };
}

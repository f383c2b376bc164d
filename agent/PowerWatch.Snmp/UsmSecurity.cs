using System.Security.Cryptography;

namespace PowerWatch.Snmp;

/// <summary>USM authentication protocols supported.</summary>
public enum SnmpAuthProtocol
{
    /// <summary>No authentication (noAuthNoPriv).</summary>
    None = 0,

    /// <summary>usmHMACSHAAuthProtocol: HMAC-SHA-1-96 (RFC 3414 §7).</summary>
    Sha = 1,

    /// <summary>usmHMAC192SHA256AuthProtocol: HMAC-SHA-256-192 (RFC 7860).</summary>
    Sha256 = 2,
}

/// <summary>USM privacy protocols supported.</summary>
public enum SnmpPrivProtocol
{
    /// <summary>No privacy.</summary>
    None = 0,

    /// <summary>usmAesCfb128Protocol: AES-128 in CFB-128 mode (RFC 3826).</summary>
    Aes = 1,
}

/// <summary>
/// The User-based Security Model's cryptography (RFC 3414, RFC 7860, RFC 3826) on .NET's own primitives: password to
/// key (A.2), key localisation, HMAC authentication over a whole message, AES-128-CFB privacy. Pure functions over
/// spans; callers keep the keys and must never print them.
/// </summary>
public static class UsmSecurity
{
    /// <summary>Octets hashed by the password-to-key algorithm (RFC 3414 A.2: one megabyte).</summary>
    public const int PasswordExpansion = 1_048_576;

    /// <summary>Octets of the salt in msgPrivacyParameters for AES (RFC 3826 §3.1.2.1).</summary>
    public const int AesSaltLength = 8;

    /// <summary>Octets of an AES-128 key.</summary>
    public const int AesKeyLength = 16;

    /// <summary>Shortest password accepted (RFC 3414 §11.2 and net-snmp: at least 8 characters).</summary>
    public const int MinPasswordLength = 8;

    /// <summary>Length of msgAuthenticationParameters: 12 for HMAC-SHA-1-96, 24 for HMAC-SHA-256-192, 0 for none.</summary>
    public static int AuthParametersLength(SnmpAuthProtocol protocol) => protocol switch
    {
        SnmpAuthProtocol.None => 0,
        SnmpAuthProtocol.Sha => 12,
        SnmpAuthProtocol.Sha256 => 24,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    /// <summary>
    /// Ku: the digest of the password repeated to fill <see cref="PasswordExpansion"/> octets (RFC 3414 A.2.2; the
    /// same algorithm with SHA-256 for RFC 7860).
    /// </summary>
    public static byte[] PasswordToKey(SnmpAuthProtocol protocol, ReadOnlySpan<byte> password) => PasswordToKey(HashName(protocol), password);

    /// <summary>RFC 3414 A.2 with any hash (the tests check it against A.3.1's MD5 example as well).</summary>
    internal static byte[] PasswordToKey(HashAlgorithmName hashName, ReadOnlySpan<byte> password)
    {
        if (password.IsEmpty)
        {
            throw new ArgumentException("the password is empty", nameof(password));
        }

        using var hash = IncrementalHash.CreateHash(hashName);
        Span<byte> block = stackalloc byte[64];
        var index = 0;
        for (var count = 0; count < PasswordExpansion; count += 64)
        {
            for (var i = 0; i < 64; i++)
            {
                block[i] = password[index++ % password.Length];
            }

            index %= password.Length;
            hash.AppendData(block);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Kul = H(Ku ‖ snmpEngineID ‖ Ku) (RFC 3414 §2.6).</summary>
    public static byte[] LocalizeKey(SnmpAuthProtocol protocol, ReadOnlySpan<byte> ku, ReadOnlySpan<byte> engineId) => LocalizeKey(HashName(protocol), ku, engineId);

    /// <summary>RFC 3414 §2.6 with any hash.</summary>
    internal static byte[] LocalizeKey(HashAlgorithmName hashName, ReadOnlySpan<byte> ku, ReadOnlySpan<byte> engineId)
    {
        using var hash = IncrementalHash.CreateHash(hashName);
        hash.AppendData(ku);
        hash.AppendData(engineId);
        hash.AppendData(ku);
        return hash.GetHashAndReset();
    }

    /// <summary>Writes the truncated HMAC of <paramref name="message"/> (whose authentication parameters are zero) into them.</summary>
    public static void Sign(SnmpAuthProtocol protocol, ReadOnlySpan<byte> localizedKey, Span<byte> message, int authParametersOffset)
    {
        var length = AuthParametersLength(protocol);
        var target = message.Slice(authParametersOffset, length);
        target.Clear();
        Span<byte> mac = stackalloc byte[32];
        Hmac(protocol, localizedKey, message, mac);
        mac[..length].CopyTo(target);
    }

    /// <summary>
    /// Checks the truncated HMAC of a received message: computed over the message with its authentication parameters
    /// zeroed, compared in fixed time. False when the parameters have the wrong length or do not match.
    /// </summary>
    public static bool Verify(SnmpAuthProtocol protocol, ReadOnlySpan<byte> localizedKey, ReadOnlySpan<byte> message, int authParametersOffset, ReadOnlySpan<byte> authParameters)
    {
        var length = AuthParametersLength(protocol);
        if (authParameters.Length != length || authParametersOffset < 0 || authParametersOffset + length > message.Length)
        {
            return false;
        }

        var copy = message.ToArray();
        copy.AsSpan(authParametersOffset, length).Clear();
        Span<byte> mac = stackalloc byte[32];
        Hmac(protocol, localizedKey, copy, mac);
        return CryptographicOperations.FixedTimeEquals(mac[..length], authParameters);
    }

    /// <summary>
    /// AES-128-CFB-128 encryption of a scoped PDU (RFC 3826 §3.1.3): key = the first 16 octets of the localized
    /// privacy key; IV = engineBoots (4 octets, big-endian) ‖ engineTime (4) ‖ salt (8). No padding.
    /// </summary>
    public static byte[] EncryptAes(ReadOnlySpan<byte> localizedPrivKey, int engineBoots, int engineTime, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> plaintext) =>
        AesCfb(localizedPrivKey, engineBoots, engineTime, salt, plaintext, encrypt: true);

    /// <summary>Decrypts what <see cref="EncryptAes"/> produced (the salt comes from msgPrivacyParameters).</summary>
    public static byte[] DecryptAes(ReadOnlySpan<byte> localizedPrivKey, int engineBoots, int engineTime, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ciphertext) =>
        AesCfb(localizedPrivKey, engineBoots, engineTime, salt, ciphertext, encrypt: false);

    private static byte[] AesCfb(ReadOnlySpan<byte> key, int boots, int time, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> input, bool encrypt)
    {
        if (key.Length < AesKeyLength)
        {
            throw new ArgumentException("the privacy key is shorter than 16 octets", nameof(key));
        }

        if (salt.Length != AesSaltLength)
        {
            throw new ArgumentException($"the salt must be {AesSaltLength} octets", nameof(salt));
        }

        Span<byte> iv = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(iv, boots);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(iv[4..], time);
        salt.CopyTo(iv[8..]);

        // .NET's CFB wants whole blocks; CFB output octet i depends only on input octets up to i, so zero-filling to a
        // whole block and cutting the result back is exact.
        var padded = new byte[(input.Length + 15) / 16 * 16];
        input.CopyTo(padded);
        using var aes = Aes.Create();
        aes.Key = key[..AesKeyLength].ToArray();
        var output = encrypt
            ? aes.EncryptCfb(padded, iv, PaddingMode.None, 128)
            : aes.DecryptCfb(padded, iv, PaddingMode.None, 128);
        return output.AsSpan(0, input.Length).ToArray();
    }

    private static int Hmac(SnmpAuthProtocol protocol, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) => protocol switch
    {
#pragma warning disable CA5350 // usmHMACSHAAuthProtocol is HMAC-SHA-1 by definition (RFC 3414 §7); HMAC-SHA-1 is not broken as a MAC
        SnmpAuthProtocol.Sha => HMACSHA1.HashData(key, data, destination),
#pragma warning restore CA5350
        SnmpAuthProtocol.Sha256 => HMACSHA256.HashData(key, data, destination),
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), "no authentication protocol"),
    };

    private static HashAlgorithmName HashName(SnmpAuthProtocol protocol) => protocol switch
    {
        SnmpAuthProtocol.Sha => HashAlgorithmName.SHA1,
        SnmpAuthProtocol.Sha256 => HashAlgorithmName.SHA256,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), "no authentication protocol"),
    };
}

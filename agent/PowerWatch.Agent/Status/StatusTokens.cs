using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PowerWatch.Agent.Configuration;

namespace PowerWatch.Agent.Status;

/// <summary>
/// The status API's bearer tokens and their stored form. A token is <c>pwt_</c> and 43 base64url characters: 256 bits
/// from <see cref="RandomNumberGenerator"/>, made only by <c>powerwatch status-token</c>. The configuration holds
/// <c>sha256:&lt;salt-hex&gt;:&lt;hash-hex&gt;</c>, the SHA-256 of a 128-bit random salt followed by the token's
/// UTF-8 bytes. A fast hash is enough because the token is random (2^256 guesses, nothing for a dictionary to find;
/// a slow KDF such as PBKDF2 protects low-entropy passwords and would only cost CPU on every request); the salt keeps
/// one token's hash different at every site. Tokens of any other shape are refused before hashing, so a hand-made
/// weak token cannot be used.
/// </summary>
internal static partial class StatusTokenHash
{
    /// <summary>Every token starts with this (it marks a PowerWatch token in a secret scanner or a shell history).</summary>
    public const string TokenPrefix = "pwt_";

    /// <summary>The scheme name at the start of a hash line.</summary>
    public const string Scheme = "sha256";

    private const int TokenBytes = 32;
    private const int SaltBytes = 16;

    /// <summary>A new random token.</summary>
    public static string NewToken() => TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    /// <summary>The hash line of <paramref name="token"/> with a new random salt.</summary>
    public static string NewHashLine(string token) => HashLine(token, RandomNumberGenerator.GetBytes(SaltBytes));

    /// <summary>The hash line of <paramref name="token"/> with <paramref name="salt"/>.</summary>
    public static string HashLine(string token, ReadOnlySpan<byte> salt) =>
        $"{Scheme}:{Convert.ToHexStringLower(salt)}:{Convert.ToHexStringLower(Digest(salt, token))}";

    /// <summary>Whether <paramref name="presented"/> has the shape of a token this agent makes.</summary>
    public static bool IsWellFormed(string presented) => TokenShape().IsMatch(presented);

    /// <summary>Parses a hash line; <paramref name="problem"/> says what is wrong without repeating the value.</summary>
    public static bool TryParse(string line, out byte[] salt, out byte[] digest, out string problem)
    {
        salt = [];
        digest = [];
        var parts = line.Trim().Split(':');
        if (parts.Length != 3 || !string.Equals(parts[0], Scheme, StringComparison.Ordinal))
        {
            problem = $"is not {Scheme}:<salt-hex>:<hash-hex> (make one with: powerwatch status-token NAME --role ROLE)";
            return false;
        }

        try
        {
            salt = Convert.FromHexString(parts[1]);
            digest = Convert.FromHexString(parts[2]);
        }
        catch (FormatException)
        {
            problem = "salt and hash must be hexadecimal";
            return false;
        }

        if (salt.Length < SaltBytes || digest.Length != SHA256.HashSizeInBytes)
        {
            problem = $"needs a salt of at least {SaltBytes} bytes and a {SHA256.HashSizeInBytes}-byte hash";
            return false;
        }

        problem = "";
        return true;
    }

    /// <summary>SHA-256 of salt followed by the token's UTF-8 bytes.</summary>
    public static byte[] Digest(ReadOnlySpan<byte> salt, string token)
    {
        var input = new byte[salt.Length + Encoding.UTF8.GetByteCount(token)];
        salt.CopyTo(input);
        Encoding.UTF8.GetBytes(token, input.AsSpan(salt.Length));
        return SHA256.HashData(input);
    }

    [GeneratedRegex(@"\Apwt_[A-Za-z0-9_-]{43}\z")]
    private static partial Regex TokenShape();
}

/// <summary>The configured tokens (hashes only), loaded once at start; <see cref="Authenticate"/> checks a presented one.</summary>
internal sealed partial class StatusTokenSet
{
    private readonly Entry[] _tokens;

    private StatusTokenSet(Entry[] tokens)
    {
        _tokens = tokens;
    }

    /// <summary>Whether any token is configured (then reads from other hosts and every write need one).</summary>
    public bool Any => _tokens.Length > 0;

    /// <summary>The tokens of <paramref name="options"/>; throws when they are invalid (validation reports them first).</summary>
    public static StatusTokenSet Load(StatusOptions options)
    {
        var problems = Read(options, $"{AgentOptions.Section}:Status", out var set);
        return problems.Count == 0 ? set : throw new InvalidOperationException(string.Join("; ", problems));
    }

    /// <summary>Reads the tokens (hash files included); every problem names its key and never repeats a hash.</summary>
    public static IReadOnlyList<ConfigProblem> Read(StatusOptions options, string key, out StatusTokenSet set)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<ConfigProblem>();
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Tokens.Count; i++)
        {
            var t = options.Tokens[i];
            var k = $"{key}:Tokens:{i}";
            if (!IsValidName(t.Name))
            {
                problems.Add(new($"{k}:Name", $"'{t.Name}' is not a token name (1-64 letters, digits, '.', '-', '_')"));
            }
            else if (!names.Add(t.Name))
            {
                problems.Add(new($"{k}:Name", $"'{t.Name}' is used by another token"));
            }

            if (!Enum.IsDefined(t.Role))
            {
                problems.Add(new($"{k}:Role", "must be viewer, operator or admin"));
            }

            if (HashOf(t, k, problems) is not { } line)
            {
                continue;
            }

            if (StatusTokenHash.TryParse(line.Text, out var salt, out var digest, out var problem))
            {
                entries.Add(new Entry(t.Name, t.Role, salt, digest));
            }
            else
            {
                problems.Add(new(line.Key, problem));
            }
        }

        set = new StatusTokenSet([.. entries]);
        return problems;
    }

    /// <summary>
    /// The token's name and role, or null when <paramref name="presented"/> matches none. Every configured hash is
    /// computed and compared in constant time (no early exit), so the time taken says nothing about which one matched.
    /// </summary>
    public (string Name, StatusRole Role)? Authenticate(string presented)
    {
        if (!StatusTokenHash.IsWellFormed(presented))
        {
            return null;
        }

        (string, StatusRole)? match = null;
        foreach (var t in _tokens)
        {
            var equal = CryptographicOperations.FixedTimeEquals(StatusTokenHash.Digest(t.Salt, presented), t.Digest);
            if (equal && match is null)
            {
                match = (t.Name, t.Role);
            }
        }

        return match;
    }

    /// <summary>Whether <paramref name="name"/> is usable as a token name (1-64 letters, digits, '.', '-', '_').</summary>
    public static bool IsValidName(string name) => NameShape().IsMatch(name);

    /// <summary>A relative path in <c>$CREDENTIALS_DIRECTORY</c> when set and the file is there, else in the working directory.</summary>
    internal static string ResolvePath(string path)
    {
        if (!Path.IsPathRooted(path) && Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY") is { Length: > 0 } credentials
            && File.Exists(Path.Combine(credentials, path)))
        {
            return Path.Combine(credentials, path);
        }

        return Path.GetFullPath(path);
    }

    private static (string Key, string Text)? HashOf(StatusTokenOptions t, string k, List<ConfigProblem> problems)
    {
        if (t.Hash is not null == t.HashFile is not null)
        {
            problems.Add(new($"{k}:Hash", "set exactly one of Hash and HashFile"));
            return null;
        }

        if (t.Hash is not null)
        {
            return ($"{k}:Hash", t.Hash);
        }

        var path = ResolvePath(t.HashFile!);
        try
        {
            return ($"{k}:HashFile", File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "not found",
                UnauthorizedAccessException => "permission denied",
                _ => e.Message,
            };
            problems.Add(new($"{k}:HashFile", $"'{path}': {why}"));
            return null;
        }
    }

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,64}\z")]
    private static partial Regex NameShape();

    private sealed record Entry(string Name, StatusRole Role, byte[] Salt, byte[] Digest);
}

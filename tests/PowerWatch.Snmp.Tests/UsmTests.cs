using System.Text;

namespace PowerWatch.Snmp.Tests;

/// <summary>The USM's cryptography against RFC 3414's worked example and net-snmp's own authenticated, encrypted packets.</summary>
public sealed class UsmTests
{
    private const string CaptureEngine = "80001F8880470DBD678A34176B00000000";

    [Fact]
    public void Sha1_password_to_key_and_localisation_match_RFC3414_A_3_2()
    {
        // RFC 3414 A.3.2: password "maplesyrup", engine id 00..02 (12 octets).
        var ku = UsmSecurity.PasswordToKey(SnmpAuthProtocol.Sha, "maplesyrup"u8);
        Assert.Equal(Captures.Hex("9f b5 cc 03 81 49 7b 37 93 52 89 39 ff 78 8d 5d 79 14 52 11"), ku);
        var kul = UsmSecurity.LocalizeKey(SnmpAuthProtocol.Sha, ku, Captures.Hex("00 00 00 00 00 00 00 00 00 00 00 02"));
        Assert.Equal(Captures.Hex("66 95 fe bc 92 88 e3 62 82 23 5f c7 15 1f 12 84 97 b3 8f 3f"), kul);
    }

    [Fact]
    public void The_key_algorithm_also_reproduces_RFC3414_A_3_1_with_md5()
    {
        // RFC 3414 A.3.1. MD5 is not offered as an authentication protocol; this checks the algorithm with a second vector.
        var md5 = System.Security.Cryptography.HashAlgorithmName.MD5;
        var ku = UsmSecurity.PasswordToKey(md5, "maplesyrup"u8);
        Assert.Equal(Captures.Hex("9f af 32 83 88 4e 92 83 4e bc 98 47 d8 ed d9 63"), ku);
        Assert.Equal(Captures.Hex("52 6f 5e ed 9f cc e2 6f 89 64 c2 93 07 87 d8 2b"), UsmSecurity.LocalizeKey(md5, ku, Captures.Hex("00 00 00 00 00 00 00 00 00 00 00 02")));
    }

    private static (byte[] Auth, byte[] Priv) Keys(SnmpAuthProtocol protocol, string authPassword = "authpass123", string privPassword = "privpass123")
    {
        var engine = Convert.FromHexString(CaptureEngine);
        return (
            UsmSecurity.LocalizeKey(protocol, UsmSecurity.PasswordToKey(protocol, Encoding.UTF8.GetBytes(authPassword)), engine),
            UsmSecurity.LocalizeKey(protocol, UsmSecurity.PasswordToKey(protocol, Encoding.UTF8.GetBytes(privPassword)), engine));
    }

    [Theory]
    [InlineData("get-v3-authpriv-sha-aes", SnmpAuthProtocol.Sha, "1.3.6.1.2.1.1.1.0")]
    [InlineData("get-v3-authpriv-sha256-aes", SnmpAuthProtocol.Sha256, "1.3.6.1.2.1.1.5.0")]
    public void Net_snmp_authPriv_request_and_response_verify_and_decrypt_with_our_keys(string capture, SnmpAuthProtocol protocol, string oid)
    {
        // RFC 7860 publishes no SHA-256 vectors: net-snmp's own HMAC-SHA-256-192 packets are the independent check.
        var (auth, priv) = Keys(protocol);
        foreach (var (bytes, type) in new[] { (Captures.Sent(capture, 1), SnmpPduType.GetRequest), (Captures.Received(capture, 1), SnmpPduType.Response) })
        {
            var message = SnmpV3Message.Decode(bytes);
            Assert.Equal(SnmpV3Flags.Auth | SnmpV3Flags.Priv, message.Flags & ~SnmpV3Flags.Reportable);
            Assert.Equal(UsmSecurity.AuthParametersLength(protocol), message.Security.AuthenticationParameters.Length);
            Assert.True(UsmSecurity.Verify(protocol, auth, bytes, message.AuthenticationParametersOffset, message.Security.AuthenticationParameters.Span));

            var plain = UsmSecurity.DecryptAes(priv, message.Security.EngineBoots, message.Security.EngineTime, message.Security.PrivacyParameters.Span, message.EncryptedPdu.Span);
            var scoped = SnmpScopedPdu.Decode(plain);
            Assert.Equal(CaptureEngine, Convert.ToHexString(scoped.ContextEngineId.Span));
            Assert.Equal(Oid.Parse(oid), Assert.Single(scoped.Pdu.Variables).Oid);
            Assert.Equal(type, scoped.Pdu.Type);

            // Encrypting the plaintext again with the same IV gives net-snmp's ciphertext.
            Assert.Equal(message.EncryptedPdu.ToArray(), UsmSecurity.EncryptAes(priv, message.Security.EngineBoots, message.Security.EngineTime, message.Security.PrivacyParameters.Span, plain));
        }
    }

    [Fact]
    public void Signing_our_reencoding_of_a_net_snmp_request_reproduces_its_hmac()
    {
        var (auth, _) = Keys(SnmpAuthProtocol.Sha);
        var bytes = Captures.Sent("get-v3-authpriv-sha-aes", 1);
        var message = SnmpV3Message.Decode(bytes);
        var copy = (byte[])bytes.Clone();
        copy.AsSpan(message.AuthenticationParametersOffset, 12).Clear();
        UsmSecurity.Sign(SnmpAuthProtocol.Sha, auth, copy, message.AuthenticationParametersOffset);
        Assert.Equal(bytes, copy);
    }

    [Fact]
    public void A_wrong_password_does_not_verify_and_a_flipped_byte_does_not_either()
    {
        var bytes = Captures.Sent("get-v3-authpriv-sha-aes", 1);
        var message = SnmpV3Message.Decode(bytes);
        var (wrong, _) = Keys(SnmpAuthProtocol.Sha, "wrongpass123");
        Assert.False(UsmSecurity.Verify(SnmpAuthProtocol.Sha, wrong, bytes, message.AuthenticationParametersOffset, message.Security.AuthenticationParameters.Span));

        var (right, _) = Keys(SnmpAuthProtocol.Sha);
        var tampered = (byte[])bytes.Clone();
        tampered[^1] ^= 1;
        Assert.False(UsmSecurity.Verify(SnmpAuthProtocol.Sha, right, tampered, message.AuthenticationParametersOffset, message.Security.AuthenticationParameters.Span));

        // The request snmpget sent with the wrong password verifies only with the key of that wrong password.
        var wrongSent = Captures.Sent("get-v3-wrong-password", 1);
        var wrongMessage = SnmpV3Message.Decode(wrongSent);
        Assert.True(UsmSecurity.Verify(SnmpAuthProtocol.Sha, wrong, wrongSent, wrongMessage.AuthenticationParametersOffset, wrongMessage.Security.AuthenticationParameters.Span));
        Assert.False(UsmSecurity.Verify(SnmpAuthProtocol.Sha, right, wrongSent, wrongMessage.AuthenticationParametersOffset, wrongMessage.Security.AuthenticationParameters.Span));
    }

    [Fact]
    public void Aes_cfb_handles_lengths_that_are_not_whole_blocks()
    {
        var key = new byte[16];
        var salt = new byte[8];
        for (var length = 0; length < 40; length++)
        {
            var plain = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
            var cipher = UsmSecurity.EncryptAes(key, 3, 1000, salt, plain);
            Assert.Equal(length, cipher.Length);
            Assert.Equal(plain, UsmSecurity.DecryptAes(key, 3, 1000, salt, cipher));
        }
    }

    [Fact]
    public void Session_protects_a_request_that_the_reverse_checks_accept()
    {
        var options = new SnmpClientOptions
        {
            Version = SnmpVersion.V3, User = "pwuser", AuthProtocol = SnmpAuthProtocol.Sha256, AuthPassword = "authpass123",
            PrivProtocol = SnmpPrivProtocol.Aes, PrivPassword = "privpass123",
        };
        var session = new UsmSession(options);
        session.SetEngine(Convert.FromHexString(CaptureEngine), 1, 21);
        var bytes = session.Encode(42, new SnmpPdu(SnmpPduType.GetRequest, 42, [SnmpVariable.Request(Oid.Parse("1.3.6.1.2.1.1.1.0"))]));
        var message = SnmpV3Message.Decode(bytes);
        Assert.Equal(SnmpV3Flags.Auth | SnmpV3Flags.Priv | SnmpV3Flags.Reportable, message.Flags);
        Assert.Equal("pwuser", Encoding.UTF8.GetString(message.Security.UserName.Span));
        var (auth, priv) = Keys(SnmpAuthProtocol.Sha256);
        Assert.True(UsmSecurity.Verify(SnmpAuthProtocol.Sha256, auth, bytes, message.AuthenticationParametersOffset, message.Security.AuthenticationParameters.Span));
        var scoped = SnmpScopedPdu.Decode(UsmSecurity.DecryptAes(priv, message.Security.EngineBoots, message.Security.EngineTime, message.Security.PrivacyParameters.Span, message.EncryptedPdu.Span));
        Assert.Equal(42, scoped.Pdu.RequestId);

        // A second request uses a new salt (RFC 3826 §3.1.2.1).
        var second = SnmpV3Message.Decode(session.Encode(43, new SnmpPdu(SnmpPduType.GetRequest, 43, [SnmpVariable.Request(Oid.Parse("1.3.6.1.2.1.1.1.0"))])));
        Assert.NotEqual(message.Security.PrivacyParameters.ToArray(), second.Security.PrivacyParameters.ToArray());

        // The session opens what it sealed, as if the agent had sent it.
        var opened = session.Open(bytes);
        Assert.Null(opened.Rejected);
        Assert.Equal(42, opened.Scoped!.Pdu.RequestId);
    }

    [Fact]
    public void Options_and_clients_never_print_passwords_or_the_community()
    {
        var options = new SnmpClientOptions
        {
            Version = SnmpVersion.V3, User = "pwuser", AuthProtocol = SnmpAuthProtocol.Sha, AuthPassword = "S3cretAuthPass",
            PrivProtocol = SnmpPrivProtocol.Aes, PrivPassword = "S3cretPrivPass", Community = "S3cretCommunity",
        };
        var text = options.ToString() + new SnmpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 161), options);
        Assert.DoesNotContain("S3cret", text, StringComparison.Ordinal);
        Assert.Contains("pwuser", text, StringComparison.Ordinal);

        var bad = new SnmpClientOptions { Version = SnmpVersion.V3, User = "u", AuthProtocol = SnmpAuthProtocol.Sha, AuthPassword = "S3cret" };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Equal("AuthPassword", e.ParamName);
        Assert.DoesNotContain("S3cret", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(SnmpClientOptions.Timeout))]
    [InlineData(nameof(SnmpClientOptions.Retries))]
    [InlineData(nameof(SnmpClientOptions.MaxRepetitions))]
    [InlineData(nameof(SnmpClientOptions.User))]
    [InlineData(nameof(SnmpClientOptions.PrivProtocol))]
    [InlineData(nameof(SnmpClientOptions.PrivPassword))]
    public void Invalid_options_name_the_key_at_fault(string key)
    {
        var options = new SnmpClientOptions { Version = SnmpVersion.V3, User = "u", AuthProtocol = SnmpAuthProtocol.Sha, AuthPassword = "authpass123" };
        switch (key)
        {
            case nameof(SnmpClientOptions.Timeout): options.Timeout = TimeSpan.Zero; break;
            case nameof(SnmpClientOptions.Retries): options.Retries = -1; break;
            case nameof(SnmpClientOptions.MaxRepetitions): options.MaxRepetitions = 0; break;
            case nameof(SnmpClientOptions.User): options.User = ""; break;
            case nameof(SnmpClientOptions.PrivProtocol): options.AuthProtocol = SnmpAuthProtocol.None; options.PrivProtocol = SnmpPrivProtocol.Aes; options.PrivPassword = "privpass123"; break;
            default: options.PrivProtocol = SnmpPrivProtocol.Aes; options.PrivPassword = "short"; break;
        }

        Assert.Equal(key, Assert.Throws<ArgumentException>(options.Validate).ParamName);
    }
}

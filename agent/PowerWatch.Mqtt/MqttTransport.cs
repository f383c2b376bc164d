using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt;

/// <summary>
/// Opening a connection to the server: the TCP socket, the optional TLS handshake (own CA, client certificate,
/// server-name check), the CONNECT packet and the CONNACK that answers it.
/// </summary>
internal static class MqttTransport
{
    /// <summary>
    /// Opens the stream, sends <paramref name="connect"/> and checks the CONNACK; the connection's loops are not started.
    /// On failure everything opened is closed again.
    /// </summary>
    public static async Task<(MqttConnection Connection, MqttConnectResult Result)> HandshakeAsync(MqttClientOptions options, ConnectPacket connect, CancellationToken cancellationToken)
    {
        Stream? stream = null;
        MqttConnection? connection = null;
        try
        {
            stream = await OpenStreamAsync(options, cancellationToken);
            var version = options.ProtocolVersion;
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
            connection = new MqttConnection(stream, reader, new MqttPacketDecoder(version, options.MaximumPacketSize), version, options.TimeProvider);
            await connection.WriteDirectAsync([connect], cancellationToken);
            var connAck = await ReadConnAckAsync(connection, cancellationToken);
            return (connection, CheckConnAck(options, connAck, options.Host, options.EffectivePort));
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
            else if (stream is not null)
            {
                await stream.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// The <see cref="MqttConnectException"/> that explains why connecting failed with <paramref name="e"/>; null when
    /// <paramref name="e"/> is to be thrown as it is (cancellation by the caller, or an unexpected failure).
    /// </summary>
    public static MqttConnectException? DescribeConnectFailure(MqttClientOptions options, Exception e, bool timedOut)
    {
        var host = options.Host;
        var port = options.EffectivePort;
        return e switch
        {
            OperationCanceledException when timedOut
                => new MqttConnectException($"connecting to {host}:{port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s", e),
            OperationCanceledException => null,
            AuthenticationException => new MqttConnectException($"TLS handshake with {host}:{port} failed: {e.Message}", e),
            SocketException s => new MqttConnectException($"cannot connect to {host}:{port}: {s.SocketErrorCode} ({s.Message})", e),
            MqttProtocolException => new MqttConnectException($"protocol error while connecting to {host}:{port}: {e.Message}", e),
            IOException or ObjectDisposedException => new MqttConnectException($"connection to {host}:{port} failed during CONNECT: {e.Message}", e),
            CryptographicException => new MqttConnectException($"TLS certificate files for {host}:{port} could not be loaded: {e.Message}", e),
            _ => null,
        };
    }

    /// <summary>Opens the TCP connection (and TLS when configured) to <see cref="MqttClientOptions.Host"/>.</summary>
    private static async Task<Stream> OpenStreamAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        var host = options.Host;
        var port = options.EffectivePort;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (options.IsTls)
        {
            try
            {
                stream = await AuthenticateTlsAsync(options, stream, host, port, cancellationToken);
            }
            catch
            {
                await stream.DisposeAsync();
                throw;
            }
        }

        return stream;
    }

    /// <summary>The CONNECT packet; <paramref name="clientId"/> and <paramref name="cleanStart"/> depend on the session so far.</summary>
    public static ConnectPacket BuildConnect(MqttClientOptions options, string clientId, bool cleanStart)
    {
        var v5 = options.ProtocolVersion == MqttProtocolVersion.V500;

        var connect = new ConnectPacket
        {
            ProtocolVersion = options.ProtocolVersion,
            CleanStart = cleanStart,
            KeepAliveSeconds = (ushort)options.KeepAlive.TotalSeconds,
            ClientId = clientId,
            UserName = options.UserName,
            Password = options.Password is null ? null : Encoding.UTF8.GetBytes(options.Password),
        };
        if (v5)
        {
            connect.Properties = new MqttProperties
            {
                SessionExpiryInterval = options.SessionExpiry > TimeSpan.Zero ? MqttPacketMapping.ToSeconds(options.SessionExpiry) : null,
                ReceiveMaximum = options.ReceiveMaximum == 65_535 ? null : (ushort)options.ReceiveMaximum,
                MaximumPacketSize = (uint)options.MaximumPacketSize,
            };
        }

        if (options.Will is { } will)
        {
            connect.WillTopic = will.Message.Topic;
            connect.WillPayload = will.Message.Payload.ToArray();
            connect.WillQoS = will.Message.QualityOfService;
            connect.WillRetain = will.Message.Retain;
            if (v5)
            {
                var props = MqttPacketMapping.ToProperties(will.Message) ?? new MqttProperties();
                props.WillDelayInterval = will.Delay is { } d ? MqttPacketMapping.ToSeconds(d) : null;
                connect.WillProperties = props;
            }
        }

        return connect;
    }

    private static async Task<ConnAckPacket> ReadConnAckAsync(MqttConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await connection.Reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (connection.Decoder.TryDecode(ref buffer, out var packet))
            {
                // Only the CONNACK is consumed and examined: bytes after it belong to the read loop.
                connection.Reader.AdvanceTo(buffer.Start);
                return packet as ConnAckPacket
                    ?? throw new MqttProtocolException(MqttProtocolError.UnexpectedPacket, $"expected CONNACK, got {packet.Type}");
            }

            connection.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException(buffer.Length == 0 ? "the server closed the connection before CONNACK" : "the server closed the connection in the middle of CONNACK");
            }
        }
    }

    /// <summary>The connect result, or <see cref="MqttConnectException"/> when the server refused or announced something unusable.</summary>
    private static MqttConnectResult CheckConnAck(MqttClientOptions options, ConnAckPacket ack, string host, int port)
    {
        var v5 = options.ProtocolVersion == MqttProtocolVersion.V500;
        if (ack.ReasonCode != 0)
        {
            if (v5)
            {
                var code = (MqttReasonCode)ack.ReasonCode;
                var reason = ack.Properties?.ReasonString is { } rs ? $" - {rs}" : "";
                throw new MqttConnectException($"{host}:{port} refused the connection: {MqttReasonCodes.Describe(code)}{reason}", null, code);
            }

            throw new MqttConnectException($"{host}:{port} refused the connection: {MqttReasonCodes.DescribeV311ConnectReturnCode(ack.ReasonCode)}", ack.ReasonCode, null);
        }

        var p = ack.Properties;
        if (p?.MaximumPacketSize is { } serverMax && serverMax < 64)
        {
            throw new MqttConnectException($"{host}:{port} announced an unusable Maximum Packet Size {serverMax}");
        }

        return new MqttConnectResult
        {
            SessionPresent = ack.SessionPresent,
            ClientId = p?.AssignedClientIdentifier ?? options.ClientId,
            KeepAlive = p?.ServerKeepAlive is { } ka ? TimeSpan.FromSeconds(ka) : options.KeepAlive,
            ServerReceiveMaximum = p?.ReceiveMaximum ?? 65_535,
            MaximumQualityOfService = p?.MaximumQoS is { } q ? (MqttQualityOfService)q : MqttQualityOfService.ExactlyOnce,
            RetainAvailable = p?.RetainAvailable is not 0,
            ServerMaximumPacketSize = p?.MaximumPacketSize,
            TopicAliasMaximum = p?.TopicAliasMaximum ?? 0,
            ReasonString = p?.ReasonString,
            UserProperties = p?.UserProperties ?? (IReadOnlyList<MqttUserProperty>)[],
        };
    }

    private static async Task<Stream> AuthenticateTlsAsync(MqttClientOptions options, Stream inner, string host, int port, CancellationToken cancellationToken)
    {
        var tls = options.Tls!;
        X509Certificate2Collection? roots = null;
        if (tls.CaFile is not null)
        {
            roots = [];
            roots.ImportFromPemFile(tls.CaFile);
        }

        var clientCertificates = new X509CertificateCollection();
        if (tls.ClientPfxFile is not null)
        {
            clientCertificates.Add(X509CertificateLoader.LoadPkcs12FromFile(tls.ClientPfxFile, tls.ClientPfxPassword));
        }
        else if (tls.ClientCertificateFile is not null)
        {
            using var pem = X509Certificate2.CreateFromPemFile(tls.ClientCertificateFile, tls.ClientKeyFile);
            clientCertificates.Add(X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null));
        }

        string? rejection = null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, certificate, _, errors) =>
        {
            if (tls.AllowUntrustedCertificates)
            {
                return true;
            }

            if (certificate is null)
            {
                rejection = "the server sent no certificate";
                return false;
            }

            if (tls.CheckServerName && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                rejection = $"the server certificate does not match the name '{tls.ServerName ?? host}'";
                return false;
            }

            if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None)
            {
                return true;
            }

            if (roots is null)
            {
                rejection = $"the server certificate is not trusted ({errors})";
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            if (chain.Build(leaf))
            {
                return true;
            }

            rejection = "the server certificate was not issued by the configured CA (" +
                string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())) + ")";
            return false;
        });
        try
        {
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = tls.ServerName ?? host,
                    ClientCertificates = clientCertificates,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                },
                cancellationToken);
            return ssl;
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync();
            throw new MqttConnectException($"TLS handshake with {host}:{port} failed: {rejection ?? e.Message}", e);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }
}

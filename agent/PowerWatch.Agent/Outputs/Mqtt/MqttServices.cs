using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PowerWatch.Agent.Configuration;
using PowerWatch.Mqtt;
using PowerWatch.Outbox;

namespace PowerWatch.Agent.Outputs.Mqtt;

/// <summary>Registration of the MQTT output.</summary>
internal static class MqttServices
{
    /// <summary>
    /// Registers the <see cref="MqttOutput"/> (outbox + sender) for <paramref name="options"/> as the
    /// <see cref="IAlertPublisher"/> and <see cref="IEventPublisher"/>, started and stopped with the host.
    /// </summary>
    public static IServiceCollection AddMqttOutput(this IServiceCollection services, AgentOptions options)
    {
        services.AddSingleton(CreateSettings(options));
        services.AddSingleton<MqttOutput>();
        services.AddSingleton<IAlertPublisher>(sp => sp.GetRequiredService<MqttOutput>());
        services.AddSingleton<IEventPublisher>(sp => sp.GetRequiredService<MqttOutput>());
        services.AddHostedService<MqttOutputHostedService>();
        return services;
    }

    /// <summary>Resolves <see cref="MqttOptions"/> against the agent options (ids, outbox path).</summary>
    public static MqttOutputSettings CreateSettings(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var m = options.Mqtt;
        var clientId = string.IsNullOrEmpty(m.ClientId) ? $"powerwatch-{options.Site}-{options.Agent}" : m.ClientId;
        var outboxDirectory = Path.IsPathRooted(m.Outbox.Directory)
            ? m.Outbox.Directory
            : Path.Combine(Path.GetFullPath(options.DataDirectory), m.Outbox.Directory);
        return new MqttOutputSettings
        {
            Topics = new MqttTopics(m.TopicPrefix, options.Site, options.Agent),
            Client = ToClientOptions(m, clientId),
            Outbox = new OutboxOptions
            {
                Directory = outboxDirectory,
                MaxBytes = m.Outbox.MaxBytes,
                SegmentBytes = Math.Min(new OutboxOptions().SegmentBytes, Math.Max(OutboxOptions.MinSegmentBytes, m.Outbox.MaxBytes / 4)),
                FsyncMode = Enum.Parse<FsyncMode>(m.Outbox.FsyncMode, ignoreCase: true),
            },
            TelemetryQos = (MqttQualityOfService)m.Qos,
            ReconnectMinDelay = m.ReconnectMinDelay,
            ReconnectMaxDelay = m.ReconnectMaxDelay,
            RefusedRetryDelay = m.RefusedRetryDelay,
            Delivery = ParseDelivery(m.Delivery) ?? MqttDelivery.Stored,
            StoredTimeout = m.StoredTimeout,
            MaxUnconfirmed = m.MaxUnconfirmed,
        };
    }

    /// <summary><c>broker</c> or <c>stored</c> (any case); null for anything else.</summary>
    public static MqttDelivery? ParseDelivery(string? value) =>
        string.Equals(value, "broker", StringComparison.OrdinalIgnoreCase) ? MqttDelivery.Broker
        : string.Equals(value, "stored", StringComparison.OrdinalIgnoreCase) ? MqttDelivery.Stored
        : null;

    /// <summary>Maps the configuration to client options (shared by the agent output and <c>powerwatch ingest</c>).</summary>
    public static MqttClientOptions ToClientOptions(MqttOptions m, string clientId)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new MqttClientOptions
        {
            Host = m.Host,
            Port = m.Port,
            ProtocolVersion = m.ProtocolVersion is "3.1.1" or "3" or "4" or "V311" ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500,
            ClientId = clientId,
            KeepAlive = m.KeepAlive,
            UserName = m.Username,
            Password = m.Password,
            MaxInFlight = m.MaxInFlight,
            ReconnectMinDelay = m.ReconnectMinDelay,
            ReconnectMaxDelay = m.ReconnectMaxDelay,
            Tls = m.Tls is null ? null : new MqttTlsOptions
            {
                CaFile = m.Tls.CaFile,
                ClientCertificateFile = m.Tls.ClientCertificate,
                ClientKeyFile = m.Tls.ClientKey,
                ServerName = m.Tls.ServerName,
                AllowUntrustedCertificates = m.Tls.AllowUntrusted,
            },
        };
    }

    /// <summary>Problems in <c>PowerWatch:Mqtt</c>, each naming its key (empty when disabled and untouched).</summary>
    public static IEnumerable<(string Key, string Reason)> Validate(MqttOptions m, string section)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (!m.Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(m.Host))
        {
            yield return ($"{section}:Host", "is required when MQTT is enabled");
        }

        if (m.Port is < 0 or > 65535)
        {
            yield return ($"{section}:Port", "must be 0..65535 (0 = 1883, or 8883 with TLS)");
        }

        if (m.ProtocolVersion is not ("3.1.1" or "3" or "4" or "V311" or "5" or "5.0" or "V500"))
        {
            yield return ($"{section}:ProtocolVersion", $"'{m.ProtocolVersion}' is not 3.1.1 or 5");
        }

        if (m.Qos is not (0 or 1))
        {
            yield return ($"{section}:Qos", "must be 0 or 1 (QoS 2 is not supported)");
        }

        if (string.IsNullOrWhiteSpace(m.TopicPrefix) || m.TopicPrefix.AsSpan().IndexOfAny("+#") >= 0 || m.TopicPrefix.EndsWith('/'))
        {
            yield return ($"{section}:TopicPrefix", "must be a non-empty topic level path without wildcards or a trailing '/'");
        }

        if (m.KeepAlive < TimeSpan.Zero)
        {
            yield return ($"{section}:KeepAlive", "must not be negative");
        }

        if (m.MaxInFlight < 1)
        {
            yield return ($"{section}:MaxInFlight", "must be at least 1");
        }

        if (ParseDelivery(m.Delivery) is null)
        {
            yield return ($"{section}:Delivery", $"'{m.Delivery}' is not broker or stored");
        }

        if (m.StoredTimeout <= TimeSpan.Zero)
        {
            yield return ($"{section}:StoredTimeout", "must be positive");
        }

        if (m.MaxUnconfirmed < 1)
        {
            yield return ($"{section}:MaxUnconfirmed", "must be at least 1");
        }

        if (string.IsNullOrWhiteSpace(m.Outbox.Directory))
        {
            yield return ($"{section}:Outbox:Directory", "is required");
        }

        if (m.Outbox.MaxBytes < 2 * OutboxOptions.MinSegmentBytes)
        {
            yield return ($"{section}:Outbox:MaxBytes", $"must be at least {2 * OutboxOptions.MinSegmentBytes}");
        }

        if (!Enum.TryParse<FsyncMode>(m.Outbox.FsyncMode, ignoreCase: true, out _))
        {
            yield return ($"{section}:Outbox:FsyncMode", "must be Always, Batched or None");
        }
    }
}

internal sealed class MqttOutputHostedService(MqttOutput output) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => output.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await output.StopAsync(cancellationToken);
        await output.DisposeAsync();
    }
}

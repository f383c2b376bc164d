using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Status;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Agent.Hosting;

/// <summary>
/// The agent's composition root: configuration → validation → profiles → services (<see cref="AgentServices"/>, one
/// <c>Add…</c> per area) → status API on Kestrel (loopback by default). <c>powerwatch run</c> and the demo both start here.
/// </summary>
internal static class AgentHost
{
    /// <summary>Loads, validates and runs the agent until cancelled; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string configPath, IEnumerable<KeyValuePair<string, string?>> overrides, CancellationToken cancellationToken, Action<IServiceCollection>? configure = null)
    {
        var name = Path.GetFileName(configPath);
        if (ConfigFile.Load(configPath, environment: true, overrides, out var configuration) is { } fileProblem)
        {
            await Console.Error.WriteLineAsync($"{name}: {fileProblem.ToString(null)}");
            return 2;
        }

        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                await Console.Error.WriteLineAsync($"{name}: {p.ToString(options)}");
            }

            return 2;
        }

        var (profiles, profileProblems, deviceProblems) = await AgentServices.LoadProfilesForAsync(options, cancellationToken);
        if (profileProblems.Count > 0 || deviceProblems.Count > 0)
        {
            foreach (var p in profileProblems)
            {
                await Console.Error.WriteLineAsync(p.ToString());
            }

            foreach (var p in deviceProblems)
            {
                await Console.Error.WriteLineAsync($"{name}: {p.ToString(options)}");
            }

            return 2;
        }

        if (options.Status.Enabled && StatusAddressInUse(options.Status.Url) is { } inUse)
        {
            await Console.Error.WriteLineAsync(inUse);
            return 2;
        }

        await using var app = Build(configuration, options, profiles, configure);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            // Taken between the probe and Kestrel's bind.
            await Console.Error.WriteLineAsync(InUseMessage(options.Status.Url));
            return 2;
        }

        await Console.Out.WriteLineAsync(Started(options, app.Urls));
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>What <c>run</c> started, one line each: devices, status page, MQTT target, data directory.</summary>
    internal static string Started(AgentOptions options, ICollection<string> urls)
    {
        var devices = options.Devices.Select(d => $"{d.Id} ({d.Kind}, {d.Endpoint})");
        var status = options.Status.Enabled ? $"{(urls.FirstOrDefault() ?? options.Status.Url).TrimEnd('/')}/" : "off (Status:Enabled is false)";
        var mqtt = options.Mqtt.Enabled ? $"{options.Mqtt.Host}:{options.Mqtt.Port} (topics {options.Mqtt.TopicPrefix}/{options.Site}/...)" : "off (Mqtt:Enabled is false)";
        return string.Join(Environment.NewLine,
            $"powerwatch: polling {options.Devices.Count} device(s): {string.Join(", ", devices)}",
            $"powerwatch: status page {status}",
            $"powerwatch: MQTT {mqtt}",
            $"powerwatch: data directory {Path.GetFullPath(options.DataDirectory)}");
    }

    /// <summary>
    /// The one line saying the status address is taken, or null when it is free (or port 0, or a host name this
    /// probe does not resolve: Kestrel's own bind then decides).
    /// </summary>
    public static string? StatusAddressInUse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port <= 0)
        {
            return null;
        }

        var address = uri.Host switch
        {
            "localhost" => System.Net.IPAddress.Loopback,
            "*" or "+" or "0.0.0.0" => System.Net.IPAddress.Any,
            _ => System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip : null,
        };
        if (address is null)
        {
            return null;
        }

        var probe = new System.Net.Sockets.TcpListener(address, uri.Port);
        try
        {
            probe.Start();
            return null;
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            return InUseMessage(url);
        }
        finally
        {
            probe.Stop();
        }
    }

    public static string InUseMessage(string url)
    {
        var where = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Host}:{uri.Port}" : url;
        return $"status page: {where} is already in use (another PowerWatch?); choose another with --status-url or Status:Url";
    }

    public static WebApplication Build(IConfiguration configuration, AgentOptions options, IReadOnlyDictionary<string, DeviceProfile> profiles, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddOperatorConsole();
        builder.Logging.AddFilter("Microsoft.AspNetCore", Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.WebHost.UseUrls(options.Status.Enabled ? options.Status.Url : "http://127.0.0.1:0");
        builder.UseStatusHttps(options.Status);
        builder.Services.AddPowerWatchAgent(options, profiles);
        builder.Services.AddSingleton(StatusTokenSet.Load(options.Status.Enabled ? options.Status : new StatusOptions()));
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        if (options.Status.Enabled)
        {
            app.UsePowerWatchStatusAccess();
            app.MapPowerWatchStatus();
        }

        return app;
    }
}

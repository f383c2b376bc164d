using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;

namespace PowerWatch.Agent.Tests.Status;

/// <summary>
/// The real agent host (AgentHost.Build: polling, alerts, MQTT output, status API) in this process, its status API
/// on 127.0.0.1 port 0; <see cref="Http"/> talks to it. Configuration is the flat key list the JSON file would give.
/// </summary>
public sealed class InProcessAgent : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessAgent(WebApplication app, Uri url)
    {
        _app = app;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(20) };
    }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static Task<InProcessAgent> StartAsync(IDictionary<string, string?> settings) => StartAsync(null, settings);

    /// <summary>
    /// Starts from a configuration JSON document (as a config file holds it) with <paramref name="settings"/> on top
    /// (the status URL is http://127.0.0.1:0 unless they set one); <paramref name="configure"/> may replace services.
    /// </summary>
    public static async Task<InProcessAgent> StartAsync(string? json, IDictionary<string, string?> settings, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configure = null)
    {
        var all = new Dictionary<string, string?>(settings);
        all.TryAdd("PowerWatch:Status:Url", "http://127.0.0.1:0");
        var builder = new ConfigurationBuilder();
        if (json is not null)
        {
            builder.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        }

        var configuration = builder.AddInMemoryCollection(all).Build();
        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var (profiles, _) = await AgentServices.LoadProfilesAsync(Path.Combine(AppContext.BaseDirectory, "profiles"), CancellationToken.None);
        var app = AgentHost.Build(configuration, options, profiles, configure);
        await app.StartAsync();
        var url = app.Urls.Single();
        return new InProcessAgent(app, new Uri(url.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

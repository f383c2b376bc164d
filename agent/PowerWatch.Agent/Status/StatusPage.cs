namespace PowerWatch.Agent.Status;

/// <summary>
/// The self-contained status page (no external assets): <c>Status/status-page.html</c>, embedded in the assembly.
/// Its script polls <c>/api/overview</c>, <c>/api/readings</c>, <c>/api/failover</c> and <c>/api/alerts</c> every two
/// seconds and <c>/api/trends</c> every ten; the countdown ticks every second in the browser between refreshes.
/// </summary>
internal static class StatusPage
{
    private const string ResourceName = "PowerWatch.Agent.Status.status-page.html";

    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} missing from the agent assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

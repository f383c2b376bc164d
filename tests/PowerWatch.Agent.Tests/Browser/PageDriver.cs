using System.Text.Json;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Browser;

/// <summary>
/// Runs tests/browser/status-page.mjs (playwright-core driving Debian's headless Chromium, installed by
/// tests/peers/install.sh) against a status page and returns its JSON report. Screenshots go to
/// artifacts/screenshots (the CI artifact folder).
/// </summary>
internal static class PageDriver
{
    /// <summary>The peers a page test needs (for <see cref="PeerFactAttribute"/>).</summary>
    public const string Chromium = "chromium";

    public const string Node = "node";

    public const string Playwright = "npm:playwright-core";

    public static string ScreenshotDirectory =>
        Path.Combine(Peers.BrowserDirectory() ?? throw new InvalidOperationException("PowerWatch.sln not found above " + AppContext.BaseDirectory), "..", "..", "artifacts", "screenshots");

    public static async Task<JsonElement> RunAsync(string mode, Uri page, IDictionary<string, string>? environment = null)
    {
        var node = Peers.Require(Node);
        Peers.Require(Chromium);
        Peers.Require(Playwright);
        var dir = Peers.BrowserDirectory()!;
        var shots = Path.GetFullPath(ScreenshotDirectory);
        var (exit, output) = await PeerProcess.RunAsync(node, [Path.Combine(dir, "status-page.mjs"), mode, page.ToString(), shots], TimeSpan.FromMinutes(3), workingDirectory: dir, environment);
        Assert.True(exit == 0, $"status-page.mjs {mode} exited {exit}:\n{output}");
        var json = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(json is not null, "no JSON report from status-page.mjs:\n" + output);
        using var doc = JsonDocument.Parse(json);
        var report = doc.RootElement.Clone();
        var console = report.GetProperty("console").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.True(console.Count == 0, "the page logged errors:\n" + string.Join("\n", console));
        return report;
    }
}

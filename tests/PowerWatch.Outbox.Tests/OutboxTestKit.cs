using PowerWatch.TestSupport;

namespace PowerWatch.Outbox.Tests;

internal static class OutboxTestKit
{
    public static OutboxOptions Options(TempDir dir, TimeProvider? time = null, long segmentBytes = 64 * 1024, long maxBytes = 16L << 20, FsyncMode fsync = FsyncMode.None) =>
        new()
        {
            Directory = dir.File("outbox"),
            SegmentBytes = segmentBytes,
            MaxBytes = maxBytes,
            FsyncMode = fsync,
            TimeProvider = time ?? TimeProvider.System,
        };

    public static byte[] Payload(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    public static string Text(OutboxEntry entry) => System.Text.Encoding.UTF8.GetString(entry.Payload.Span);

    /// <summary>Reads everything currently pending after the read cursor.</summary>
    public static async Task<List<OutboxEntry>> DrainAsync(DurableOutbox outbox)
    {
        var all = new List<OutboxEntry>();
        while (true)
        {
            var batch = await outbox.ReadPendingAsync(500);
            if (batch.Count == 0)
            {
                return all;
            }

            all.AddRange(batch);
        }
    }

    public static string[] SegmentFiles(OutboxOptions options) =>
        Directory.GetFiles(options.Directory, "*.seg").Order(StringComparer.Ordinal).ToArray();
}

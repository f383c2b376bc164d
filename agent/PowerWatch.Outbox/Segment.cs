using Microsoft.Win32.SafeHandles;

namespace PowerWatch.Outbox;

/// <summary>Location of one record inside its segment; <see cref="Length"/> 0 marks a sequence lost to damage.</summary>
internal readonly record struct EntryInfo(int Offset, int Length, long TimestampTicks)
{
    public bool Missing => Length == 0;
}

/// <summary>In-memory index of one segment file. Guarded by the outbox's state lock.</summary>
internal sealed class Segment : IDisposable
{
    public Segment(string path, long firstSequence, SafeFileHandle handle, long length, List<EntryInfo> entries)
    {
        Path = path;
        FirstSequence = firstSequence;
        Handle = handle;
        Length = length;
        Entries = entries;
    }

    public string Path { get; }

    public long FirstSequence { get; }

    public SafeFileHandle Handle { get; }

    /// <summary>Committed length in bytes (header and complete records).</summary>
    public long Length { get; set; }

    /// <summary>Index = sequence − <see cref="FirstSequence"/>.</summary>
    public List<EntryInfo> Entries { get; }

    /// <summary>Entries acknowledged, dropped or lost.</summary>
    public int RetiredCount { get; set; }

    /// <summary>Sequence after the last entry.</summary>
    public long EndSequence => FirstSequence + Entries.Count;

    public bool FullyRetired => RetiredCount == Entries.Count;

    public bool Contains(long sequence) => sequence >= FirstSequence && sequence < EndSequence;

    public void Dispose() => Handle.Dispose();
}

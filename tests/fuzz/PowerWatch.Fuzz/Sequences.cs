using System.Buffers;

namespace PowerWatch.Fuzz;

/// <summary>Input helpers shared by the targets.</summary>
internal static class Sequences
{
    /// <summary>
    /// The input as a two-segment sequence split where its first byte says (a socket delivers a frame in pieces),
    /// so framers see segment boundaries anywhere.
    /// </summary>
    public static ReadOnlySequence<byte> Split(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        if (bytes.Length < 2)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var at = 1 + bytes[0] % (bytes.Length - 1);
        var first = new Segment(bytes.AsMemory(0, at), 0);
        var last = first.Append(bytes.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Runs <paramref name="step"/> until it returns false; a true without consuming anything is a hang.</summary>
    public static void Drain(ref ReadOnlySequence<byte> buffer, string what, DecodeStep step)
    {
        while (!buffer.IsEmpty)
        {
            var before = buffer.Length;
            if (!step(ref buffer))
            {
                return;
            }

            if (buffer.Length >= before)
            {
                throw new FuzzPropertyException($"{what} reported a frame without consuming input ({before} bytes left)");
            }
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

/// <summary>One decode step over a buffer: true when a frame (or a bad frame) was taken off the front.</summary>
internal delegate bool DecodeStep(ref ReadOnlySequence<byte> buffer);

using SharpFuzz;

namespace PowerWatch.Fuzz;

/// <summary>
/// <c>PowerWatch.Fuzz TARGET</c>: the AFL++ persistent-mode loop for one target (tests/fuzz/run.sh starts it under
/// afl-fuzz). <c>PowerWatch.Fuzz TARGET FILE…</c>: checks each file once and prints the outcome (reproducing a
/// finding; run the uninstrumented build for this, tests/fuzz/PowerWatch.Fuzz/bin/Release/net10.0). <c>PowerWatch.Fuzz --list</c>: the targets.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "--list" or "-h" or "--help")
        {
            foreach (var t in FuzzTargets.All)
            {
                Console.WriteLine($"{t.Name,-14} {t.Parser}");
            }

            return args.Length == 0 ? 2 : 0;
        }

        var target = FuzzTargets.Find(args[0]);
        if (target is null)
        {
            Console.Error.WriteLine($"unknown target '{args[0]}' (--list shows them)");
            return 2;
        }

        if (args.Length > 1)
        {
            target.Warm();
            var failed = 0;
            foreach (var file in args.Skip(1))
            {
                try
                {
                    target.Check(File.ReadAllBytes(file));
                    Console.WriteLine($"ok    {file}");
                }
                catch (Exception e)
                {
                    failed++;
                    Console.WriteLine($"FAIL  {file}: {e}");
                }
            }

            return failed == 0 ? 0 : 1;
        }

        // Instrumented code may run only inside Fuzzer.Run (it sets up the coverage map): warm up on the first input.
        var buffer = new byte[target.MaxInput];
        var warm = false;
        Fuzzer.Run(stream =>
        {
            if (!warm)
            {
                target.Warm();
                warm = true;
            }

            var length = 0;
            int n;
            while (length < buffer.Length && (n = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += n;
            }

            target.Check(buffer.AsSpan(0, length));
        });
        return 0;
    }
}

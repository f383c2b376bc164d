using System.Reflection;
using BenchmarkDotNet.Running;
using PowerWatch.Benchmarks;

var verbs = typeof(IBenchmarkVerb).Assembly.GetTypes()
    .Where(t => !t.IsAbstract && typeof(IBenchmarkVerb).IsAssignableFrom(t))
    .Select(t => (IBenchmarkVerb)Activator.CreateInstance(t)!)
    .OrderBy(v => v.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length > 0 && args[0] == "bdn")
{
    // BenchmarkDotNet micro-benchmarks (codecs): dotnet run -c Release --project tests/PowerWatch.Benchmarks -- bdn --filter '*'
    BenchmarkSwitcher.FromAssembly(Assembly.GetExecutingAssembly()).Run(args[1..]);
    return 0;
}

var verb = args.Length > 0 ? verbs.FirstOrDefault(v => v.Name == args[0]) : null;
if (verb is null)
{
    Console.Error.WriteLine("usage: PowerWatch.Benchmarks <verb> [args] | bdn [BenchmarkDotNet args]");
    foreach (var v in verbs)
    {
        Console.Error.WriteLine($"  {v.Name,-20} {v.Description}");
    }

    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
return await verb.RunAsync(args[1..], cts.Token);

namespace PowerWatch.Benchmarks;

/// <summary>
/// One benchmark run by name: <c>dotnet run -c Release --project tests/PowerWatch.Benchmarks -- NAME [args]</c>.
/// Implementations are discovered by reflection, so each area adds its own file (Modbus/, Mqtt/, Influx/...).
/// </summary>
internal interface IBenchmarkVerb
{
    string Name { get; }

    string Description { get; }

    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}

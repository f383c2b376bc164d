using System.Collections.Immutable;

namespace PowerWatch.Core.Profiles;

/// <summary>
/// One validation problem: which file, where in it (line and column of the key or element, 1-based; 0 = unknown),
/// the JSON path of the key, and why: <c>ups.json: line 12, column 9: $.registers[2].unit: unit 'mV' does not match …</c>.
/// </summary>
public sealed record ProfileProblem(string File, string Path, string Reason)
{
    /// <summary>1-based line of the key or element in error; 0 when unknown.</summary>
    public int Line { get; init; }

    /// <summary>1-based column (in bytes, as the JSON reader counts) of the key or element in error; 0 when unknown.</summary>
    public int Column { get; init; }

    public override string ToString() => Line > 0
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{File}: line {Line}, column {Column}: {Path}: {Reason}")
        : $"{File}: {Path}: {Reason}";
}

/// <summary>The outcome of loading one profile: the profile, or every problem found.</summary>
public sealed class ProfileLoadResult
{
    internal ProfileLoadResult(string source, DeviceProfile? profile, ImmutableArray<ProfileProblem> problems)
    {
        Source = source;
        Profile = profile;
        Problems = problems;
    }

    public string Source { get; }

    /// <summary>The profile; null when <see cref="Problems"/> is not empty.</summary>
    public DeviceProfile? Profile { get; }

    public ImmutableArray<ProfileProblem> Problems { get; }

    public bool Succeeded => Profile is not null;

    /// <summary>The profile, or a <see cref="ProfileException"/> listing every problem.</summary>
    public DeviceProfile GetProfileOrThrow() => Profile ?? throw new ProfileException(Problems);
}

/// <summary>A profile failed validation; the message lists every problem, one per line.</summary>
public sealed class ProfileException : Exception
{
    public ProfileException()
        : this([])
    {
    }

    public ProfileException(string message)
        : base(message)
    {
        Problems = [];
    }

    public ProfileException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    public ProfileException(ImmutableArray<ProfileProblem> problems)
        : base(BuildMessage(problems))
    {
        Problems = problems;
    }

    public ImmutableArray<ProfileProblem> Problems { get; }

    private static string BuildMessage(ImmutableArray<ProfileProblem> problems) =>
        problems.IsDefaultOrEmpty
            ? "Invalid device profile."
            : $"Invalid device profile ({problems.Length} problem(s)):{Environment.NewLine}" +
              string.Join(Environment.NewLine, problems.Select(p => "  " + p));
}

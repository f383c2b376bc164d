namespace PowerWatch.SerialUps.MegatecQ1;

/// <summary>A Megatec reply that cannot be used; <see cref="Error"/> says why.</summary>
public sealed class MegatecQ1Exception : IOException
{
    public MegatecQ1Exception()
    {
    }

    public MegatecQ1Exception(string message)
        : base(message)
    {
    }

    public MegatecQ1Exception(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MegatecQ1Exception(MegatecQ1Error error, string message)
        : base(message) => Error = error;

    public MegatecQ1Error Error { get; }
}

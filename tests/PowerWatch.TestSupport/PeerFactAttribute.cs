using Xunit;

namespace PowerWatch.TestSupport;

/// <summary>
/// A test that needs real third-party programs (a "peer"). Outside CI, a missing peer skips the test
/// with a loud reason. Under <c>CI=true</c> the test is never skipped: it runs and fails when the peer
/// is missing, so a CI machine without the peer can never report green.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute(params string[] requiredPrograms)
    {
        RequiredPrograms = requiredPrograms;
        if (Peers.IsCi)
        {
            return;
        }

        var missing = requiredPrograms.Where(p => Peers.Find(p) is null).ToArray();
        if (missing.Length > 0)
        {
            Skip = $"PEER MISSING: {string.Join(", ", missing)} not installed; run tests/peers/install.sh (under CI=true this test fails instead of skipping)";
        }
    }

    public IReadOnlyList<string> RequiredPrograms { get; }
}

/// <summary>Same as <see cref="PeerFactAttribute"/> for theories.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PeerTheoryAttribute : TheoryAttribute
{
    public PeerTheoryAttribute(params string[] requiredPrograms)
    {
        if (Peers.IsCi)
        {
            return;
        }

        var missing = requiredPrograms.Where(p => Peers.Find(p) is null).ToArray();
        if (missing.Length > 0)
        {
            Skip = $"PEER MISSING: {string.Join(", ", missing)} not installed; run tests/peers/install.sh (under CI=true this test fails instead of skipping)";
        }
    }
}

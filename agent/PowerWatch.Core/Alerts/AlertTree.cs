namespace PowerWatch.Core.Alerts;

/// <summary>The cause links of a set of active alerts as a forest: roots, and what is folded under each.</summary>
public static class AlertTree
{
    /// <summary>
    /// The root an alert folds under: follow <see cref="AlertInfo.Cause"/> while it names an alert of the set (a
    /// cause that is not in the set, or a loop, ends the walk at the last alert reached).
    /// </summary>
    public static string RootOf(IReadOnlyList<AlertInfo> active, string id)
    {
        ArgumentNullException.ThrowIfNull(active);
        var byId = active.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = id;
        while (seen.Add(current) && byId.TryGetValue(current, out var alert) && alert.Cause is { } cause && byId.ContainsKey(cause))
        {
            current = cause;
        }

        return current;
    }

    /// <summary>Ids of the alerts of the set that fold (directly or through others) under <paramref name="id"/>, in the set's order.</summary>
    public static IReadOnlyList<string> Descendants(IReadOnlyList<AlertInfo> active, string id)
    {
        ArgumentNullException.ThrowIfNull(active);
        return [.. active.Where(a => a.Id != id && a.Cause is not null && RootPath(active, a.Id).Contains(id, StringComparer.Ordinal)).Select(a => a.Id)];
    }

    /// <summary>Alerts whose cause is null or not active: what an operator sees first.</summary>
    public static IReadOnlyList<AlertInfo> Roots(IReadOnlyList<AlertInfo> active)
    {
        ArgumentNullException.ThrowIfNull(active);
        var ids = new HashSet<string>(active.Select(a => a.Id), StringComparer.Ordinal);
        return [.. active.Where(a => a.Cause is null || !ids.Contains(a.Cause))];
    }

    private static List<string> RootPath(IReadOnlyList<AlertInfo> active, string id)
    {
        var byId = active.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var path = new List<string>();
        var current = id;
        while (byId.TryGetValue(current, out var alert) && alert.Cause is { } cause && byId.ContainsKey(cause) && !path.Contains(cause, StringComparer.Ordinal))
        {
            path.Add(cause);
            current = cause;
        }

        return path;
    }
}

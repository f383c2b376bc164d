namespace PowerWatch.Snmp;

/// <summary>
/// An agent's view at one instant: object instances sorted by OID (the order GETNEXT walks in, RFC 3416 §4.2.2),
/// looked up by binary search. Immutable; build one with <see cref="SnmpObjectTreeBuilder"/>.
/// </summary>
public sealed class SnmpObjectTree
{
    private readonly Oid[] _oids;
    private readonly SnmpValue[] _values;

    internal SnmpObjectTree(Oid[] oids, SnmpValue[] values)
    {
        _oids = oids;
        _values = values;
    }

    /// <summary>An empty view.</summary>
    public static SnmpObjectTree Empty { get; } = new([], []);

    /// <summary>Number of instances.</summary>
    public int Count => _oids.Length;

    /// <summary>The instance at <paramref name="index"/> in OID order.</summary>
    public SnmpVariable this[int index] => new(_oids[index], _values[index]);

    /// <summary>
    /// The value of an instance (GET, RFC 3416 §4.2.1): the value, or <see cref="SnmpValue.NoSuchInstance"/> when the
    /// object exists (some instance shares every arc but the last) and this instance does not, else
    /// <see cref="SnmpValue.NoSuchObject"/>.
    /// </summary>
    public SnmpValue Get(Oid oid)
    {
        var at = Array.BinarySearch(_oids, oid);
        if (at >= 0)
        {
            return _values[at];
        }

        // An instance of the same object would sort next to where this one would be.
        var insert = ~at;
        if (oid.Length > 2)
        {
            var parent = new Oid(oid.Arcs[..^1]);
            if ((insert < _oids.Length && _oids[insert].IsChildOf(parent)) || (insert > 0 && _oids[insert - 1].IsChildOf(parent)))
            {
                return SnmpValue.NoSuchInstance;
            }
        }

        return SnmpValue.NoSuchObject;
    }

    /// <summary>The first instance after <paramref name="oid"/> (GETNEXT); false at the end of the view.</summary>
    public bool TryGetNext(Oid oid, out SnmpVariable next)
    {
        var at = Array.BinarySearch(_oids, oid);
        var index = at >= 0 ? at + 1 : ~at;
        if (index < _oids.Length)
        {
            next = new SnmpVariable(_oids[index], _values[index]);
            return true;
        }

        next = default;
        return false;
    }
}

/// <summary>Collects instances for a <see cref="SnmpObjectTree"/>; the order of <see cref="Add(Oid, SnmpValue)"/> does not matter.</summary>
public sealed class SnmpObjectTreeBuilder
{
    private readonly List<SnmpVariable> _variables = [];

    /// <summary>Number of instances added.</summary>
    public int Count => _variables.Count;

    /// <summary>Adds an instance. Exception values (noSuchObject…) are not instances and are refused.</summary>
    public SnmpObjectTreeBuilder Add(Oid oid, SnmpValue value)
    {
        if (oid.IsEmpty || value.IsException)
        {
            throw new ArgumentException("an instance needs an OID and a value that is not an exception", nameof(value));
        }

        _variables.Add(new SnmpVariable(oid, value));
        return this;
    }

    /// <summary>Adds an INTEGER instance.</summary>
    public SnmpObjectTreeBuilder Add(Oid oid, int value) => Add(oid, SnmpValue.Integer32(value));

    /// <summary>Adds an OCTET STRING instance (UTF-8).</summary>
    public SnmpObjectTreeBuilder Add(Oid oid, string value) => Add(oid, SnmpValue.OctetString(value));

    /// <summary>Sorts what was added into a tree. Two instances with the same OID throw <see cref="ArgumentException"/>.</summary>
    public SnmpObjectTree Build()
    {
        var oids = new Oid[_variables.Count];
        var values = new SnmpValue[_variables.Count];
        for (var i = 0; i < oids.Length; i++)
        {
            oids[i] = _variables[i].Oid;
            values[i] = _variables[i].Value;
        }

        Array.Sort(oids, values);
        for (var i = 1; i < oids.Length; i++)
        {
            if (oids[i] == oids[i - 1])
            {
                throw new ArgumentException($"instance {oids[i]} added twice");
            }
        }

        return new SnmpObjectTree(oids, values);
    }
}

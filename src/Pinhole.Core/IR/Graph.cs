namespace Pinhole.IR;

/// <summary>
/// A computation graph: named values connected by nodes. Values are identified by name (SSA: one producer each).
/// Subgraphs (If/Loop/Scan bodies) are graphs held in node attributes and may read values of enclosing graphs.
/// </summary>
public sealed class Graph
{
    public string Name { get; set; } = "";
    public List<Node> Nodes { get; } = [];
    public List<ValueInfo> Inputs { get; } = [];
    public List<ValueInfo> Outputs { get; } = [];

    /// <summary>Declared types of intermediate values.</summary>
    public List<ValueInfo> ValueInfos { get; } = [];

    /// <summary>Constant tensors by name, in declaration order. Sparse initializers are stored densified.</summary>
    public OrderedDictionary<string, Tensor> Initializers { get; } = new(StringComparer.Ordinal);
    public string? DocString { get; set; }

    /// <summary>Graph inputs that are not initializers: what a caller must (or may) feed.</summary>
    public IEnumerable<ValueInfo> RuntimeInputs() => Inputs.Where(i => !Initializers.ContainsKey(i.Name));

    /// <summary>The node producing <paramref name="value"/> in this graph, or null for inputs, initializers and outer values.</summary>
    public Node? Producer(string value) => Nodes.FirstOrDefault(n => n.Outputs.Contains(value));

    /// <summary>Nodes of this graph that read <paramref name="value"/> (subgraph reads count for the node that owns the subgraph).</summary>
    public IEnumerable<Node> Consumers(string value) =>
        Nodes.Where(n => n.Inputs.Contains(value) || n.Subgraphs().Any(g => g.ReadsOuter(value)));

    /// <summary>Declared type of a value from inputs, outputs or value_info, or an initializer's type.</summary>
    public TypeInfo? TypeOf(string value)
    {
        if (Initializers.TryGetValue(value, out var t))
            return new TensorTypeInfo(t.Type, ShapeArrays.KnownDims(t.Shape));
        return Inputs.Concat(ValueInfos).Concat(Outputs).FirstOrDefault(v => v.Name == value)?.Type;
    }

    /// <summary>Names this graph (or its subgraphs) reads but neither defines: values captured from enclosing scopes.</summary>
    public HashSet<string> OuterScopeReads()
    {
        var defined = new HashSet<string>(Inputs.Select(i => i.Name), StringComparer.Ordinal);
        defined.UnionWith(Initializers.Keys);
        foreach (var n in Nodes) defined.UnionWith(n.Outputs.Where(o => o.Length > 0));
        var outer = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in Nodes)
        {
            foreach (var i in n.Inputs) if (i.Length > 0 && !defined.Contains(i)) outer.Add(i);
            foreach (var g in n.Subgraphs())
                foreach (var i in g.OuterScopeReads()) if (!defined.Contains(i)) outer.Add(i);
        }
        foreach (var o in Outputs) if (!defined.Contains(o.Name)) outer.Add(o.Name);
        return outer;
    }

    private bool ReadsOuter(string value) => OuterScopeReads().Contains(value);

    /// <summary>Replaces every read of <paramref name="oldValue"/> by <paramref name="newValue"/>, graph outputs included.</summary>
    public void ReplaceAllUses(string oldValue, string newValue)
    {
        foreach (var n in Nodes)
            for (int i = 0; i < n.Inputs.Count; i++)
                if (n.Inputs[i] == oldValue) n.Inputs[i] = newValue;
        foreach (var o in Outputs)
            if (o.Name == oldValue) o.Name = newValue;
    }

    /// <summary>Reorders <see cref="Nodes"/> so each node follows the producers of its inputs (stable for already-sorted graphs).</summary>
    /// <exception cref="InvalidModelException">The graph has a cycle.</exception>
    public void SortTopologically(IEnumerable<string>? outerValues = null)
    {
        var available = new HashSet<string>(StringComparer.Ordinal) { "" };
        available.UnionWith(Inputs.Select(i => i.Name));
        available.UnionWith(Initializers.Keys);
        var producedHere = new HashSet<string>(Nodes.SelectMany(n => n.Outputs), StringComparer.Ordinal);
        if (outerValues is not null) available.UnionWith(outerValues);

        var pending = new List<Node>(Nodes);
        var sorted = new List<Node>(Nodes.Count);
        while (pending.Count > 0)
        {
            int before = sorted.Count;
            for (int k = 0; k < pending.Count; k++)
            {
                var n = pending[k];
                bool ready = n.Inputs.All(i => available.Contains(i) || !producedHere.Contains(i))
                    && n.Subgraphs().SelectMany(g => g.OuterScopeReads()).All(i => available.Contains(i) || !producedHere.Contains(i));
                if (!ready) continue;
                sorted.Add(n);
                available.UnionWith(n.Outputs);
                pending.RemoveAt(k);
                k--;
            }
            if (sorted.Count == before)
                throw new InvalidModelException($"graph '{Name}' has a cycle through {pending[0].Describe()}");
        }
        Nodes.Clear();
        Nodes.AddRange(sorted);
    }

    /// <summary>
    /// Checks structure: every value has at most one producer, every read is defined before use (or comes from
    /// <paramref name="outerValues"/>), every graph output is defined.
    /// </summary>
    /// <exception cref="InvalidModelException">The first violation found, naming the node and value.</exception>
    public void Validate(IEnumerable<string>? outerValues = null)
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in Inputs)
            if (!defined.Add(i.Name) && !Initializers.ContainsKey(i.Name))
                throw new InvalidModelException($"graph '{Name}': input '{i.Name}' is declared twice");
        defined.UnionWith(Initializers.Keys);
        var outer = new HashSet<string>(outerValues ?? [], StringComparer.Ordinal);
        foreach (var n in Nodes)
        {
            foreach (var i in n.Inputs)
                if (i.Length > 0 && !defined.Contains(i) && !outer.Contains(i))
                    throw new InvalidModelException($"graph '{Name}': {n.Describe()} reads '{i}', which is not defined before it");
            if (n.Subgraphs().Any())
            {
                var visible = new HashSet<string>(defined, StringComparer.Ordinal);
                visible.UnionWith(outer);
                foreach (var g in n.Subgraphs()) g.Validate(visible);
            }
            foreach (var o in n.Outputs)
                if (o.Length > 0 && !defined.Add(o))
                    throw new InvalidModelException($"graph '{Name}': {n.Describe()} writes '{o}', which is already defined");
        }
        foreach (var o in Outputs)
            if (!defined.Contains(o.Name) && !outer.Contains(o.Name))
                throw new InvalidModelException($"graph '{Name}': output '{o.Name}' is never produced");
    }

    /// <summary>A name not yet used by any value in this graph, based on <paramref name="stem"/>.</summary>
    public string UniqueName(string stem)
    {
        var used = new HashSet<string>(Inputs.Select(i => i.Name).Concat(Initializers.Keys)
            .Concat(Nodes.SelectMany(n => n.Outputs)).Concat(Nodes.Select(n => n.Name)), StringComparer.Ordinal);
        if (!used.Contains(stem)) return stem;
        for (int k = 1; ; k++)
            if (!used.Contains($"{stem}_{k}")) return $"{stem}_{k}";
    }
}

using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>What rewrite rules see of the graph being optimized: lookups (producers, consumers, constants, element types) and edits.</summary>
internal sealed class GraphRewriter
{
    private readonly HashSet<Node> _removed = new(ReferenceEqualityComparer.Instance);

    // Lookups built on first use and dropped on every edit: rules look a lot and edit rarely.
    private Dictionary<string, Node>? _producers;
    private Dictionary<string, int>? _useCounts;
    private Dictionary<string, (Node First, int Count)>? _inputReads;

    public GraphRewriter(Model model, Graph graph)
    {
        Model = model;
        Graph = graph;
        Shapes = new StaticShapes(this);
        // Initializers that are also graph inputs can be overridden by the caller from IR version 4 on (ONNX Runtime's rule).
        if (model.IrVersion >= 4)
            foreach (var i in graph.Inputs)
                if (graph.Initializers.ContainsKey(i.Name)) _overridable.Add(i.Name);
    }

    private readonly HashSet<string> _overridable = new(StringComparer.Ordinal);

    /// <summary>Shapes known without running the graph (kept across edits: rewrites never change a value's meaning).</summary>
    public StaticShapes Shapes { get; }

    public Model Model { get; }
    public Graph Graph { get; }

    public bool IsRemoved(Node node) => _removed.Contains(node);

    /// <summary>The initializer named <paramref name="value"/>, or null (also for "" and non-constant values).</summary>
    public Tensor? Constant(string value) =>
        value.Length > 0 && Graph.Initializers.TryGetValue(value, out var t) && !_overridable.Contains(value) ? t : null;

    /// <summary>The opset version the model imports for <paramref name="domain"/> (0 when none).</summary>
    public long Opset(string domain) => Model.OpsetFor(domain) ?? 0;

    /// <summary>Adds a new initializer under a fresh name derived from <paramref name="stem"/> and returns the name.</summary>
    public string AddConstant(string stem, Tensor value)
    {
        string name = UniqueName(stem);
        Graph.Initializers[name] = value;
        Invalidate();
        return name;
    }

    public Node? Producer(string value)
    {
        if (value.Length == 0) return null;
        if (_producers is null)
        {
            _producers = new Dictionary<string, Node>(StringComparer.Ordinal);
            foreach (var n in Graph.Nodes)
                foreach (var o in n.Outputs)
                    if (o.Length > 0) _producers.TryAdd(o, n);
        }
        return _producers.GetValueOrDefault(value);
    }

    public bool IsGraphOutput(string value) => Graph.Outputs.Any(o => o.Name == value);

    /// <summary>How many times <paramref name="value"/> is read: node inputs, subgraph reads and graph outputs.</summary>
    public int UseCount(string value)
    {
        BuildUses();
        return _useCounts!.GetValueOrDefault(value);
    }

    /// <summary>How many times <paramref name="value"/> is read as a node input (subgraph reads and graph outputs not counted).</summary>
    public int InputReadCount(string value)
    {
        BuildUses();
        return _inputReads!.TryGetValue(value, out var r) ? r.Count : 0;
    }

    private void BuildUses()
    {
        if (_useCounts is not null) return;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var reads = new Dictionary<string, (Node, int)>(StringComparer.Ordinal);
        void Count(string v) => counts[v] = counts.GetValueOrDefault(v) + 1;
        foreach (var n in Graph.Nodes)
        {
            foreach (var i in n.Inputs)
            {
                if (i.Length == 0) continue;
                Count(i);
                reads[i] = reads.TryGetValue(i, out var r) ? (r.Item1, r.Item2 + 1) : (n, 1);
            }
            foreach (var g in n.Subgraphs())
                foreach (var v in g.OuterScopeReads()) Count(v);
        }
        foreach (var o in Graph.Outputs) Count(o.Name);
        _inputReads = reads;
        _useCounts = counts;
    }

    /// <summary>Whether <paramref name="value"/> is read exactly once, by an input of <paramref name="consumer"/>, and is no graph output.</summary>
    public bool IsOnlyUsedBy(string value, Node consumer) =>
        value.Length > 0 && consumer.Inputs.Count(i => i == value) == 1 && UseCount(value) == 1;

    /// <summary>The single node reading <paramref name="value"/> (through an input), or null when there are none, several, or a graph output.</summary>
    public Node? SoleConsumer(string value)
    {
        if (value.Length == 0 || UseCount(value) != 1 || InputReadCount(value) != 1) return null;
        return _inputReads![value].First;
    }

    /// <summary>The element type of <paramref name="value"/> when it can be told without running the graph.</summary>
    public DataType? ElementType(string value)
    {
        if (value.Length == 0) return null;
        if (Constant(value) is { } c) return c.Type;
        var producer = Producer(value);
        switch (producer?.OpType)
        {
            case "QuantizeLinear" when producer.Domain.Length == 0 && producer.Outputs[0] == value:
                if (producer.Attributes.TryGetValue("output_dtype", out var od) && od.Int != 0) return (DataType)od.Int;
                return producer.Inputs.Count > 2 && producer.Inputs[2].Length > 0 ? ElementType(producer.Inputs[2]) : DataType.UInt8;
            case "DequantizeLinear" when producer.Domain.Length == 0 && producer.Outputs[0] == value:
                return producer.Inputs.Count > 1 ? ElementType(producer.Inputs[1]) : null;
            case "Cast" when producer.Domain.Length == 0 && producer.Attributes.TryGetValue("to", out var to):
                return (DataType)to.Int;
            case "Identity" or "Flatten" or "Reshape" or "Transpose" or "Squeeze" or "Unsqueeze" when producer.Domain.Length == 0:
                return ElementType(producer.Inputs[0]);
            case "QLinearConv" or "QLinearMatMul" when producer.Domain.Length == 0:
                return ZeroPointType(producer, 7);
            case "QLinearAdd" or "QLinearMul" when producer.Domain == "com.microsoft":
                return ZeroPointType(producer, 7);
            case "QLinearGlobalAveragePool" or "QLinearSigmoid" or "QLinearLeakyRelu" when producer.Domain == "com.microsoft":
                return ZeroPointType(producer, 4);
            case "QGemm" when producer.Domain == "com.microsoft":
                return producer.Inputs.Count > 8 && producer.Inputs[8].Length > 0 ? ElementType(producer.Inputs[8]) : DataType.Float;
        }
        return Graph.TypeOf(value) is TensorTypeInfo { ElementType: not DataType.Undefined } tt ? tt.ElementType : null;
    }

    /// <summary>The output type of a quantized op: its output zero point's type, or that of its first input without one.</summary>
    private DataType? ZeroPointType(Node producer, int zeroPointIndex) =>
        producer.Inputs.Count > zeroPointIndex && producer.Inputs[zeroPointIndex].Length > 0
            ? ElementType(producer.Inputs[zeroPointIndex])
            : ElementType(producer.Inputs[0]);

    /// <summary>Removes <paramref name="node"/> from the graph.</summary>
    public void Remove(Node node)
    {
        Invalidate();
        Graph.Nodes.Remove(node);
        _removed.Add(node);
    }

    /// <summary>Puts <paramref name="replacement"/> where <paramref name="at"/> is and removes <paramref name="at"/> and <paramref name="others"/>.</summary>
    public void Replace(Node at, Node replacement, params Node[] others)
    {
        Invalidate();
        int index = Graph.Nodes.IndexOf(at);
        Graph.Nodes[index] = replacement;
        _removed.Add(at);
        foreach (var n in others) Remove(n);
    }

    /// <summary>Drops the cached lookups; every edit of the graph goes through here.</summary>
    public void Invalidate()
    {
        _producers = null;
        _useCounts = null;
        _inputReads = null;
    }

    /// <summary>Makes the model import <paramref name="domain"/> (at <paramref name="version"/> if it does not already).</summary>
    public void EnsureOpset(string domain, long version)
    {
        if (Model.OpsetFor(domain) is null) Model.OpsetImports[domain] = version;
    }

    /// <summary>A value name not used in the graph yet.</summary>
    public string UniqueName(string stem) => Graph.UniqueName(stem);
}

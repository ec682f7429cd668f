using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>What rewrite rules see of the graph being optimized: lookups (producers, consumers, constants, element types) and edits.</summary>
internal sealed class GraphRewriter
{
    private readonly HashSet<Node> _removed = new(ReferenceEqualityComparer.Instance);

    // Lookups built on first use and kept up to date by the edits made through this class (Remove, Replace, SetInput,
    // RedirectReads, SetConstant); Invalidate drops them after any other edit. Rebuilding them after every edit made
    // optimizing a 1,000-node graph quadratic.
    private Dictionary<string, Node>? _producers;
    private Dictionary<string, int>? _useCounts;
    private Dictionary<string, List<Node>>? _consumers;
    private HashSet<string>? _names;

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

    /// <summary>Shapes and shape-derived values known without running the graph (inferred again after each edit).</summary>
    public StaticShapes Shapes { get; }

    public Model Model { get; }
    public Graph Graph { get; }

    public bool IsRemoved(Node node) => _removed.Contains(node);

    /// <summary>The initializer named <paramref name="value"/>, or null (also for "" and non-constant values).</summary>
    public Tensor? Constant(string value) =>
        value.Length > 0 && Graph.Initializers.TryGetValue(value, out var t) && !_overridable.Contains(value) ? t : null;

    /// <summary>The opset version the model imports for <paramref name="domain"/> (0 when none).</summary>
    public long Opset(string domain) => Model.OpsetFor(domain) ?? 0;

    /// <summary>
    /// Adds a new initializer under a fresh name derived from <paramref name="stem"/> and returns the name.
    /// <paramref name="owned"/>: the tensor's storage was created by this optimization and nothing else refers to it.
    /// </summary>
    public string AddConstant(string stem, Tensor value, bool owned = false)
    {
        string name = UniqueName(stem);
        Graph.Initializers[name] = value;
        if (owned) _owned.Add(value);
        Shapes.Reset();
        return name;
    }

    /// <summary>Makes <paramref name="name"/> a constant (its producer, if any, must be removed first); readers are unchanged.</summary>
    public void SetConstant(string name, Tensor value, bool owned = false)
    {
        Graph.Initializers[name] = value;
        if (owned) _owned.Add(value);
        _names?.Add(name);
        // What is known of shapes grows as nodes fold into constants: infer again.
        Shapes.Reset();
    }

    // Tensors this optimization computed (folded constants, rescaled weights): the caller's model does not share them.
    private readonly HashSet<Tensor> _owned = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Whether constant <paramref name="value"/> may be changed in place: its tensor was computed by this optimization
    /// (the caller's model does not share it) and <paramref name="reader"/> is its only reader.
    /// </summary>
    public bool CanOverwrite(string value, Node reader) =>
        Constant(value) is { } t && _owned.Contains(t) && t.Offset == 0 && t.Buffer.Length == t.Length && IsOnlyUsedBy(value, reader);

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

    /// <summary>The recorded use count (0 if none). TryGetValue, not GetValueOrDefault: that extension over int is
    /// JIT-compiled at every process start.</summary>
    private int Uses(string value) => _useCounts!.TryGetValue(value, out int count) ? count : 0;

    /// <summary>How many times <paramref name="value"/> is read: node inputs, subgraph reads and graph outputs.</summary>
    public int UseCount(string value)
    {
        BuildUses();
        return Uses(value);
    }

    /// <summary>How many times <paramref name="value"/> is read as a node input (subgraph reads and graph outputs not counted).</summary>
    public int InputReadCount(string value)
    {
        BuildUses();
        return _consumers!.TryGetValue(value, out var r) ? r.Count : 0;
    }

    private void BuildUses()
    {
        if (_useCounts is not null) return;
        _useCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        _consumers = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        foreach (var n in Graph.Nodes) IndexUses(n, +1);
        foreach (var o in Graph.Outputs) _useCounts[o.Name] = Uses(o.Name) + 1;
    }

    /// <summary>Adds (<paramref name="sign"/> = 1) or takes away (-1) <paramref name="n"/>'s reads and outputs in the built lookups.</summary>
    private void Index(Node n, int sign)
    {
        if (_useCounts is not null) IndexUses(n, sign);
        if (_producers is not null)
        {
            foreach (var o in n.Outputs)
            {
                if (o.Length == 0) continue;
                if (sign > 0) _producers.TryAdd(o, n);
                else if (_producers.TryGetValue(o, out var p) && ReferenceEquals(p, n)) _producers.Remove(o);
            }
        }
        if (sign > 0 && _names is not null)
        {
            _names.UnionWith(n.Outputs);
            _names.Add(n.Name);
        }
    }

    private void IndexUses(Node n, int sign)
    {
        foreach (var i in n.Inputs)
            if (i.Length > 0) CountRead(i, n, sign);
        foreach (var g in n.Subgraphs())
            foreach (var v in g.OuterScopeReads()) _useCounts![v] = Uses(v) + sign;
    }

    private void CountRead(string value, Node reader, int sign)
    {
        _useCounts![value] = Uses(value) + sign;
        if (sign > 0)
        {
            if (!_consumers!.TryGetValue(value, out var list)) _consumers[value] = list = new List<Node>(2);
            list.Add(reader);
        }
        else if (_consumers!.TryGetValue(value, out var list))
        {
            int at = list.FindIndex(x => ReferenceEquals(x, reader));
            if (at >= 0) list.RemoveAt(at);
        }
    }

    /// <summary>Whether <paramref name="value"/> is read exactly once, by an input of <paramref name="consumer"/>, and is no graph output.</summary>
    public bool IsOnlyUsedBy(string value, Node consumer) =>
        value.Length > 0 && consumer.Inputs.Count(i => i == value) == 1 && UseCount(value) == 1;

    /// <summary>The single node reading <paramref name="value"/> (through an input), or null when there are none, several, or a graph output.</summary>
    public Node? SoleConsumer(string value)
    {
        if (value.Length == 0 || UseCount(value) != 1 || InputReadCount(value) != 1) return null;
        return _consumers![value][0];
    }

    /// <summary>The element type of <paramref name="value"/> when it can be told without running the graph.</summary>
    public DataType? ElementType(string value)
    {
        if (value.Length == 0) return null;
        if (_types.TryGetValue(value, out int known)) return known < 0 ? null : (DataType)known;
        var type = InferElementType(value);
        _types[value] = type is { } t ? (int)t : -1;
        return type;
    }

    // Kept across edits, like the shapes: a value's type never changes. Stored as int, -1 for unknown: a dictionary of
    // nullable enums is an instantiation the JIT compiles at every process start, string to int is precompiled.
    private readonly Dictionary<string, int> _types = new(StringComparer.Ordinal);

    private DataType? InferElementType(string value)
    {
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
            // Ops whose output has the type of their first input.
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Relu" or "Sigmoid" or "Tanh" or "Erf" or "Sqrt" or "Exp" or "Neg"
                or "Abs" or "Reciprocal" or "MatMul" or "Gemm" or "Conv" or "BatchNormalization" or "MaxPool" or "AveragePool"
                or "GlobalAveragePool" or "Softmax" or "LeakyRelu" or "Clip" or "Concat" or "Gather" or "Slice" or "Split"
                or "ReduceMean" or "ReduceSum" or "LayerNormalization" or "Dropout" or "Expand" or "Tile" or "Pad" or "Resize"
                or "HardSigmoid" or "HardSwish" or "Elu" or "Selu" or "Softplus" or "Max" or "Min" or "ConvTranspose" or "Sum"
                or "Mean" or "LRN" or "InstanceNormalization" or "GlobalMaxPool" or "LpPool" or "Upsample" or "DepthToSpace"
                or "SpaceToDepth" or "LogSoftmax" or "PRelu" or "ReduceMax" or "ReduceMin" or "Log" or "Floor" or "Ceil" or "Round"
                when producer.Domain.Length == 0 && producer.Inputs.Count > 0 && producer.Outputs[0] == value:
                return ElementType(producer.Inputs[0]);
            case "FusedConv" or "FusedGemm" or "Gelu" or "FastGelu" when producer.Domain == "com.microsoft":
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
        if (Graph.Nodes.Remove(node)) Index(node, -1);
        _removed.Add(node);
        Shapes.Reset();
    }

    /// <summary>Makes input <paramref name="index"/> of <paramref name="node"/> (a node of the graph) read <paramref name="value"/>.</summary>
    public void SetInput(Node node, int index, string value)
    {
        string old = node.Inputs[index];
        if (old == value) return;
        if (_useCounts is not null)
        {
            if (old.Length > 0) CountRead(old, node, -1);
            if (value.Length > 0) CountRead(value, node, +1);
        }
        node.Inputs[index] = value;
        Shapes.Reset();
    }

    /// <summary>Makes every node input that reads <paramref name="oldValue"/> read <paramref name="newValue"/> (graph outputs included).</summary>
    public void RedirectReads(string oldValue, string newValue)
    {
        if (Graph.Outputs.Any(o => o.Name == oldValue))
        {
            Graph.ReplaceAllUses(oldValue, newValue);
            Invalidate();
            return;
        }
        BuildUses();
        if (_consumers!.TryGetValue(oldValue, out var readers))
            foreach (var n in readers.Distinct(ReferenceEqualityComparer.Instance).Cast<Node>().ToArray())
                for (int i = 0; i < n.Inputs.Count; i++)
                    if (n.Inputs[i] == oldValue) SetInput(n, i, newValue);
    }

    /// <summary>A class, not a tuple: a set of tuples is an instantiation the JIT compiles at every process start.</summary>
    private sealed record Mark(Node Node, string Rule);

    private readonly HashSet<Mark> _marks = [];

    /// <summary>Remembers that <paramref name="rule"/> gave up on <paramref name="node"/> for a reason that cannot change (no retry every sweep).</summary>
    public void MarkRejected(Node node, string rule) => _marks.Add(new Mark(node, rule));

    public bool IsRejected(Node node, string rule) => _marks.Contains(new Mark(node, rule));

    /// <summary>Puts <paramref name="replacement"/> where <paramref name="at"/> is and removes <paramref name="at"/> and <paramref name="others"/>.</summary>
    public void Replace(Node at, Node replacement, params Node[] others)
    {
        int index = Graph.Nodes.IndexOf(at);
        Index(at, -1);
        Graph.Nodes[index] = replacement;
        Index(replacement, +1);
        _removed.Add(at);
        foreach (var n in others) Remove(n);
        Shapes.Reset();
    }

    /// <summary>Drops the cached lookups: for edits of the graph made other than through this class.</summary>
    public void Invalidate()
    {
        _producers = null;
        _useCounts = null;
        _consumers = null;
        _names = null;
        Shapes.Reset();
    }

    /// <summary>Makes the model import <paramref name="domain"/> (at <paramref name="version"/> if it does not already).</summary>
    public void EnsureOpset(string domain, long version)
    {
        if (Model.OpsetFor(domain) is null) Model.OpsetImports[domain] = version;
    }

    /// <summary>A value name not used in the graph yet (nor handed out before).</summary>
    public string UniqueName(string stem)
    {
        if (_names is null)
        {
            _names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var i in Graph.Inputs) _names.Add(i.Name);
            _names.UnionWith(Graph.Initializers.Keys);
            foreach (var n in Graph.Nodes)
            {
                _names.UnionWith(n.Outputs);
                _names.Add(n.Name);
            }
        }
        bool Taken(string name) => _names.Contains(name) || Graph.Initializers.ContainsKey(name) || Producer(name) is not null;
        string result = stem;
        for (int k = 1; Taken(result); k++) result = $"{stem}_{k}";
        _names.Add(result);
        return result;
    }
}

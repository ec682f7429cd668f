using Pinhole.IR;

namespace Pinhole.Tools;

/// <summary>A graph input or output: name, element type and shape (dimensions as text: numbers, symbols or "?").</summary>
public sealed record ValueSummary(string Name, string Type, string[]? Shape)
{
    public string ShapeText => Shape is null ? "?" : "[" + string.Join(",", Shape) + "]";
}

/// <summary>How many nodes run one op (domain-qualified outside the default domain).</summary>
public sealed record OpCount(string Op, int Count);

/// <summary>Bytes of weights of one element type.</summary>
public sealed record WeightBytes(string Type, long Elements, long Bytes);

/// <summary>Multiply-accumulates of one node; null when a shape it needs is unknown.</summary>
public sealed record NodeMacs(string Node, string Op, long? Macs);

/// <summary>What <see cref="ModelInspector.Inspect"/> reports about a model.</summary>
public sealed record ModelReport
{
    public required long IrVersion { get; init; }
    public required string Producer { get; init; }
    public required IReadOnlyDictionary<string, long> OpsetImports { get; init; }
    public required IReadOnlyList<ValueSummary> Inputs { get; init; }
    public required IReadOnlyList<ValueSummary> Outputs { get; init; }

    /// <summary>Nodes of the main graph and of all subgraphs (before function inlining).</summary>
    public required int NodeCount { get; init; }

    /// <summary>Ops by descending count, then by name.</summary>
    public required IReadOnlyList<OpCount> Ops { get; init; }

    /// <summary><see cref="InitializerParameters"/> + <see cref="ConstantParameters"/>.</summary>
    public required long Parameters { get; init; }

    /// <summary>Elements of all initializers (main graph and subgraphs), whatever their type or use.</summary>
    public required long InitializerParameters { get; init; }

    /// <summary>Elements of tensors held by Constant nodes that look like weights: rank at least 1 and a floating-point or 8-bit integer type (shape and index constants excluded).</summary>
    public required long ConstantParameters { get; init; }

    /// <summary>Bytes of the counted parameters by element type (Pinhole's in-memory sizes; sub-byte types count one byte each).</summary>
    public required IReadOnlyList<WeightBytes> Weights { get; init; }

    /// <summary>Multiply-accumulates per node for Conv, ConvTranspose, Gemm, MatMul, QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger and com.microsoft FusedConv/FusedGemm; other ops count 0 and are not listed.</summary>
    public required IReadOnlyList<NodeMacs> NodeMacs { get; init; }

    /// <summary>Sum of the known per-node MACs.</summary>
    public required long TotalMacs { get; init; }

    /// <summary>Nodes whose MACs could not be computed (unknown shapes), and ops skipped (Einsum).</summary>
    public required IReadOnlyList<string> Notes { get; init; }
}

/// <summary>Options for <see cref="ModelInspector.Inspect(Model, InspectOptions?)"/>.</summary>
public sealed class InspectOptions
{
    /// <summary>Infer missing shapes (needed for MACs) with this; null to use only the shapes the model declares.</summary>
    public IShapeInference? ShapeInference { get; set; } = new ShapeInference();

    /// <summary>Used when <see cref="ShapeInference"/> fails (for example, an op without a kernel); null for none.</summary>
    public IShapeInference? FallbackShapeInference { get; set; } = new StaticShapeInference();
}

/// <summary>Summarizes a model: inputs and outputs, ops, parameters, weight bytes and multiply-accumulates.</summary>
public static class ModelInspector
{
    /// <summary>
    /// Inspects <paramref name="model"/>. Counting happens on the model as given; then, for MACs, missing shapes are
    /// inferred with <see cref="InspectOptions.ShapeInference"/> (which writes into the graph's value infos and may
    /// inline functions). When inference fails, MACs use the declared shapes and the failure is noted.
    /// </summary>
    public static ModelReport Inspect(Model model, InspectOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new InspectOptions();
        var notes = new List<string>();

        var inputs = model.Graph.RuntimeInputs().Select(Summarize).ToList();
        var outputs = model.Graph.Outputs.Select(Summarize).ToList();

        var ops = new Dictionary<string, int>(StringComparer.Ordinal);
        long initializerElements = 0, constantElements = 0;
        var weights = new Dictionary<DataType, (long Elements, long Bytes)>();
        int nodeCount = 0;
        void CountWeight(Tensor t)
        {
            var (e, b) = weights.GetValueOrDefault(t.Type);
            weights[t.Type] = (e + t.Length, b + (long)t.Length * DataTypes.SizeOf(t.Type));
        }
        foreach (var graph in AllGraphs(model.Graph))
        {
            foreach (var t in graph.Initializers.Values)
            {
                initializerElements += t.Length;
                CountWeight(t);
            }
            foreach (var n in graph.Nodes)
            {
                nodeCount++;
                string op = n.Domain.Length == 0 ? n.OpType : n.Domain + "." + n.OpType;
                ops[op] = ops.GetValueOrDefault(op) + 1;
                if (n.OpType == "Constant" && n.Domain.Length == 0 && n.Attributes.TryGetValue("value", out var a)
                    && a.Tensor is { Rank: >= 1 } ct && IsWeightType(ct.Type))
                {
                    constantElements += ct.Length;
                    CountWeight(ct);
                }
            }
        }
        // Ops and parameters describe the model as written; MACs need shapes, which may change the graph (inlining).
        var types = new Dictionary<string, TensorTypeInfo>(StringComparer.Ordinal);
        if (options.ShapeInference is { } inference && !AllShapesKnown(model))
        {
            try
            {
                foreach (var (name, t) in inference.Infer(model)) types[name] = t;
            }
            catch (PinholeException e)
            {
                if (options.FallbackShapeInference is { } fallback)
                {
                    notes.Add($"shape inference failed ({e.Message}); MACs use shapes inferred statically for common ops");
                    try
                    {
                        foreach (var (name, t) in fallback.Infer(model)) types[name] = t;
                    }
                    catch (PinholeException e2)
                    {
                        notes.Add($"static shape inference failed too: {e2.Message}");
                    }
                }
                else
                {
                    notes.Add($"shape inference failed, MACs use declared shapes only: {e.Message}");
                }
            }
        }
        var nodeMacs = new List<NodeMacs>();
        foreach (var graph in AllGraphs(model.Graph))
        {
            TensorTypeInfo? TypeOf(string name) =>
                name.Length == 0 ? null
                : graph == model.Graph && types.TryGetValue(name, out var t) ? t
                : graph.TypeOf(name) as TensorTypeInfo ?? model.Graph.TypeOf(name) as TensorTypeInfo;
            foreach (var n in graph.Nodes)
            {
                var (counted, macs) = Macs(n, TypeOf);
                if (!counted) continue;
                string label = n.Name.Length > 0 ? n.Name : n.Outputs.FirstOrDefault() ?? "?";
                string op = n.Domain.Length == 0 ? n.OpType : n.Domain + "." + n.OpType;
                if (n.OpType == "Einsum")
                {
                    notes.Add($"{n.Describe()}: Einsum MACs are not counted");
                    continue;
                }
                nodeMacs.Add(new NodeMacs(label, op, macs));
                if (macs is null) notes.Add($"{n.Describe()}: MACs unknown (shapes not known)");
            }
        }

        return new ModelReport
        {
            IrVersion = model.IrVersion,
            Producer = (model.ProducerName + " " + model.ProducerVersion).Trim(),
            OpsetImports = model.OpsetImports.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .ToDictionary(kv => kv.Key.Length == 0 ? "ai.onnx" : kv.Key, kv => kv.Value, StringComparer.Ordinal),
            Inputs = inputs,
            Outputs = outputs,
            NodeCount = nodeCount,
            Ops = ops.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new OpCount(kv.Key, kv.Value)).ToList(),
            Parameters = initializerElements + constantElements,
            InitializerParameters = initializerElements,
            ConstantParameters = constantElements,
            Weights = weights.OrderByDescending(kv => kv.Value.Bytes)
                .Select(kv => new WeightBytes(DataTypes.OnnxName(kv.Key), kv.Value.Elements, kv.Value.Bytes)).ToList(),
            NodeMacs = nodeMacs,
            TotalMacs = nodeMacs.Sum(m => m.Macs ?? 0),
            Notes = notes,
        };
    }

    /// <summary>
    /// MACs of one node given the types of its values: (false, 0) for ops that are not counted, (true, null) when a
    /// needed shape is unknown. Bias additions, activations and requantization are not counted.
    /// </summary>
    public static (bool Counted, long? Macs) Macs(Node node, Func<string, TensorTypeInfo?> typeOf)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(typeOf);
        Dim[]? Shape(IReadOnlyList<string> names, int i) => i < names.Count ? typeOf(names[i])?.Shape : null;
        bool ms = node.Domain == "com.microsoft";
        if (node.Domain.Length != 0 && !ms) return (false, 0);
        switch (node.OpType)
        {
            case "Conv" when !ms:
            case "FusedConv" when ms:
                return (true, ConvMacs(Shape(node.Outputs, 0), Shape(node.Inputs, 1)));
            case "QLinearConv" when !ms:
                return (true, ConvMacs(Shape(node.Outputs, 0), Shape(node.Inputs, 3)));
            case "ConvInteger" when !ms:
                return (true, ConvMacs(Shape(node.Outputs, 0), Shape(node.Inputs, 1)));
            case "ConvTranspose" when !ms:
                {
                    // Every input element is multiplied by a (M/group) x kernel slice of the weight.
                    var x = Shape(node.Inputs, 0);
                    var w = Shape(node.Inputs, 1);
                    if (x is null || w is null || w.Length < 2) return (true, null);
                    var px = ShapeText.Product(x);
                    var pw = ShapeText.Product(w, 1);
                    return (true, px * pw);
                }
            case "Gemm" when !ms:
            case "FusedGemm" when ms:
                {
                    var a = Shape(node.Inputs, 0);
                    var y = Shape(node.Outputs, 0);
                    if (a is not { Length: 2 } || y is null) return (true, null);
                    bool transA = node.Attributes.TryGetValue("transA", out var ta) && ta.Int != 0;
                    var k = (transA ? a[0] : a[1]).Value;
                    return (true, k * ShapeText.Product(y));
                }
            case "MatMul" when !ms:
            case "MatMulInteger" when !ms:
                return (true, MatMulMacs(Shape(node.Inputs, 0), Shape(node.Outputs, 0)));
            case "QLinearMatMul" when !ms:
                return (true, MatMulMacs(Shape(node.Inputs, 0), Shape(node.Outputs, 0)));
            case "Einsum" when !ms:
                return (true, null);
            default:
                return (false, 0);
        }
    }

    /// <summary>Each output element sums over input channels / group times the kernel: prod(Y) * prod(W[1:]).</summary>
    private static long? ConvMacs(Dim[]? y, Dim[]? w)
    {
        if (y is null || w is null || w.Length < 2) return null;
        return ShapeText.Product(y) * ShapeText.Product(w, 1);
    }

    /// <summary>Each output element is a dot product over A's last dimension.</summary>
    private static long? MatMulMacs(Dim[]? a, Dim[]? y)
    {
        if (a is null || a.Length == 0 || y is null) return null;
        return a[^1].Value * ShapeText.Product(y);
    }

    private static bool IsWeightType(DataType t) =>
        DataTypes.IsFloatingPoint(t) || t is DataType.Int8 or DataType.UInt8;

    private static bool AllShapesKnown(Model model)
    {
        foreach (var n in model.Graph.Nodes)
        {
            var (counted, macs) = Macs(n, v => model.Graph.TypeOf(v) as TensorTypeInfo);
            if (counted && macs is null && n.OpType != "Einsum") return false;
        }
        return true;
    }

    private static ValueSummary Summarize(ValueInfo v) => v.Type switch
    {
        TensorTypeInfo t => new ValueSummary(v.Name, DataTypes.OnnxName(t.ElementType), t.Shape?.Select(d => d.ToString()).ToArray()),
        null => new ValueSummary(v.Name, "?", null),
        var other => new ValueSummary(v.Name, other.ToString(), null),
    };

    private static IEnumerable<Graph> AllGraphs(Graph graph)
    {
        yield return graph;
        foreach (var n in graph.Nodes)
            foreach (var g in n.Subgraphs())
                foreach (var inner in AllGraphs(g))
                    yield return inner;
    }
}

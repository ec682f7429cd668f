using System.Runtime.CompilerServices;
using Pinhole.IR;
using Pinhole.Runtime;

namespace Pinhole.Tools;

/// <summary>Infers the type and shape of every value of a model and records them in its graphs' <see cref="Graph.ValueInfos"/>.</summary>
public interface IShapeInference
{
    /// <summary>
    /// Infers types and shapes, writes them into <see cref="Graph.ValueInfos"/> (and fills in graph outputs whose
    /// declared type lacks them), and returns the main graph's values by name.
    /// </summary>
    IReadOnlyDictionary<string, TensorTypeInfo> Infer(Model model);
}

/// <summary>Options for <see cref="ShapeInference"/>.</summary>
public sealed class ShapeInferenceOptions
{
    /// <summary>Value given to symbolic or unknown input dimensions that <see cref="SymbolValues"/> does not name.</summary>
    public int DefaultSymbolValue { get; set; } = 1;

    /// <summary>Values of named symbolic dimensions (ONNX <c>dim_param</c>), such as <c>batch = 4</c>.</summary>
    public Dictionary<string, int> SymbolValues { get; } = new(StringComparer.Ordinal);

    /// <summary>Full shapes for particular inputs, overriding their declarations (needed for inputs of unknown rank).</summary>
    public Dictionary<string, int[]> InputShapes { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Shape inference by execution: runs the model once through <see cref="InferenceSession"/> on zero-filled inputs
/// (symbolic dimensions set to 1 or to given values) and records the type and shape of every value a node produces.
/// Shapes are therefore those of that run: dimensions that depend on symbolic input dimensions appear as the values
/// used, and values inside subgraphs that take different shapes on different iterations get unknown dimensions.
/// A static per-op inference can replace this class behind <see cref="IShapeInference"/>.
/// </summary>
/// <remarks>Creating the session inlines model-local functions into the graph (as running always does).</remarks>
public sealed class ShapeInference(ShapeInferenceOptions? options = null) : IShapeInference
{
    private readonly ShapeInferenceOptions _options = options ?? new ShapeInferenceOptions();

    /// <inheritdoc/>
    /// <exception cref="InvalidInputException">An input has unknown rank or a non-tensor type, and no shape was given for it.</exception>
    /// <exception cref="PinholeException">The model cannot be prepared or run (unsupported op, kernel failure...).</exception>
    public IReadOnlyDictionary<string, TensorTypeInfo> Infer(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graphOf = new Dictionary<Node, Graph>(ReferenceEqualityComparer.Instance);
        IndexNodes(model.Graph, graphOf);

        var recorded = new Dictionary<Graph, Dictionary<string, TensorTypeInfo>>(ReferenceEqualityComparer.Instance);
        var sessionOptions = new SessionOptions
        {
            // Observe the model's own nodes and values, not the fused ones an optimized session would run.
            OptimizationLevel = OptimizationLevel.None,
            NodeExecuted = e =>
            {
                if (!graphOf.TryGetValue(e.Node, out var graph)) return;
                if (!recorded.TryGetValue(graph, out var values)) recorded[graph] = values = new(StringComparer.Ordinal);
                for (int i = 0; i < e.Outputs.Count && i < e.Node.Outputs.Count; i++)
                {
                    string name = e.Node.Outputs[i];
                    if (name.Length == 0 || e.Outputs[i] is not { } t) continue;
                    var type = new TensorTypeInfo(t.Type, t.Shape.Select(d => Dim.Known(d)).ToArray());
                    values[name] = values.TryGetValue(name, out var seen) ? Merge(seen, type) : type;
                }
            },
        };

        using (var session = new InferenceSession(model, sessionOptions))
        {
            // The session may have inlined functions: index the nodes it actually runs.
            IndexNodes(model.Graph, graphOf);
            var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var input in session.Inputs) inputs[input.Name] = ZeroInput(input);
            session.Run(inputs);
        }

        foreach (var (graph, values) in recorded) Write(graph, values);
        var main = recorded.TryGetValue(model.Graph, out var m) ? m : new(StringComparer.Ordinal);
        var result = new Dictionary<string, TensorTypeInfo>(StringComparer.Ordinal);
        foreach (var i in model.Graph.Inputs)
            if (i.Type is TensorTypeInfo t) result[i.Name] = t;
        foreach (var (name, t) in model.Graph.Initializers)
            result[name] = new TensorTypeInfo(t.Type, t.Shape.Select(d => Dim.Known(d)).ToArray());
        foreach (var (name, t) in main) result[name] = t;
        return result;
    }

    private Tensor ZeroInput(ValueInfo input)
    {
        if (_options.InputShapes.TryGetValue(input.Name, out var given))
        {
            var elementType = input.Type is TensorTypeInfo { ElementType: not DataType.Undefined } tt ? tt.ElementType : DataType.Float;
            return Tensor.Zeros(elementType, given);
        }
        if (input.Type is not TensorTypeInfo t)
            throw new InvalidInputException($"input '{input.Name}' is not a tensor ({input.Type?.ToString() ?? "no declared type"}); shapes cannot be inferred by running");
        if (t.Shape is null)
            throw new InvalidInputException($"input '{input.Name}' has unknown rank; give its shape");
        if (t.ElementType == DataType.Undefined)
            throw new InvalidInputException($"input '{input.Name}' has no element type");
        var shape = new int[t.Shape.Length];
        for (int d = 0; d < shape.Length; d++)
        {
            var dim = t.Shape[d];
            shape[d] = dim.Value is long v ? checked((int)v)
                : dim.Param is { } p && _options.SymbolValues.TryGetValue(p, out int s) ? s
                : _options.DefaultSymbolValue;
        }
        try
        {
            return Tensor.Zeros(t.ElementType, shape);
        }
        catch (ArgumentException e)
        {
            throw new InvalidInputException($"input '{input.Name}': cannot make a {Tensor.FormatShape(shape)} tensor: {e.Message}", e);
        }
    }

    /// <summary>Where two runs of a value disagree, the dimension (or the rank) becomes unknown.</summary>
    private static TensorTypeInfo Merge(TensorTypeInfo a, TensorTypeInfo b)
    {
        if (a.Shape is null || b.Shape is null || a.Shape.Length != b.Shape.Length) return a with { Shape = null };
        if (a.Shape.AsSpan().SequenceEqual(b.Shape)) return a;
        return a with { Shape = a.Shape.Zip(b.Shape, (x, y) => x == y ? x : Dim.Unknown).ToArray() };
    }

    /// <summary>Writes recorded types into ValueInfos; declared graph outputs keep their known and symbolic dimensions.</summary>
    private static void Write(Graph graph, Dictionary<string, TensorTypeInfo> values)
    {
        var inputs = new HashSet<string>(graph.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        foreach (var output in graph.Outputs)
            if (values.TryGetValue(output.Name, out var t) && !inputs.Contains(output.Name))
                output.Type = Combine(output.Type, t);
        foreach (var (name, t) in values)
        {
            if (inputs.Contains(name) || graph.Initializers.ContainsKey(name)) continue;
            var existing = graph.ValueInfos.FirstOrDefault(v => v.Name == name);
            if (existing is null) graph.ValueInfos.Add(new ValueInfo(name, t));
            else existing.Type = Combine(existing.Type, t);
        }
    }

    private static TypeInfo Combine(TypeInfo? declared, TensorTypeInfo inferred)
    {
        if (declared is not TensorTypeInfo d || d.Shape is null || inferred.Shape is null || d.Shape.Length != inferred.Shape.Length)
            return inferred;
        var shape = new Dim[d.Shape.Length];
        for (int i = 0; i < shape.Length; i++)
            shape[i] = d.Shape[i].IsKnown || d.Shape[i].Param is not null ? d.Shape[i] : inferred.Shape[i];
        return new TensorTypeInfo(d.ElementType == DataType.Undefined ? inferred.ElementType : d.ElementType, shape);
    }

    private static void IndexNodes(Graph graph, Dictionary<Node, Graph> graphOf)
    {
        foreach (var n in graph.Nodes)
        {
            graphOf[n] = graph;
            foreach (var g in n.Subgraphs()) IndexNodes(g, graphOf);
        }
    }
}

/// <summary>Helpers shared by the inspector and the shape inference.</summary>
internal static class ShapeText
{
    public static string Format(Dim[]? shape) => shape is null ? "?" : "[" + string.Join(",", shape.Select(d => d.ToString())) + "]";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long? Product(Dim[] shape, int from = 0, int to = int.MaxValue)
    {
        long p = 1;
        for (int i = from; i < Math.Min(to, shape.Length); i++)
        {
            if (shape[i].Value is not long v) return null;
            p *= v;
        }
        return p;
    }
}

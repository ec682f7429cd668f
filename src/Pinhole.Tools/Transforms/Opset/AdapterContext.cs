using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>What adapters may do to a graph: add constants and nodes, and ask for a value's inferred type.</summary>
internal sealed class AdapterContext(Model model, Graph graph)
{
    private readonly List<(Node Before, Node Added)> _insertBefore = [];
    private readonly List<(Node After, Node Added)> _insertAfter = [];
    private readonly HashSet<string> _names = new(graph.Inputs.Select(i => i.Name).Concat(graph.Initializers.Keys)
        .Concat(graph.Nodes.SelectMany(n => n.Outputs)).Concat(graph.Nodes.Select(n => n.Name)), StringComparer.Ordinal);
    private IReadOnlyDictionary<string, TensorTypeInfo>? _types;

    public Graph Graph => graph;

    public string UniqueName(string stem)
    {
        string name = stem;
        for (int k = 1; !_names.Add(name); k++) name = $"{stem}_{k}";
        return name;
    }

    /// <summary>Adds an initializer and returns its name.</summary>
    public string AddConstant(string stem, Tensor value)
    {
        string name = UniqueName(stem);
        graph.Initializers[name] = value;
        return name;
    }

    public void InsertBefore(Node anchor, Node added) => _insertBefore.Add((anchor, added));

    public void InsertAfter(Node anchor, Node added) => _insertAfter.Add((anchor, added));

    /// <summary>The element type and shape of a value, from the model's declarations and static shape inference (main graph only).</summary>
    public TensorTypeInfo? TypeOf(string value)
    {
        if (graph.Initializers.TryGetValue(value, out var t)) return new TensorTypeInfo(t.Type, t.Shape.Select(d => Dim.Known(d)).ToArray());
        if (ReferenceEquals(graph, model.Graph))
        {
            _types ??= new StaticShapeInference().Infer(model);
            if (_types.TryGetValue(value, out var inferred)) return inferred;
        }
        return graph.TypeOf(value) as TensorTypeInfo;
    }

    /// <summary>Places the added nodes next to their anchors (in reverse order so that several added after one anchor keep their order).</summary>
    public void Commit()
    {
        foreach (var (before, added) in _insertBefore) graph.Nodes.Insert(graph.Nodes.IndexOf(before), added);
        for (int i = _insertAfter.Count - 1; i >= 0; i--)
        {
            var (after, added) = _insertAfter[i];
            graph.Nodes.Insert(graph.Nodes.IndexOf(after) + 1, added);
        }
        _insertBefore.Clear();
        _insertAfter.Clear();
    }
}

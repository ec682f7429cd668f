namespace Pinhole.IR;

/// <summary>Deep copies of models and graphs: nodes, value infos and subgraphs are copied; tensors are shared.</summary>
public static class GraphCloning
{
    /// <summary>A copy of <paramref name="model"/> whose graph, functions and imports can be changed without touching the original.</summary>
    public static Model Clone(this Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var copy = new Model
        {
            IrVersion = model.IrVersion,
            ProducerName = model.ProducerName,
            ProducerVersion = model.ProducerVersion,
            Domain = model.Domain,
            ModelVersion = model.ModelVersion,
            DocString = model.DocString,
            Graph = model.Graph.Clone(),
            // The copy constructor, not a loop: enumerating a dictionary of long values is JIT-compiled at every start.
            OpsetImports = new Dictionary<string, long>(model.OpsetImports, StringComparer.Ordinal),
        };
        foreach (var (k, v) in model.MetadataProps) copy.MetadataProps[k] = v;
        foreach (var f in model.Functions)
        {
            var fc = new Function { Name = f.Name, Domain = f.Domain, DocString = f.DocString };
            fc.Inputs.AddRange(f.Inputs);
            fc.Outputs.AddRange(f.Outputs);
            fc.AttributeNames.AddRange(f.AttributeNames);
            foreach (var (k, v) in f.AttributeDefaults) fc.AttributeDefaults[k] = v;
            foreach (var (k, v) in f.OpsetImports) fc.OpsetImports[k] = v;
            fc.Nodes.AddRange(f.Nodes.Select(n => n.Clone()));
            copy.Functions.Add(fc);
        }
        return copy;
    }

    /// <summary>A copy of <paramref name="graph"/>: its nodes (and their subgraphs) and value infos are new objects; initializer tensors are shared.</summary>
    public static Graph Clone(this Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var copy = new Graph { Name = graph.Name, DocString = graph.DocString };
        copy.Nodes.AddRange(graph.Nodes.Select(n => n.Clone()));
        copy.Inputs.AddRange(graph.Inputs.Select(Clone));
        copy.Outputs.AddRange(graph.Outputs.Select(Clone));
        copy.ValueInfos.AddRange(graph.ValueInfos.Select(Clone));
        foreach (var (k, v) in graph.Initializers) copy.Initializers[k] = v;
        return copy;
    }

    /// <summary>A copy of <paramref name="node"/> with its own input/output lists and deep-copied subgraph attributes.</summary>
    public static Node Clone(this Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var copy = new Node(node.OpType, node.Inputs, node.Outputs, node.Domain, node.Name) { DocString = node.DocString };
        foreach (var (k, a) in node.Attributes)
        {
            copy.Attributes[k] = a.Graph is null && a.Graphs.Length == 0 ? a : a.Copy(mapGraph: g => g.Clone());
        }
        return copy;
    }

    private static ValueInfo Clone(ValueInfo v) => new(v.Name, v.Type) { DocString = v.DocString };
}

using Pinhole.IR;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>GraphProto to <see cref="Graph"/>: values, initializers (sparse ones densified) and nodes.</summary>
internal static class GraphImporter
{
    /// <param name="owner">What holds the graph ("model", "attribute 'body' of node ..."), for messages.</param>
    public static Graph Import(GraphProto p, ImportContext context, string owner)
    {
        string label = $"graph '{p.Name}' ({owner})";
        using var depth = context.EnterSubgraph(label);
        var graph = new Graph { Name = p.Name, DocString = p.HasDocString ? p.DocString : null };
        foreach (var v in p.Input) graph.Inputs.Add(TypeImporter.ImportValueInfo(v, $"{label}: input"));
        foreach (var v in p.Output) graph.Outputs.Add(TypeImporter.ImportValueInfo(v, $"{label}: output"));
        foreach (var v in p.ValueInfo) graph.ValueInfos.Add(TypeImporter.ImportValueInfo(v, $"{label}: value_info"));

        for (int i = 0; i < p.Initializer.Count; i++)
        {
            var t = p.Initializer[i];
            if (t.Name.Length == 0) throw new InvalidModelException($"{label}: initializer {i} has no name");
            AddInitializer(graph, t.Name, TensorImporter.Import(t, context.ExternalData, $"initializer '{t.Name}'"), label);
        }
        for (int i = 0; i < p.SparseInitializer.Count; i++)
        {
            var s = p.SparseInitializer[i];
            string name = SparseTensorImporter.NameOf(s);
            if (name.Length == 0) throw new InvalidModelException($"{label}: sparse initializer {i} has no name");
            AddInitializer(graph, name, SparseTensorImporter.Import(s, context, $"sparse initializer '{name}'"), label);
        }
        foreach (var n in p.Node) graph.Nodes.Add(NodeImporter.Import(n, context, label));
        return graph;
    }

    private static void AddInitializer(Graph graph, string name, Tensor tensor, string label)
    {
        if (!graph.Initializers.TryAdd(name, tensor))
            throw new InvalidModelException($"{label}: initializer '{name}' is defined twice");
    }
}

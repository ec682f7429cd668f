using Pinhole.IR;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Export;

/// <summary><see cref="Graph"/> and <see cref="Node"/> to GraphProto and NodeProto. All tensor data is written inline.</summary>
internal static class GraphExporter
{
    public static GraphProto Export(Graph g)
    {
        var p = new GraphProto { Name = g.Name };
        if (g.DocString is not null) p.DocString = g.DocString;
        p.Input.AddRange(g.Inputs.Select(TypeExporter.Export));
        p.Output.AddRange(g.Outputs.Select(TypeExporter.Export));
        p.ValueInfo.AddRange(g.ValueInfos.Select(TypeExporter.Export));
        foreach (var (name, tensor) in g.Initializers) p.Initializer.Add(TensorExporter.Export(tensor, name));
        p.Node.AddRange(g.Nodes.Select(Export));
        return p;
    }

    public static NodeProto Export(Node n)
    {
        var p = new NodeProto { OpType = n.OpType };
        if (n.Name.Length > 0) p.Name = n.Name;
        if (n.Domain.Length > 0) p.Domain = n.Domain;
        if (n.DocString is not null) p.DocString = n.DocString;
        p.Input.AddRange(n.Inputs);
        p.Output.AddRange(n.Outputs);
        p.Attribute.AddRange(n.Attributes.Values.Select(AttributeExporter.Export));
        return p;
    }
}

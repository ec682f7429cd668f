using Google.Protobuf;
using Pinhole.IR;
using Pinhole.Onnx.Proto;
using ProtoType = Pinhole.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace Pinhole.Onnx.Export;

/// <summary><see cref="NodeAttribute"/> to AttributeProto, recursing into subgraphs.</summary>
internal static class AttributeExporter
{
    public static AttributeProto Export(NodeAttribute a)
    {
        var p = new AttributeProto { Name = a.Name, Type = (ProtoType)(int)a.Type };
        if (a.RefAttrName is not null)
        {
            p.RefAttrName = a.RefAttrName;
            return p;
        }
        switch (a.Type)
        {
            case AttributeType.Float: p.F = a.Float; break;
            case AttributeType.Int: p.I = a.Int; break;
            case AttributeType.String: p.S = ByteString.CopyFrom(a.Bytes); break;
            case AttributeType.Tensor: p.T = TensorExporter.Export(Required(a.Tensor, a)); break;
            case AttributeType.SparseTensor: p.SparseTensor = SparseTensorExporter.Export(Required(a.Tensor, a)); break;
            case AttributeType.Graph: p.G = GraphExporter.Export(Required(a.Graph, a)); break;
            case AttributeType.TypeProto: if (a.TypeProto is not null) p.Tp = TypeExporter.Export(a.TypeProto); break;
            case AttributeType.Floats: p.Floats.AddRange(a.Floats); break;
            case AttributeType.Ints: p.Ints.AddRange(a.Ints); break;
            case AttributeType.Strings: p.Strings.AddRange(a.StringList.Select(ByteString.CopyFrom)); break;
            case AttributeType.Tensors: p.Tensors.AddRange(a.Tensors.Select(t => TensorExporter.Export(t))); break;
            case AttributeType.SparseTensors: p.SparseTensors.AddRange(a.Tensors.Select(t => SparseTensorExporter.Export(t))); break;
            case AttributeType.Graphs: p.Graphs.AddRange(a.Graphs.Select(GraphExporter.Export)); break;
            case AttributeType.TypeProtos: p.TypeProtos.AddRange(a.TypeProtos.Select(TypeExporter.Export)); break;
            default: throw new ArgumentException($"attribute '{a.Name}' has type {a.Type}, which has no ONNX form", nameof(a));
        }
        return p;
    }

    private static T Required<T>(T? value, NodeAttribute a) where T : class =>
        value ?? throw new ArgumentException($"attribute '{a.Name}' of type {a.Type} has no value", nameof(a));
}

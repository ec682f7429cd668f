using Pinhole.IR;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Export;

/// <summary>IR types to TypeProto and ValueInfoProto.</summary>
internal static class TypeExporter
{
    public static ValueInfoProto Export(ValueInfo v)
    {
        var p = new ValueInfoProto { Name = v.Name };
        if (v.Type is not null) p.Type = Export(v.Type);
        if (v.DocString is not null) p.DocString = v.DocString;
        return p;
    }

    public static TypeProto Export(TypeInfo type) => type switch
    {
        TensorTypeInfo t => new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor { ElemType = (int)t.ElementType, Shape = Shape(t.Shape) },
        },
        SparseTensorTypeInfo t => new TypeProto
        {
            SparseTensorType = new TypeProto.Types.SparseTensor { ElemType = (int)t.ElementType, Shape = Shape(t.Shape) },
        },
        SequenceTypeInfo s => new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = Optional(s.ElementType) } },
        OptionalTypeInfo o => new TypeProto { OptionalType = new TypeProto.Types.Optional { ElemType = Optional(o.ElementType) } },
        MapTypeInfo m => new TypeProto
        {
            MapType = new TypeProto.Types.Map { KeyType = (int)m.KeyType, ValueType = Optional(m.ValueType) },
        },
        _ => throw new ArgumentException($"no ONNX form for type {type}", nameof(type)),
    };

    private static TypeProto? Optional(TypeInfo? type) => type is null ? null : Export(type);

    private static TensorShapeProto? Shape(Dim[]? dims)
    {
        if (dims is null) return null;
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Value is long v) dim.DimValue = v;
            else if (d.Param is { Length: > 0 } param) dim.DimParam = param;
            shape.Dim.Add(dim);
        }
        return shape;
    }
}

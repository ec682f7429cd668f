using Pinhole.IR;
using Pinhole.Onnx.Data;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>TypeProto and ValueInfoProto to IR types. Denotations are not kept.</summary>
internal static class TypeImporter
{
    public static ValueInfo ImportValueInfo(ValueInfoProto proto, string what)
    {
        string label = $"{what} '{proto.Name}'";
        if (proto.Name.Length == 0) throw new InvalidModelException($"{what} has no name");
        return new ValueInfo(proto.Name, Import(proto.Type, label)) { DocString = proto.HasDocString ? proto.DocString : null };
    }

    /// <summary>The declared type, or null when the proto leaves it unset (or uses a kind the IR cannot hold, such as opaque).</summary>
    public static TypeInfo? Import(TypeProto? proto, string what) => proto?.ValueCase switch
    {
        TypeProto.ValueOneofCase.TensorType => new TensorTypeInfo(
            ElementTypes.ForDeclaration(proto.TensorType.ElemType, what), Shape(proto.TensorType.Shape)),
        TypeProto.ValueOneofCase.SparseTensorType => new SparseTensorTypeInfo(
            ElementTypes.ForDeclaration(proto.SparseTensorType.ElemType, what), Shape(proto.SparseTensorType.Shape)),
        TypeProto.ValueOneofCase.SequenceType => new SequenceTypeInfo(Import(proto.SequenceType.ElemType, what)),
        TypeProto.ValueOneofCase.OptionalType => new OptionalTypeInfo(Import(proto.OptionalType.ElemType, what)),
        TypeProto.ValueOneofCase.MapType => new MapTypeInfo(
            ElementTypes.ForDeclaration(proto.MapType.KeyType, what + " (map key)"), Import(proto.MapType.ValueType, what)),
        _ => null,
    };

    /// <summary>A loop, not LINQ: Select into the Dim struct is an instantiation the JIT compiles at every process start.</summary>
    private static Dim[]? Shape(TensorShapeProto? shape)
    {
        if (shape is null) return null;
        var dims = new Dim[shape.Dim.Count];
        for (int i = 0; i < dims.Length; i++) dims[i] = Dim(shape.Dim[i]);
        return dims;
    }

    // Exporters write -1 or leave both unset for unknown sizes; both become Dim.Unknown.
    private static Dim Dim(TensorShapeProto.Types.Dimension d) => d.ValueCase switch
    {
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue when d.DimValue >= 0 => IR.Dim.Known(d.DimValue),
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when d.DimParam.Length > 0 => IR.Dim.Symbol(d.DimParam),
        _ => IR.Dim.Unknown,
    };
}

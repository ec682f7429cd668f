using Pinhole.IR;
using Pinhole.Onnx.Proto;
using ProtoType = Pinhole.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace Pinhole.Onnx.Import;

/// <summary>AttributeProto to <see cref="NodeAttribute"/>, recursing into subgraphs. Sparse tensors are densified.</summary>
internal static class AttributeImporter
{
    public static NodeAttribute Import(AttributeProto p, ImportContext context, string owner)
    {
        string what = $"attribute '{p.Name}' of {owner}";
        if (p.Name.Length == 0) throw new InvalidModelException($"{owner} has an attribute without a name");
        if (p.Type == ProtoType.Undefined)
            throw new InvalidModelException($"{what} has no type");
        // AttributeProto types run from FLOAT (1) to TYPE_PROTOS (14). A range check, not Enum.IsDefined, whose
        // instantiation the JIT compiles at every start.
        if ((int)p.Type is < 1 or > 14)
            throw new InvalidModelException($"{what} has unknown attribute type {(int)p.Type}");
        var type = (AttributeType)(int)p.Type;
        string? refName = p.HasRefAttrName && p.RefAttrName.Length > 0 ? p.RefAttrName : null;
        if (refName is not null)
            // A reference to an attribute of the enclosing function carries no value of its own.
            return new NodeAttribute(p.Name, type) { RefAttrName = refName, };

        return type switch
        {
            AttributeType.Float => new(p.Name, type) { Float = p.F },
            AttributeType.Int => new(p.Name, type) { Int = p.I },
            AttributeType.String => new(p.Name, type) { Bytes = p.S.ToByteArray() },
            AttributeType.Tensor => new(p.Name, type) { Tensor = Tensor(Required(p.T, what), context, what) },
            AttributeType.SparseTensor => new(p.Name, type)
            {
                Tensor = SparseTensorImporter.Import(Required(p.SparseTensor, what), context, $"sparse tensor in {what}"),
            },
            AttributeType.Graph => new(p.Name, type) { Graph = GraphImporter.Import(Required(p.G, what), context, what) },
            AttributeType.TypeProto => new(p.Name, type) { TypeProto = TypeImporter.Import(Required(p.Tp, what), what) },
            AttributeType.Floats => new(p.Name, type) { Floats = [.. p.Floats] },
            AttributeType.Ints => new(p.Name, type) { Ints = [.. p.Ints] },
            AttributeType.Strings => new(p.Name, type) { StringList = p.Strings.Select(s => s.ToByteArray()).ToArray() },
            AttributeType.Tensors => new(p.Name, type)
            {
                Tensors = p.Tensors.Select((t, i) => Tensor(t, context, $"tensor {i} of {what}")).ToArray(),
            },
            AttributeType.SparseTensors => new(p.Name, type)
            {
                Tensors = p.SparseTensors.Select((t, i) => SparseTensorImporter.Import(t, context, $"sparse tensor {i} of {what}")).ToArray(),
            },
            AttributeType.Graphs => new(p.Name, type)
            {
                Graphs = p.Graphs.Select((g, i) => GraphImporter.Import(g, context, $"graph {i} of {what}")).ToArray(),
            },
            AttributeType.TypeProtos => new(p.Name, type)
            {
                TypeProtos = p.TypeProtos.Select((t, i) => TypeImporter.Import(t, $"type {i} of {what}")
                    ?? throw new InvalidModelException($"type {i} of {what} is empty")).ToArray(),
            },
            _ => throw new InvalidModelException($"{what} has unknown attribute type {(int)p.Type}"),
        };
    }

    private static Tensor Tensor(TensorProto t, ImportContext context, string what) =>
        TensorImporter.Import(t, context.ExternalData, t.Name.Length > 0 ? $"tensor '{t.Name}' in {what}" : $"tensor in {what}");

    private static T Required<T>(T? value, string what) where T : class =>
        value ?? throw new InvalidModelException($"{what} has no value");
}

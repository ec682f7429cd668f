namespace Pinhole.IR;

public enum AttributeType
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    SparseTensor = 11,
    TypeProto = 13,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
    SparseTensors = 12,
    TypeProtos = 14,
}

/// <summary>A node attribute. Exactly the field matching <see cref="Type"/> is set.</summary>
public sealed class NodeAttribute
{
    public NodeAttribute(string name, AttributeType type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }
    public AttributeType Type { get; }
    public float Float { get; init; }
    public long Int { get; init; }

    /// <summary>Raw bytes of a string attribute (ONNX strings are bytes; usually UTF-8).</summary>
    public byte[] Bytes { get; init; } = [];
    public Tensor? Tensor { get; init; }
    public Graph? Graph { get; init; }
    public TypeInfo? TypeProto { get; init; }
    public float[] Floats { get; init; } = [];
    public long[] Ints { get; init; } = [];
    public byte[][] StringList { get; init; } = [];
    public Tensor[] Tensors { get; init; } = [];
    public Graph[] Graphs { get; init; } = [];
    public TypeInfo[] TypeProtos { get; init; } = [];

    /// <summary>When set, this attribute refers to an attribute of the enclosing function.</summary>
    public string? RefAttrName { get; init; }

    public string String => System.Text.Encoding.UTF8.GetString(Bytes);
    public string[] Strings => StringList.Select(b => System.Text.Encoding.UTF8.GetString(b)).ToArray();

    public static NodeAttribute Of(string name, long value) => new(name, AttributeType.Int) { Int = value };
    public static NodeAttribute Of(string name, float value) => new(name, AttributeType.Float) { Float = value };
    public static NodeAttribute Of(string name, string value) =>
        new(name, AttributeType.String) { Bytes = System.Text.Encoding.UTF8.GetBytes(value) };
    public static NodeAttribute Of(string name, long[] values) => new(name, AttributeType.Ints) { Ints = values };
    public static NodeAttribute Of(string name, float[] values) => new(name, AttributeType.Floats) { Floats = values };
    public static NodeAttribute Of(string name, Tensor value) => new(name, AttributeType.Tensor) { Tensor = value };
    public static NodeAttribute Of(string name, Graph value) => new(name, AttributeType.Graph) { Graph = value };

    /// <summary>A copy under another name and/or with its subgraphs mapped (for cloning and function inlining).</summary>
    public NodeAttribute Copy(string? name = null, Func<Graph, Graph>? mapGraph = null) => new(name ?? Name, Type)
    {
        Float = Float,
        Int = Int,
        Bytes = Bytes,
        Tensor = Tensor,
        Graph = Graph is null || mapGraph is null ? Graph : mapGraph(Graph),
        TypeProto = TypeProto,
        Floats = Floats,
        Ints = Ints,
        StringList = StringList,
        Tensors = Tensors,
        Graphs = mapGraph is null ? Graphs : Graphs.Select(mapGraph).ToArray(),
        TypeProtos = TypeProtos,
        RefAttrName = name is null ? RefAttrName : null,
    };

    public override string ToString() => Type switch
    {
        AttributeType.Int => $"{Name}={Int}",
        AttributeType.Float => $"{Name}={Float}",
        AttributeType.String => $"{Name}=\"{String}\"",
        AttributeType.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        AttributeType.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        _ => $"{Name}:{Type}",
    };
}

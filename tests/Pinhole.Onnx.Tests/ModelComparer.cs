using Pinhole.IR;

namespace Pinhole.Onnx.Tests;

/// <summary>Structural comparison of IR models, reporting the path to the first difference.</summary>
public static class ModelComparer
{
    public static void AssertEqual(Model expected, Model actual)
    {
        string? difference = Compare(expected, actual);
        if (difference is not null) Xunit.Assert.Fail("models differ at " + difference);
    }

    public static string? Compare(Model a, Model b) =>
        Diff("ir_version", a.IrVersion, b.IrVersion)
        ?? Dict("opset_import", a.OpsetImports, b.OpsetImports)
        ?? Diff("producer_name", a.ProducerName, b.ProducerName)
        ?? Diff("producer_version", a.ProducerVersion, b.ProducerVersion)
        ?? Diff("domain", a.Domain, b.Domain)
        ?? Diff("model_version", a.ModelVersion, b.ModelVersion)
        ?? Diff("doc_string", a.DocString, b.DocString)
        ?? Dict("metadata_props", a.MetadataProps, b.MetadataProps)
        ?? List("functions", a.Functions, b.Functions, Function)
        ?? Graph("graph", a.Graph, b.Graph);

    private static string? Function(string at, Function a, Function b) =>
        Diff(at + ".name", a.Name, b.Name)
        ?? Diff(at + ".domain", a.Domain, b.Domain)
        ?? Seq(at + ".input", a.Inputs, b.Inputs)
        ?? Seq(at + ".output", a.Outputs, b.Outputs)
        ?? Seq(at + ".attribute", a.AttributeNames, b.AttributeNames)
        ?? List(at + ".attribute_proto", a.AttributeDefaults.Values.ToList(), b.AttributeDefaults.Values.ToList(), Attribute)
        ?? Dict(at + ".opset_import", a.OpsetImports, b.OpsetImports)
        ?? Diff(at + ".doc_string", a.DocString, b.DocString)
        ?? List(at + ".node", a.Nodes, b.Nodes, Node);

    public static string? Graph(string at, Graph a, Graph b) =>
        Diff(at + ".name", a.Name, b.Name)
        ?? Diff(at + ".doc_string", a.DocString, b.DocString)
        ?? List(at + ".input", a.Inputs, b.Inputs, Value)
        ?? List(at + ".output", a.Outputs, b.Outputs, Value)
        ?? List(at + ".value_info", a.ValueInfos, b.ValueInfos, Value)
        ?? Seq(at + ".initializer names", a.Initializers.Keys.ToList(), b.Initializers.Keys.ToList())
        ?? a.Initializers.Keys.Select(k => Tensor($"{at}.initializer['{k}']", a.Initializers[k], b.Initializers[k])).FirstOrDefault(d => d is not null)
        ?? List(at + ".node", a.Nodes, b.Nodes, Node);

    private static string? Node(string at, Node a, Node b)
    {
        at += $"('{a.Name}' {a.OpType})";
        return Diff(at + ".name", a.Name, b.Name)
            ?? Diff(at + ".op_type", a.OpType, b.OpType)
            ?? Diff(at + ".domain", a.Domain, b.Domain)
            ?? Diff(at + ".doc_string", a.DocString, b.DocString)
            ?? Seq(at + ".input", a.Inputs, b.Inputs)
            ?? Seq(at + ".output", a.Outputs, b.Outputs)
            ?? List(at + ".attribute", a.Attributes.Values.ToList(), b.Attributes.Values.ToList(), Attribute);
    }

    private static string? Attribute(string at, NodeAttribute a, NodeAttribute b)
    {
        at += $"('{a.Name}')";
        return Diff(at + ".name", a.Name, b.Name)
            ?? Diff(at + ".type", a.Type, b.Type)
            ?? Diff(at + ".ref_attr_name", a.RefAttrName, b.RefAttrName)
            ?? Diff(at + ".f", BitConverter.SingleToInt32Bits(a.Float), BitConverter.SingleToInt32Bits(b.Float))
            ?? Diff(at + ".i", a.Int, b.Int)
            ?? Seq(at + ".s", a.Bytes, b.Bytes)
            ?? Optional(at + ".t", a.Tensor, b.Tensor, Tensor)
            ?? Optional(at + ".g", a.Graph, b.Graph, Graph)
            ?? Optional(at + ".tp", a.TypeProto, b.TypeProto, Type)
            ?? Seq(at + ".floats", a.Floats.Select(BitConverter.SingleToInt32Bits).ToList(), b.Floats.Select(BitConverter.SingleToInt32Bits).ToList())
            ?? Seq(at + ".ints", a.Ints, b.Ints)
            ?? List(at + ".strings", a.StringList, b.StringList, (p, x, y) => Seq(p, x, y))
            ?? List(at + ".tensors", a.Tensors, b.Tensors, Tensor)
            ?? List(at + ".graphs", a.Graphs, b.Graphs, Graph)
            ?? List(at + ".type_protos", a.TypeProtos, b.TypeProtos, Type);
    }

    private static string? Value(string at, ValueInfo a, ValueInfo b) =>
        Diff(at + ".name", a.Name, b.Name)
        ?? Diff(at + $"('{a.Name}').doc_string", a.DocString, b.DocString)
        ?? Optional(at + $"('{a.Name}').type", a.Type, b.Type, Type);

    /// <summary>Records hold shapes as arrays, which record equality compares by reference; compare by content.</summary>
    public static string? Type(string at, TypeInfo a, TypeInfo b) => (a, b) switch
    {
        (TensorTypeInfo x, TensorTypeInfo y) => Diff(at + ".elem_type", x.ElementType, y.ElementType) ?? Dims(at, x.Shape, y.Shape),
        (SparseTensorTypeInfo x, SparseTensorTypeInfo y) => Diff(at + ".elem_type", x.ElementType, y.ElementType) ?? Dims(at, x.Shape, y.Shape),
        (SequenceTypeInfo x, SequenceTypeInfo y) => Optional(at + ".seq", x.ElementType, y.ElementType, Type),
        (OptionalTypeInfo x, OptionalTypeInfo y) => Optional(at + ".optional", x.ElementType, y.ElementType, Type),
        (MapTypeInfo x, MapTypeInfo y) => Diff(at + ".key", x.KeyType, y.KeyType) ?? Optional(at + ".value", x.ValueType, y.ValueType, Type),
        _ => $"{at}: {a} vs {b}",
    };

    private static string? Dims(string at, Dim[]? a, Dim[]? b) =>
        a is null || b is null ? Diff(at + ".shape", a is null, b is null) : Seq(at + ".shape", a, b);

    public static string? Tensor(string at, Tensor a, Tensor b)
    {
        string? d = Diff(at + ".type", a.Type, b.Type) ?? Seq(at + ".shape", a.Shape, b.Shape);
        if (d is not null) return d;
        if (a.Type == DataType.String) return Seq(at + ".strings", a.ReadOnlySpan<string>().ToArray(), b.ReadOnlySpan<string>().ToArray());
        return a.Bytes().SequenceEqual(b.Bytes()) ? null : at + ".data";
    }

    private static string? Optional<T>(string at, T? a, T? b, Func<string, T, T, string?> compare) where T : class =>
        a is null || b is null ? (a is null && b is null ? null : $"{at}: {(a is null ? "null" : "set")} vs {(b is null ? "null" : "set")}") : compare(at, a, b);

    private static string? List<T>(string at, IReadOnlyList<T> a, IReadOnlyList<T> b, Func<string, T, T, string?> compare)
    {
        if (a.Count != b.Count) return $"{at}: {a.Count} vs {b.Count} items";
        for (int i = 0; i < a.Count; i++)
            if (compare($"{at}[{i}]", a[i], b[i]) is string d) return d;
        return null;
    }

    private static string? Seq<T>(string at, IEnumerable<T> a, IEnumerable<T> b) =>
        a.SequenceEqual(b) ? null : $"{at}: [{string.Join(",", a)}] vs [{string.Join(",", b)}]";

    private static string? Dict<TValue>(string at, Dictionary<string, TValue> a, Dictionary<string, TValue> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && EqualityComparer<TValue>.Default.Equals(kv.Value, v))
            ? null : $"{at}: {{{string.Join(",", a)}}} vs {{{string.Join(",", b)}}}";

    private static string? Diff<T>(string at, T a, T b) =>
        EqualityComparer<T>.Default.Equals(a, b) ? null : $"{at}: '{a}' vs '{b}'";
}

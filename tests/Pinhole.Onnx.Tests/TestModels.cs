using System.Text;
using Pinhole.IR;

namespace Pinhole.Onnx.Tests;

/// <summary>Hand-built models for round-trip and error tests; none needs ../shared.</summary>
public static class TestModels
{
    /// <summary>Y = Relu(X) with X: float [N,3].</summary>
    public static Model Relu()
    {
        var model = new Model { IrVersion = 8, ProducerName = "pinhole-tests" };
        model.OpsetImports[""] = 17;
        var g = model.Graph;
        g.Name = "relu";
        g.Inputs.Add(new ValueInfo("X", new TensorTypeInfo(DataType.Float, [Dim.Symbol("N"), Dim.Known(3)])));
        g.Outputs.Add(new ValueInfo("Y", new TensorTypeInfo(DataType.Float, [Dim.Symbol("N"), Dim.Known(3)])));
        g.Initializers["W"] = Tensor.Vector(1f, 2f, 3f);
        g.Nodes.Add(new Node("Relu", ["X"], ["Y"], name: "relu"));
        return model;
    }

    /// <summary>Every attribute type, every declared type kind, every storable element type, subgraphs and a function.</summary>
    public static Model Everything()
    {
        var model = new Model
        {
            IrVersion = 10,
            ProducerName = "pinhole-tests",
            ProducerVersion = "1.0",
            Domain = "org.pinhole.test",
            ModelVersion = 7,
            DocString = "a model that uses every feature the IR holds",
        };
        model.OpsetImports[""] = 21;
        model.OpsetImports["test.custom"] = 1;
        model.MetadataProps["author"] = "tests";
        model.MetadataProps["ünïcode"] = "✓";

        var g = model.Graph;
        g.Name = "main";
        g.DocString = "main graph";
        var floatN3 = new TensorTypeInfo(DataType.Float, [Dim.Symbol("N"), Dim.Known(3)]);
        g.Inputs.Add(new ValueInfo("X", floatN3) { DocString = "the input" });
        g.Inputs.Add(new ValueInfo("C", new TensorTypeInfo(DataType.Bool, [])));
        g.Inputs.Add(new ValueInfo("S", new SequenceTypeInfo(new TensorTypeInfo(DataType.Float, null))));
        g.Inputs.Add(new ValueInfo("M", new MapTypeInfo(DataType.Int64, new TensorTypeInfo(DataType.Float, [Dim.Unknown]))));
        g.Inputs.Add(new ValueInfo("O", new OptionalTypeInfo(new TensorTypeInfo(DataType.Int32, [Dim.Known(2)]))));
        g.Inputs.Add(new ValueInfo("SP", new SparseTensorTypeInfo(DataType.Float, [Dim.Known(2), Dim.Known(2)])));
        g.Inputs.Add(new ValueInfo("U"));
        g.Outputs.Add(new ValueInfo("Y", floatN3));
        g.Outputs.Add(new ValueInfo("Z"));
        g.ValueInfos.Add(new ValueInfo("T", new TensorTypeInfo(DataType.Float16, [Dim.Symbol("N"), Dim.Known(3)])));

        foreach (var (name, tensor) in AllElementTypes()) g.Initializers[name] = tensor;

        var sub = Subgraph("then_branch", "X", "Y_then");
        g.Nodes.Add(new Node("Constant", [], ["K"], name: "const").WithAttribute(NodeAttribute.Of("value", Tensor.Vector(4L, 5L))));
        g.Nodes.Add(new Node("If", ["C"], ["Y"], name: "if")
            .WithAttribute(NodeAttribute.Of("then_branch", sub))
            .WithAttribute(NodeAttribute.Of("else_branch", Subgraph("else_branch", "X", "Y_else"))));
        var everything = new Node("Everything", ["X", "", "K"], ["Z", ""], "test.custom", "everything") { DocString = "all attributes" };
        foreach (var a in AllAttributeTypes()) everything.WithAttribute(a);
        g.Nodes.Add(everything);

        model.Functions.Add(Function());
        return model;
    }

    /// <summary>One tensor of each element type Pinhole stores, with awkward values (odd sub-byte counts, NaN, empty).</summary>
    public static IEnumerable<(string Name, Tensor Tensor)> AllElementTypes()
    {
        yield return ("f32", Tensor.FromArray(new[] { 1.5f, -0f, float.NaN, float.PositiveInfinity, 3e-40f, 6f }, [2, 3]));
        yield return ("f64", Tensor.Vector(Math.PI, -1e300));
        yield return ("f16", Tensor.Vector((Half)0.5f, Half.NegativeInfinity, (Half)(-2.25f)));
        yield return ("bf16", Tensor.Vector((BFloat16)1.5f, (BFloat16)(-3e38f)));
        yield return ("i8", Tensor.Vector<sbyte>(-128, 0, 127));
        yield return ("u8", Tensor.Vector<byte>(0, 200, 255));
        yield return ("i16", Tensor.Vector<short>(short.MinValue, 7));
        yield return ("u16", Tensor.Vector<ushort>(ushort.MaxValue, 1));
        yield return ("i32", Tensor.Vector(int.MinValue, int.MaxValue));
        yield return ("u32", Tensor.Vector(uint.MaxValue, 5u));
        yield return ("i64", Tensor.Vector(long.MinValue, 9L));
        yield return ("u64", Tensor.Vector(ulong.MaxValue, 3UL));
        yield return ("bool", Tensor.Vector(true, false, true));
        yield return ("str", Tensor.FromArray(new[] { "", "hello", "ünïcode ✓" }, [3]));
        yield return ("i4", Tensor.FromArray(DataType.Int4, new sbyte[] { -8, 7, -1, 0, 3 }, [5]));
        yield return ("u4", Tensor.FromArray(DataType.UInt4, new byte[] { 15, 0, 9 }, [3]));
        yield return ("i2", Tensor.FromArray(DataType.Int2, new sbyte[] { -2, 1, -1, 0, 1, -2, 0 }, [7]));
        yield return ("u2", Tensor.FromArray(DataType.UInt2, new byte[] { 3, 0, 1, 2, 3 }, [5]));
        yield return ("f8e4m3", Tensor.FromArray(DataType.Float8E4M3FN, new byte[] { 0x7E, 0x01 }, [2]));
        yield return ("f8e5m2", Tensor.FromArray(DataType.Float8E5M2FNUZ, new byte[] { 0x80, 0x3C }, [2]));
        yield return ("f4", Tensor.FromArray(DataType.Float4E2M1, new byte[] { 0xF, 0x1, 0x7 }, [3]));
        yield return ("e8m0", Tensor.FromArray(DataType.Float8E8M0, new byte[] { 127 }, [1]));
        yield return ("empty", Tensor.Zeros(DataType.Float, [0, 4]));
        yield return ("scalar", Tensor.Scalar(42L));
    }

    public static IEnumerable<NodeAttribute> AllAttributeTypes()
    {
        var dense = Tensor.FromArray(new[] { 0f, 2f, 0f, -1f, 0f, 0f }, [2, 3]);
        yield return NodeAttribute.Of("f", 0.25f);
        yield return NodeAttribute.Of("i", -7L);
        yield return new NodeAttribute("s", AttributeType.String) { Bytes = [0xFF, 0x00, 0x41] };
        yield return NodeAttribute.Of("t", Tensor.Vector((Half)1f, (Half)2f));
        yield return NodeAttribute.Of("g", Subgraph("g_body", "K", "g_out"));
        yield return new NodeAttribute("sparse", AttributeType.SparseTensor) { Tensor = dense };
        yield return new NodeAttribute("tp", AttributeType.TypeProto) { TypeProto = new SequenceTypeInfo(new TensorTypeInfo(DataType.String, [])) };
        yield return NodeAttribute.Of("floats", [1f, float.NaN, -0f]);
        yield return NodeAttribute.Of("ints", [1L, long.MaxValue]);
        yield return new NodeAttribute("strings", AttributeType.Strings) { StringList = [Encoding.UTF8.GetBytes("a"), [], Encoding.UTF8.GetBytes("ü")] };
        yield return new NodeAttribute("tensors", AttributeType.Tensors)
        {
            Tensors = [Tensor.FromArray(DataType.Int4, new sbyte[] { 1, -2, 3 }, [3]), Tensor.FromArray(new[] { "x" }, [1])],
        };
        yield return new NodeAttribute("graphs", AttributeType.Graphs) { Graphs = [Subgraph("first", "X", "o1"), Subgraph("second", "K", "o2")] };
        yield return new NodeAttribute("sparse_list", AttributeType.SparseTensors) { Tensors = [dense, Tensor.Zeros(DataType.Int64, [3])] };
        yield return new NodeAttribute("tps", AttributeType.TypeProtos)
        {
            TypeProtos = [new OptionalTypeInfo(new MapTypeInfo(DataType.String, new TensorTypeInfo(DataType.Double, null))), new SparseTensorTypeInfo(DataType.Int8, [Dim.Symbol("k")])],
        };
    }

    /// <summary>A body that reads <paramref name="outer"/> from the enclosing graph and nests one more level.</summary>
    public static Graph Subgraph(string name, string outer, string output)
    {
        var inner = new Graph { Name = name + "_inner" };
        inner.Outputs.Add(new ValueInfo(output + "_inner"));
        inner.Nodes.Add(new Node("Identity", [outer], [output + "_inner"]));

        var g = new Graph { Name = name };
        g.Outputs.Add(new ValueInfo(output, new TensorTypeInfo(DataType.Float, null)));
        g.Initializers[name + "_bias"] = Tensor.Scalar(1f);
        g.Nodes.Add(new Node("Loop", ["", ""], [output + "_loop"], name: name + "_loop").WithAttribute(NodeAttribute.Of("body", inner)));
        g.Nodes.Add(new Node("Add", [outer, name + "_bias"], [output], name: name + "_add"));
        return g;
    }

    private static Function Function()
    {
        var f = new Function { Name = "Scale", Domain = "test.custom", DocString = "y = x * alpha" };
        f.Inputs.Add("x");
        f.Outputs.Add("y");
        f.AttributeNames.Add("beta");
        f.AttributeDefaults["alpha"] = NodeAttribute.Of("alpha", 2f);
        f.OpsetImports[""] = 21;
        f.Nodes.Add(new Node("Constant", [], ["a"]).WithAttribute(new NodeAttribute("value_float", AttributeType.Float) { RefAttrName = "alpha" }));
        f.Nodes.Add(new Node("Mul", ["x", "a"], ["y"]));
        return f;
    }
}

using Pinhole.IR;
using Pinhole.Onnx.Proto;
using Xunit;

namespace Pinhole.Onnx.Tests;

/// <summary>Malformed input fails with a typed exception whose message names the part at fault.</summary>
public class BadInputTests
{
    private static ModelProto ReluProto() => ModelProto.Parser.ParseFrom(OnnxModel.ToBytes(TestModels.Relu()));

    private static TException Load<TException>(ModelProto proto, params string[] fragments) where TException : Exception =>
        Load<TException>(proto.ToByteArray(), fragments);

    private static TException Load<TException>(byte[] bytes, params string[] fragments) where TException : Exception
    {
        var e = Assert.Throws<TException>(() => OnnxModel.Load(bytes, null));
        foreach (string f in fragments) Assert.Contains(f, e.Message, StringComparison.Ordinal);
        return e;
    }

    private static TensorProto Initializer(ModelProto proto, string name, DataType type, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        t.Dims.AddRange(dims);
        proto.Graph.Initializer.Add(t);
        return t;
    }

    [Fact]
    public void TruncatedFile()
    {
        byte[] bytes = OnnxModel.ToBytes(TestModels.Everything());
        foreach (int length in new[] { 1, 7, bytes.Length / 3, bytes.Length / 2, bytes.Length - 1 })
            Assert.ThrowsAny<InvalidModelException>(() => OnnxModel.Load(bytes.AsSpan(0, length), null));
    }

    [Fact]
    public void RandomBytes()
    {
        var random = new Random(1234);
        for (int i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(1, 4096)];
            random.NextBytes(bytes);
            var e = Record.Exception(() => OnnxModel.Load(bytes, null));
            Assert.True(e is InvalidModelException or UnsupportedModelException, $"random input {i}: {e?.GetType().Name ?? "loaded"}: {e?.Message}");
        }
    }

    [Fact]
    public void EmptyOrForeignFile()
    {
        Assert.Contains("ir_version", Assert.Throws<InvalidModelException>(() => OnnxModel.Load([], null)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidModelException>(() => OnnxModel.Load("TFL3 not an onnx file"u8, null));
    }

    [Fact]
    public void FilesOver2GiBAreRefusedUnread()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "big.onnx");
        using (var f = File.Create(path)) f.SetLength((long)int.MaxValue + 1); // sparse: no disk space used
        Assert.Contains("2 GiB", Assert.Throws<InvalidModelException>(() => OnnxModel.Load(path)).Message, StringComparison.Ordinal);
        Assert.Contains("2 GiB", Assert.Throws<InvalidModelException>(() => OnnxTensorFile.Read(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeDimsDoNotAllocate()
    {
        var proto = ReluProto();
        Initializer(proto, "huge", DataType.Float, 100000, 100000, 100000).FloatData.Add(1f);
        Load<InvalidModelException>(proto, "'huge'", "[100000,100000,100000]");
    }

    [Fact]
    public void DimsJustUnderTheLimitWithoutDataDoNotAllocate()
    {
        var proto = ReluProto();
        Initializer(proto, "big", DataType.Double, 2, 1000, 1000, 1000);
        Load<InvalidModelException>(proto, "'big'", "no data");
    }

    [Fact]
    public void NegativeDims()
    {
        var proto = ReluProto();
        Initializer(proto, "neg", DataType.Float, 2, -3);
        Load<InvalidModelException>(proto, "'neg'", "negative dimension -3");
    }

    [Fact]
    public void RawDataTooShort()
    {
        var proto = ReluProto();
        Initializer(proto, "short", DataType.Float, 2, 3).RawData = ByteString.CopyFrom(new byte[20]);
        Load<InvalidModelException>(proto, "'short'", "needs 24 bytes", "has 20");
    }

    [Fact]
    public void TypedDataCountMismatch()
    {
        var proto = ReluProto();
        Initializer(proto, "few", DataType.Int64, 4).Int64Data.AddRange([1, 2, 3]);
        Load<InvalidModelException>(proto, "'few'", "3 values in int64_data", "need 4");
    }

    [Fact]
    public void UnknownDataType()
    {
        var proto = ReluProto();
        Initializer(proto, "odd", (DataType)99, 1).RawData = ByteString.CopyFrom(new byte[4]);
        Load<InvalidModelException>(proto, "'odd'", "unknown data_type 99");
    }

    [Fact]
    public void UndefinedDataTypeAndComplex()
    {
        var proto = ReluProto();
        Initializer(proto, "undef", DataType.Undefined, 1);
        Load<InvalidModelException>(proto, "'undef'", "UNDEFINED");
        proto = ReluProto();
        Initializer(proto, "cplx", DataType.Complex128, 1).DoubleData.AddRange([1, 2]);
        Load<UnsupportedModelException>(proto, "'cplx'", "complex128");
    }

    [Fact]
    public void StringTensorWithRawData()
    {
        var proto = ReluProto();
        Initializer(proto, "s", DataType.String, 1).RawData = ByteString.CopyFromUtf8("abcd");
        Load<InvalidModelException>(proto, "'s'", "string_data");
    }

    [Theory]
    [InlineData(15)] // one past TYPE_PROTOS, the last type
    [InlineData(42)]
    [InlineData(-1)]
    public void UnknownAttributeType(int type)
    {
        var proto = ReluProto();
        proto.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "weird", Type = (AttributeProto.Types.AttributeType)type, I = 1 });
        Load<InvalidModelException>(proto, "'weird'", "'relu'", $"unknown attribute type {type}");
    }

    [Fact]
    public void AttributeWithoutValueOrType()
    {
        var proto = ReluProto();
        proto.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "t", Type = AttributeProto.Types.AttributeType.Tensor });
        Load<InvalidModelException>(proto, "'t'", "'relu'", "no value");
        proto = ReluProto();
        proto.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "untyped", I = 3 });
        Load<InvalidModelException>(proto, "'untyped'", "no type");
    }

    [Fact]
    public void BadTensorInAttributeNamesNodeAndAttribute()
    {
        var proto = ReluProto();
        var t = new TensorProto { Name = "v", DataType = (int)DataType.Float, Dims = { 2 }, RawData = ByteString.CopyFrom(new byte[3]) };
        proto.Graph.Node.Add(new NodeProto { OpType = "Constant", Name = "c", Output = { "k" }, Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = t } } });
        Load<InvalidModelException>(proto, "tensor 'v'", "attribute 'value'", "node 'c' (Constant)", "needs 8 bytes");
    }

    [Fact]
    public void EmptyOpType()
    {
        var proto = ReluProto();
        proto.Graph.Node[0].OpType = "";
        Load<InvalidModelException>(proto, "node 'relu'", "empty op_type");
    }

    [Fact]
    public void IrVersionAndOpsetOutOfRange()
    {
        var proto = ReluProto();
        proto.IrVersion = 14;
        Load<UnsupportedModelException>(proto, "ir_version 14");
        proto.IrVersion = 2;
        Load<UnsupportedModelException>(proto, "ir_version 2");
        proto = ReluProto();
        proto.OpsetImport[0].Version = OnnxModel.MaxOpsetVersion + 1;
        Load<UnsupportedModelException>(proto, $"opset {OnnxModel.MaxOpsetVersion + 1}");
        proto.OpsetImport[0].Version = 0;
        Load<UnsupportedModelException>(proto, "opset 0");
    }

    [Fact]
    public void MissingGraphAndDuplicates()
    {
        var proto = ReluProto();
        proto.Graph = null;
        Load<InvalidModelException>(proto, "no graph");
        proto = ReluProto();
        proto.Graph.Initializer.Add(proto.Graph.Initializer[0].Clone());
        Load<InvalidModelException>(proto, "'W'", "twice");
    }

    [Fact]
    public void ValidateRunsAfterLoad()
    {
        var proto = ReluProto();
        proto.Graph.Node[0].Input[0] = "nowhere";
        Load<InvalidModelException>(proto, "'relu'", "'nowhere'");
        Assert.NotNull(OnnxModel.Load(proto.ToByteArray(), null, new OnnxLoadOptions { Validate = false }));
    }

    [Fact]
    public void SparseInitializers()
    {
        var proto = ReluProto();
        var values = new TensorProto { Name = "sp", DataType = (int)DataType.Float, Dims = { 2 }, FloatData = { 5, 6 } };
        var linear = new TensorProto { DataType = (int)DataType.Int64, Dims = { 2 }, Int64Data = { 1, 5 } };
        proto.Graph.SparseInitializer.Add(new SparseTensorProto { Values = values, Indices = linear, Dims = { 2, 3 } });
        var coords = new TensorProto { DataType = (int)DataType.Int64, Dims = { 2, 2 }, Int64Data = { 0, 1, 1, 2 } };
        proto.Graph.SparseInitializer.Add(new SparseTensorProto { Values = values.Clone(), Indices = coords, Dims = { 2, 3 } });
        proto.Graph.SparseInitializer[1].Values.Name = "sp2";
        var model = OnnxModel.Load(proto.ToByteArray(), null);
        Assert.Equal(new[] { 0f, 5, 0, 0, 0, 6 }, model.Graph.Initializers["sp"].ReadOnlySpan<float>().ToArray());
        Assert.Equal(new[] { 0f, 5, 0, 0, 0, 6 }, model.Graph.Initializers["sp2"].ReadOnlySpan<float>().ToArray());

        linear.Int64Data[1] = 6;
        proto.Graph.SparseInitializer.RemoveAt(1);
        Load<InvalidModelException>(proto, "'sp'", "sparse index 6");

        proto = ReluProto();
        proto.Graph.SparseInitializer.Add(new SparseTensorProto { Values = values.Clone(), Indices = linear.Clone(), Dims = { 40000, 50000 } });
        Load<UnsupportedModelException>(proto, "'sp'", "MaxDensifiedSparseBytes");
    }

    [Fact]
    public void SubgraphNestingIsBounded()
    {
        var options = new OnnxLoadOptions { MaxSubgraphDepth = 8 };
        Assert.NotNull(OnnxModel.Load(NestedModel(7), null, options));
        Load<UnsupportedModelException>(NestedModel(70), "more than 64 deep");
        // Deeper than the protobuf nesting limit (3 * 64 + 64 messages): still a typed error, not a stack overflow.
        Load<InvalidModelException>(NestedModel(400), "nesting");
    }

    /// <summary>A model whose node has a subgraph whose node has a subgraph ... <paramref name="depth"/> levels down.</summary>
    private static byte[] NestedModel(int depth)
    {
        // Wrapped as bytes, inside out: protobuf's own serializer recurses as deep as the message.
        byte[] graph = new GraphProto { Name = "leaf" }.ToByteArray();
        for (int i = 0; i < depth; i++)
        {
            byte[] attribute = Concat(new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph }.ToByteArray(),
                Field(AttributeProto.GFieldNumber, graph));
            byte[] node = Concat(new NodeProto { OpType = "Wrap", Domain = "test", Name = $"n{i}" }.ToByteArray(),
                Field(NodeProto.AttributeFieldNumber, attribute));
            graph = Concat(new GraphProto { Name = $"g{i}" }.ToByteArray(), Field(GraphProto.NodeFieldNumber, node));
        }
        var model = new ModelProto { IrVersion = 8, OpsetImport = { new OperatorSetIdProto { Version = 17 } } };
        return Concat(model.ToByteArray(), Field(ModelProto.GraphFieldNumber, graph));
    }

    private static byte[] Field(int number, byte[] message)
    {
        using var ms = new MemoryStream();
        var output = new CodedOutputStream(ms);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(message));
        output.Flush();
        return ms.ToArray();
    }

    private static byte[] Concat(byte[] a, byte[] b)
    {
        var joined = new byte[a.Length + b.Length];
        a.CopyTo(joined, 0);
        b.CopyTo(joined, a.Length);
        return joined;
    }
}

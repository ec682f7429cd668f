using Pinhole.IR;
using Pinhole.Onnx.Proto;
using Xunit;

namespace Pinhole.Onnx.Tests;

public class RoundTripTests
{
    [Fact]
    public void EverythingSurvivesToBytesAndLoad()
    {
        var model = TestModels.Everything();
        var loaded = OnnxModel.Load(OnnxModel.ToBytes(model), null);
        ModelComparer.AssertEqual(model, loaded);
        Assert.Equal(OnnxModel.ToBytes(model), OnnxModel.ToBytes(loaded));
    }

    [Fact]
    public void ComparerSeesDifferences()
    {
        // The round-trip tests are only as strong as the comparer: make sure it notices small changes.
        var a = TestModels.Everything();
        var b = TestModels.Everything();
        Assert.Null(ModelComparer.Compare(a, b));
        b.Graph.Initializers["i4"].Span<sbyte>()[4] = 2;
        Assert.Contains("i4", ModelComparer.Compare(a, b), StringComparison.Ordinal);
        b = TestModels.Everything();
        ((TensorTypeInfo)b.Graph.Inputs[0].Type!).Shape![0] = Dim.Symbol("M");
        Assert.Contains("input", ModelComparer.Compare(a, b), StringComparison.Ordinal);
        b = TestModels.Everything();
        b.Graph.Nodes[1].Attributes["then_branch"].Graph!.Nodes[0].Attributes["body"].Graph!.Nodes[0].Inputs[0] = "Q";
        Assert.Contains("then_branch", ModelComparer.Compare(a, b), StringComparison.Ordinal);
    }

    [Fact]
    public void ConstantNodesStayNodes()
    {
        var loaded = OnnxModel.Load(OnnxModel.ToBytes(TestModels.Everything()), null);
        var constant = Assert.Single(loaded.Graph.Nodes, n => n.OpType == "Constant");
        Assert.Equal(new long[] { 4, 5 }, constant.Attributes["value"].Tensor!.ToInt64Array());
        Assert.False(loaded.Graph.Initializers.ContainsKey("K"));
    }

    [Fact]
    public void SpanOverloadMatchesArrayOverload()
    {
        byte[] bytes = OnnxModel.ToBytes(TestModels.Relu());
        ModelComparer.AssertEqual(OnnxModel.Load(bytes, null), OnnxModel.Load(bytes.AsSpan(), null));
        using var stream = new MemoryStream(bytes);
        ModelComparer.AssertEqual(OnnxModel.Load(bytes, null), OnnxModel.Load(stream, null));
    }

    [Fact]
    public void SaveAndLoadFile()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "model.onnx");
        var model = TestModels.Everything();
        OnnxModel.Save(model, path);
        OnnxModel.Save(model, path); // overwriting works too
        ModelComparer.AssertEqual(model, OnnxModel.Load(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void FailedSaveKeepsExistingFile()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "model.onnx");
        File.WriteAllText(path, "precious");
        var broken = TestModels.Relu();
        broken.Graph.Nodes[0].WithAttribute(new NodeAttribute("t", AttributeType.Tensor)); // a tensor attribute without a tensor
        Assert.ThrowsAny<Exception>(() => OnnxModel.Save(broken, path));
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void ExportWritesRawDataForNumericTensors()
    {
        var proto = ModelProto.Parser.ParseFrom(OnnxModel.ToBytes(TestModels.Everything()));
        foreach (var t in proto.Graph.Initializer)
        {
            if (t.DataType == (int)DataType.String)
            {
                Assert.Equal(3, t.StringData.Count);
                continue;
            }
            Assert.True(t.HasRawData, t.Name);
            Assert.Empty(t.FloatData);
            Assert.Empty(t.Int32Data);
        }
        var i4 = proto.Graph.Initializer.Single(t => t.Name == "i4");
        Assert.Equal(new byte[] { 0x78, 0x0F, 0x03 }, i4.RawData.ToByteArray()); // -8,7 | -1,0 | 3,pad
    }

    [Fact]
    public void SparseAttributeIsWrittenAsCooAndReadBackDense()
    {
        var proto = ModelProto.Parser.ParseFrom(OnnxModel.ToBytes(TestModels.Everything()));
        var node = proto.Graph.Node.Single(n => n.OpType == "Everything");
        var sparse = node.Attribute.Single(a => a.Name == "sparse").SparseTensor;
        Assert.Equal(new long[] { 2, 3 }, sparse.Dims);
        Assert.Equal(new long[] { 2 }, sparse.Values.Dims);
        Assert.Equal(new long[] { 1, 3 }, OnnxTensorFile.FromProto(sparse.Indices.ToByteArray()).ToInt64Array());
    }

    [Fact]
    public void AiOnnxDomainIsNormalized()
    {
        var proto = ModelProto.Parser.ParseFrom(OnnxModel.ToBytes(TestModels.Relu()));
        proto.Graph.Node[0].Domain = "ai.onnx";
        var model = OnnxModel.Load(proto.ToByteArray(), null);
        Assert.Equal("", model.Graph.Nodes[0].Domain);
    }
}

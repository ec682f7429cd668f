using Pinhole.IR;
using Pinhole.Onnx.Proto;
using Xunit;
using Xunit.Abstractions;

namespace Pinhole.Onnx.Tests;

public class TensorFileTests(ITestOutputHelper output)
{
    [Fact]
    public void WriteThenReadEveryElementType()
    {
        using var dir = new TempDirectory();
        foreach (var (name, tensor) in TestModels.AllElementTypes())
        {
            string path = Path.Combine(dir.Path, name + ".pb");
            OnnxTensorFile.Write(path, tensor, name);
            var (readName, read) = OnnxTensorFile.ReadNamed(path);
            Assert.Equal(name, readName);
            Assert.Null(ModelComparer.Tensor(name, tensor, read));
            Assert.Null(ModelComparer.Tensor(name, tensor, OnnxTensorFile.FromProto(OnnxTensorFile.ToProto(tensor))));
        }
    }

    public static TheoryData<string, int[], string> TypedFieldCases() => new()
    {
        // name, int32_data, expected GetDouble values
        { "float16", [0x3C00, 0xC000], "1,-2" },
        { "bfloat16", [0x3FC0, 0x4040], "1.5,3" },
        { "int8", [-128, 127], "-128,127" },
        { "uint8", [0, 255], "0,255" },
        { "int16", [-300, 300], "-300,300" },
        { "uint16", [65535], "65535" },
        { "bool", [0, 1, 2], "0,1,1" },
        { "int4", [0x78, 0x0F, 0x03], "-8,7,-1,0,3" },
        { "uint4", [0xF1], "1,15" },
        { "int2", [0b_00_01_11_10], "-2,-1,1,0" },
    };

    [Theory]
    [MemberData(nameof(TypedFieldCases))]
    public void DecodesInt32Data(string typeName, int[] int32Data, string expected)
    {
        var type = Enum.GetValues<DataType>().Single(t => DataTypes.OnnxName(t) == typeName);
        var values = expected.Split(',').Select(double.Parse).ToArray();
        var proto = new TensorProto { Name = "t", DataType = (int)type };
        proto.Dims.Add(values.Length);
        proto.Int32Data.AddRange(int32Data);
        var tensor = OnnxTensorFile.FromProto(proto.ToByteArray());
        Assert.Equal(type, tensor.Type);
        Assert.Equal(values, AsDoubles(tensor));
    }

    /// <summary>Values by declared type: Tensor.GetDouble matches byte[] storage as sbyte[] (CLR array covariance).</summary>
    private static double[] AsDoubles(Tensor t) => t.Type switch
    {
        DataType.UInt8 or DataType.UInt4 or DataType.UInt2 => t.ReadOnlySpan<byte>().ToArray().Select(v => (double)v).ToArray(),
        DataType.UInt16 => t.ReadOnlySpan<ushort>().ToArray().Select(v => (double)v).ToArray(),
        _ => Enumerable.Range(0, t.Length).Select(t.GetDouble).ToArray(),
    };

    [Fact]
    public void DecodesWideTypedFields()
    {
        var u32 = new TensorProto { DataType = (int)DataType.UInt32, Dims = { 2 }, Uint64Data = { 4294967295UL, 1 } };
        Assert.Equal(new uint[] { uint.MaxValue, 1 }, OnnxTensorFile.FromProto(u32.ToByteArray()).ReadOnlySpan<uint>().ToArray());
        var u64 = new TensorProto { DataType = (int)DataType.UInt64, Dims = { 1 }, Uint64Data = { ulong.MaxValue } };
        Assert.Equal(ulong.MaxValue, OnnxTensorFile.FromProto(u64.ToByteArray()).ReadOnlySpan<ulong>()[0]);
        var f64 = new TensorProto { DataType = (int)DataType.Double, Dims = { 1, 2 }, DoubleData = { 0.5, -1 } };
        Assert.Equal(new[] { 0.5, -1 }, OnnxTensorFile.FromProto(f64.ToByteArray()).ReadOnlySpan<double>().ToArray());
        var i64 = new TensorProto { DataType = (int)DataType.Int64, Int64Data = { -5 } };
        var scalar = OnnxTensorFile.FromProto(i64.ToByteArray());
        Assert.Empty(scalar.Shape);
        Assert.Equal(-5, scalar.GetInt64(0));
        var f32 = new TensorProto { DataType = (int)DataType.Float, Dims = { 2 }, FloatData = { 1, 2 } };
        Assert.Equal(new[] { 1f, 2f }, OnnxTensorFile.FromProto(f32.ToByteArray()).ReadOnlySpan<float>().ToArray());
        var str = new TensorProto { DataType = (int)DataType.String, Dims = { 2 }, StringData = { ByteString.CopyFromUtf8("a"), ByteString.CopyFromUtf8("ß") } };
        Assert.Equal(new[] { "a", "ß" }, OnnxTensorFile.FromProto(str.ToByteArray()).ReadOnlySpan<string>().ToArray());
    }

    [Fact]
    public void ComplexIsUnsupportedAndNamed()
    {
        var proto = new TensorProto { Name = "zz", DataType = (int)DataType.Complex64, Dims = { 1 }, FloatData = { 1, 2 } };
        var e = Assert.Throws<UnsupportedModelException>(() => OnnxTensorFile.FromProto(proto.ToByteArray()));
        Assert.Contains("'zz'", e.Message, StringComparison.Ordinal);
        Assert.Contains("complex64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SequenceProtoIsUnsupported()
    {
        // onnx-data.proto SequenceProto{name=1, elem_type=2, tensor_values=3}, written by hand.
        var element = new TensorProto { DataType = (int)DataType.Float, Dims = { 1 }, FloatData = { 1 } };
        using var ms = new MemoryStream();
        var output = new CodedOutputStream(ms);
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteString("seq");
        output.WriteTag(2, WireFormat.WireType.Varint);
        output.WriteInt32(1);
        output.WriteTag(3, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(element);
        output.Flush();
        var e = Assert.Throws<UnsupportedModelException>(() => OnnxTensorFile.FromProto(ms.ToArray()));
        Assert.Contains("'seq'", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every input_*.pb / output_*.pb of the node tests: tensors read and match the declared element type and rank;
    /// sequence/optional/map values are refused with UnsupportedModelException.
    /// </summary>
    [SharedDataFact]
    public void ReadsBackendNodeTestData()
    {
        int tensors = 0, nonTensors = 0;
        var failures = new List<string>();
        var kinds = new Dictionary<string, int>();
        foreach (string caseDir in Directory.GetDirectories(Repository.SharedPath("onnx", "backend-test-data", "node")).Order(StringComparer.Ordinal))
        {
            var model = OnnxModel.Load(Path.Combine(caseDir, "model.onnx"));
            var inputs = model.Graph.RuntimeInputs().ToList();
            foreach (string setDir in Directory.GetDirectories(caseDir, "test_data_set_*"))
            {
                foreach (string file in Directory.GetFiles(setDir, "*.pb"))
                {
                    string name = Path.GetFileNameWithoutExtension(file);
                    int index = int.Parse(name[(name.IndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                    var declared = (name.StartsWith("input", StringComparison.Ordinal) ? inputs : model.Graph.Outputs)[index].Type;
                    string label = Path.GetRelativePath(Repository.Shared!, file);
                    try
                    {
                        var tensor = OnnxTensorFile.Read(file);
                        tensors++;
                        if (declared is not TensorTypeInfo t)
                            failures.Add($"{label}: read as a tensor but declared {declared}");
                        else if (t.ElementType != tensor.Type || (t.Shape is not null && t.Shape.Length != tensor.Rank))
                            failures.Add($"{label}: read {tensor} but declared {t}");
                    }
                    catch (UnsupportedModelException e)
                    {
                        nonTensors++;
                        string kind = declared?.GetType().Name ?? "untyped";
                        kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
                        if (declared is TensorTypeInfo) failures.Add($"{label}: {e.Message}");
                    }
                    catch (InvalidModelException e)
                    {
                        failures.Add($"{label}: {e.Message}");
                    }
                }
            }
        }
        output.WriteLine($"{tensors} tensors read, {nonTensors} non-tensor values refused ({string.Join(", ", kinds.Select(k => $"{k.Key}: {k.Value}"))})");
        foreach (string f in failures) output.WriteLine(f);
        Assert.Empty(failures);
        Assert.True(tensors > 5000, $"only {tensors} tensor files read");
    }
}

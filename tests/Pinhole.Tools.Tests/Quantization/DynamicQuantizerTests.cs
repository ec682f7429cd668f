using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Tools.Quantization;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Pinhole.Tools.Tests.Quantization;

public sealed class DynamicQuantizerTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("pinhole-dynamic-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>x [2,4,16] → MatMul(w1 [16,32]) → Add(b1) → Relu → Reshape [8,32] → Gemm(w2 [10,32], transB, bias) → y [8,10].</summary>
    private static Model Mlp()
    {
        var model = new Model();
        model.OpsetImports[""] = 11;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(2), Dim.Known(4), Dim.Known(16)])));
        g.Initializers["w1"] = TestTensors.Uniform([16, 32], 1, 0.4f);
        g.Initializers["b1"] = TestTensors.Uniform([32], 2, 0.1f);
        g.Initializers["shape"] = Tensor.Vector(8L, 32L);
        g.Initializers["w2"] = TestTensors.Uniform([10, 32], 3, 0.3f);
        g.Initializers["b2"] = TestTensors.Uniform([10], 4, 0.1f);
        g.Nodes.Add(new Node("MatMul", ["x", "w1"], ["h"], "", "fc1"));
        g.Nodes.Add(new Node("Add", ["h", "b1"], ["hb"], "", "bias1"));
        g.Nodes.Add(new Node("Relu", ["hb"], ["r"], "", "relu"));
        g.Nodes.Add(new Node("Reshape", ["r", "shape"], ["flat"], "", "reshape"));
        g.Nodes.Add(new Node("Gemm", ["flat", "w2", "b2"], ["y"], "", "fc2").WithAttribute(NodeAttribute.Of("transB", 1L)));
        g.Outputs.Add(new ValueInfo("y", new TensorTypeInfo(DataType.Float, [Dim.Known(8), Dim.Known(10)])));
        return model;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MatMul_and_Gemm_become_integer_matmuls_that_stay_close_to_float_and_match_onnx_runtime(bool perChannel)
    {
        var x = TestTensors.Uniform([2, 4, 16], 9, 2f);
        using var reference = new InferenceSession(Mlp());
        var expected = reference.Run(x)[0].ReadOnlySpan<float>().ToArray();

        var model = Mlp();
        var report = DynamicQuantizer.Quantize(model, new QuantizationOptions { PerChannel = perChannel });
        Assert.Equal(1, report.QuantizedMatMuls);
        Assert.Equal(1, report.QuantizedGemms);
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.OpType == "DynamicQuantizeLinear"));
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.OpType == "MatMulInteger"));
        Assert.DoesNotContain(model.Graph.Initializers.Values, t => t.Type == DataType.Float && t.Length >= 160);
        var weights = model.Graph.Initializers[model.Graph.Nodes.First(n => n.OpType == "MatMulInteger").Inputs[1]];
        Assert.Equal(DataType.Int8, weights.Type);

        string path = Path.Combine(_temp, "dynamic.onnx");
        OnnxModel.Save(model, path);
        using var session = new InferenceSession(OnnxModel.Load(path));
        var actual = session.Run(x)[0].ReadOnlySpan<float>().ToArray();
        double dot = 0, ee = 0, aa = 0;
        for (int i = 0; i < expected.Length; i++) { dot += expected[i] * actual[i]; ee += expected[i] * expected[i]; aa += actual[i] * actual[i]; }
        Assert.True(dot / Math.Sqrt(ee * aa) > 0.999, $"cosine {dot / Math.Sqrt(ee * aa)}");

        var ort = OrtRunner.Run(path, [("x", x)], Ort.GraphOptimizationLevel.ORT_ENABLE_ALL)[0].ReadOnlySpan<float>().ToArray();
        for (int i = 0; i < ort.Length; i++) Assert.Equal(ort[i], actual[i], 1e-4f * Math.Max(1, Math.Abs(ort[i])));
    }

    [Fact]
    public void Excluded_and_unsuitable_nodes_are_left_float_with_the_reason()
    {
        var model = Mlp();
        model.Graph.Nodes.Add(new Node("MatMul", ["y", "y_t"], ["z"], "", "activation_matmul"));
        model.Graph.Nodes.Insert(model.Graph.Nodes.Count - 1, new Node("Transpose", ["y"], ["y_t"], "", "t"));
        model.Graph.Outputs[0] = new ValueInfo("z");
        var report = DynamicQuantizer.Quantize(model, new QuantizationOptions { Exclude = ["fc2"] });
        Assert.Equal("excluded", report.Skipped["fc2"]);
        Assert.Contains("not a constant 2-D float tensor", report.Skipped["activation_matmul"], StringComparison.Ordinal);
        Assert.Equal(1, report.QuantizedMatMuls);
        Assert.Throws<InvalidInputException>(() => DynamicQuantizer.Quantize(Mlp(), new QuantizationOptions { Exclude = ["nope"] }));
    }
}

using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Tools.Quantization;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Pinhole.Tools.Tests.Quantization;

public sealed class ModelQuantizerTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("pinhole-quantize-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>
    /// x [1,3,8,8] → conv1 3x3 → Relu → MaxPool ─┐
    ///            → conv2 1x1 stride 2 → Relu ───┴ Concat → conv3 1x1 → Add(·, concat) → GlobalAveragePool → Flatten → Gemm → y [1,5]
    /// </summary>
    internal static Model SmallNet()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(1), Dim.Known(3), Dim.Known(8), Dim.Known(8)])));
        g.Initializers["w1"] = TestTensors.Uniform([4, 3, 3, 3], 1, 0.5f);
        g.Initializers["b1"] = TestTensors.Uniform([4], 2, 0.2f);
        g.Initializers["w2"] = TestTensors.Uniform([4, 3, 1, 1], 3, 0.8f);
        g.Initializers["b2"] = TestTensors.Uniform([4], 4, 0.2f);
        g.Initializers["w3"] = TestTensors.Uniform([8, 8, 1, 1], 5, 0.4f);
        g.Initializers["b3"] = TestTensors.Uniform([8], 6, 0.1f);
        g.Initializers["wg"] = TestTensors.Uniform([5, 8], 7, 0.6f);
        g.Initializers["bg"] = TestTensors.Uniform([5], 8, 0.1f);
        g.Nodes.Add(new Node("Conv", ["x", "w1", "b1"], ["c1"], "", "conv1").WithAttribute(NodeAttribute.Of("pads", new long[] { 1, 1, 1, 1 })));
        g.Nodes.Add(new Node("Relu", ["c1"], ["r1"], "", "relu1"));
        g.Nodes.Add(new Node("MaxPool", ["r1"], ["p1"], "", "pool1").WithAttribute(NodeAttribute.Of("kernel_shape", new long[] { 2, 2 }))
            .WithAttribute(NodeAttribute.Of("strides", new long[] { 2, 2 })));
        g.Nodes.Add(new Node("Conv", ["x", "w2", "b2"], ["c2"], "", "conv2").WithAttribute(NodeAttribute.Of("strides", new long[] { 2, 2 })));
        g.Nodes.Add(new Node("Relu", ["c2"], ["r2"], "", "relu2"));
        g.Nodes.Add(new Node("Concat", ["p1", "r2"], ["cat"], "", "concat").WithAttribute(NodeAttribute.Of("axis", 1L)));
        g.Nodes.Add(new Node("Conv", ["cat", "w3", "b3"], ["c3"], "", "conv3"));
        g.Nodes.Add(new Node("Add", ["c3", "cat"], ["sum"], "", "add"));
        g.Nodes.Add(new Node("GlobalAveragePool", ["sum"], ["gap"], "", "gap"));
        g.Nodes.Add(new Node("Flatten", ["gap"], ["flat"], "", "flatten"));
        g.Nodes.Add(new Node("Gemm", ["flat", "wg", "bg"], ["y"], "", "fc").WithAttribute(NodeAttribute.Of("transB", 1L)));
        g.Outputs.Add(new ValueInfo("y", new TensorTypeInfo(DataType.Float, [Dim.Known(1), Dim.Known(5)])));
        return model;
    }

    private static ListSampleSource Calibration(int count = 32) => ListSampleSource.Random("x", [1, 3, 8, 8], count, seed: 11, low: -2, high: 2);

    private static Tensor Output(Model model, Tensor x)
    {
        using var session = new InferenceSession(OnnxModel.Load(OnnxModel.ToBytes(model), null));
        return session.Run(x)[0];
    }

    private static (float Scale, double Zero) Parameters(Graph g, Node qdq) =>
        (g.Initializers[qdq.Inputs[1]].ReadOnlySpan<float>()[0], g.Initializers[qdq.Inputs[2]].GetDouble(0));

    [Fact]
    public void Writes_qdq_with_per_channel_weights_int32_biases_shared_parameters_and_absorbed_relus()
    {
        var model = SmallNet();
        var report = ModelQuantizer.Quantize(model, Calibration(), new QuantizationOptions());
        var g = model.Graph;

        Assert.DoesNotContain(g.Nodes, n => n.OpType == "Relu");
        Assert.Equal(2, report.RemovedActivations);
        foreach (var conv in g.Nodes.Where(n => n.OpType is "Conv" or "Gemm"))
        {
            var w = g.Producer(conv.Inputs[1])!;
            Assert.Equal("DequantizeLinear", w.OpType);
            Assert.Equal(DataType.Int8, g.Initializers[w.Inputs[0]].Type);
            Assert.Equal(0, w.Attributes["axis"].Int);
            Assert.Equal(g.Initializers[w.Inputs[0]].Shape[0], g.Initializers[w.Inputs[1]].Length);
            var b = g.Producer(conv.Inputs[2])!;
            Assert.Equal(DataType.Int32, g.Initializers[b.Inputs[0]].Type);
            // Bias scale = input scale x weight scale, per channel.
            var x = g.Producer(conv.Inputs[0])!;
            float sx = g.Initializers[x.Inputs[1]].ReadOnlySpan<float>()[0];
            var sw = g.Initializers[w.Inputs[1]].ReadOnlySpan<float>();
            var sb = g.Initializers[b.Inputs[1]].ReadOnlySpan<float>();
            for (int c = 0; c < sw.Length; c++) Assert.Equal(sx * sw[c], sb[c], sb[c] * 1e-6f);
        }
        // Every DequantizeLinear output has exactly one reader, a node or the graph output (the form QDQ fusions match).
        foreach (var dq in g.Nodes.Where(n => n.OpType == "DequantizeLinear"))
            Assert.Equal(1, g.Nodes.Count(n => n.Inputs.Contains(dq.Outputs[0])) + g.Outputs.Count(o => o.Name == dq.Outputs[0]));
        // MaxPool and Concat read and write one set of parameters.
        foreach (var name in new[] { "pool1", "concat" })
        {
            var node = g.Nodes.Single(n => n.Name == name);
            var q = g.Nodes.Single(n => n.OpType == "QuantizeLinear" && n.Inputs[0] == node.Outputs[0]);
            foreach (var input in node.Inputs)
                Assert.Equal(Parameters(g, q), Parameters(g, g.Producer(input)!));
        }
        Assert.Equal(13, model.OpsetFor(""));
        Assert.Contains("minmax calibration on 32 samples", model.MetadataProps["pinhole.quantization"]);
    }

    [Fact]
    public void Quantized_model_stays_close_to_float_and_onnx_runtime_agrees_within_one_step()
    {
        var x = TestTensors.Uniform([1, 3, 8, 8], 99, 1.5f);
        var expected = Output(SmallNet(), x).ReadOnlySpan<float>().ToArray();
        foreach (var options in new[]
        {
            new QuantizationOptions(),
            new QuantizationOptions { ActivationType = DataType.Int8, Symmetric = true, Method = CalibrationMethod.Entropy },
            new QuantizationOptions { PerChannel = false, Method = CalibrationMethod.Percentile },
            new QuantizationOptions { Method = CalibrationMethod.Mse, ReduceRange = true },
        })
        {
            var model = SmallNet();
            ModelQuantizer.Quantize(model, Calibration(), options);
            var pinhole = Output(model, x).ReadOnlySpan<float>().ToArray();
            double dot = 0, ee = 0, pp = 0;
            for (int i = 0; i < expected.Length; i++) { dot += expected[i] * pinhole[i]; ee += expected[i] * expected[i]; pp += pinhole[i] * pinhole[i]; }
            Assert.True(dot / Math.Sqrt(ee * pp) > 0.98, $"{options}: cosine {dot / Math.Sqrt(ee * pp)}");

            string path = Path.Combine(_temp, "q.onnx");
            OnnxModel.Save(model, path);
            var ort = OrtRunner.Run(path, [("x", x)], Ort.GraphOptimizationLevel.ORT_ENABLE_ALL)[0].ReadOnlySpan<float>().ToArray();
            var outputQ = model.Graph.Nodes.Single(n => n.OpType == "DequantizeLinear" && n.Outputs[0] == "y");
            float step = Parameters(model.Graph, outputQ).Scale;
            for (int i = 0; i < ort.Length; i++)
                Assert.True(Math.Abs(ort[i] - pinhole[i]) <= step * 1.001, $"{options}: y[{i}] ONNX Runtime {ort[i]}, Pinhole {pinhole[i]}, step {step}");
        }
    }

    [Fact]
    public void Symmetric_int8_keeps_relus_and_zero_points_at_zero()
    {
        var model = SmallNet();
        var report = ModelQuantizer.Quantize(model, Calibration(), new QuantizationOptions { ActivationType = DataType.Int8, Symmetric = true });
        Assert.Equal(0, report.RemovedActivations);
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.OpType == "Relu"));
        foreach (var q in model.Graph.Nodes.Where(n => n.OpType == "QuantizeLinear"))
        {
            var zero = model.Graph.Initializers[q.Inputs[2]];
            Assert.Equal(DataType.Int8, zero.Type);
            Assert.Equal(0, zero.GetDouble(0));
        }
    }

    [Fact]
    public void Excluded_nodes_stay_float()
    {
        var model = SmallNet();
        var report = ModelQuantizer.Quantize(model, Calibration(), new QuantizationOptions { Exclude = ["conv3"] });
        Assert.Equal("Conv, excluded", report.FloatNodes["conv3"]);
        var conv3 = model.Graph.Nodes.Single(n => n.Name == "conv3");
        Assert.Equal("w3", conv3.Inputs[1]);
        Assert.Equal(DataType.Float, model.Graph.Initializers["w3"].Type);
    }

    [Fact]
    public void Bad_requests_fail_clearly()
    {
        var e = Assert.Throws<InvalidInputException>(() =>
            ModelQuantizer.Quantize(SmallNet(), Calibration(), new QuantizationOptions { Exclude = ["nope"] }));
        Assert.Contains("'nope'", e.Message);
        var quantized = SmallNet();
        ModelQuantizer.Quantize(quantized, Calibration(4), new QuantizationOptions());
        var again = Assert.Throws<UnsupportedModelException>(() => ModelQuantizer.Quantize(quantized, Calibration(4), new QuantizationOptions()));
        Assert.Contains("already quantized", again.Message);
        Assert.Throws<InvalidInputException>(() => ModelQuantizer.Quantize(SmallNet(), new ListSampleSource([]), new QuantizationOptions()));
    }
}

using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Tools.Transforms;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Pinhole.Tools.Tests;

public sealed class StripQuantizationTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("pinhole-strip-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static readonly sbyte[] WeightData = [1, -2, 3, 4, 5, -6, -7, 8, 9, 10, -11, 12];
    private static readonly float[] WeightScales = [0.5f, 0.25f, 0.125f];
    private static readonly sbyte[] WeightZeroPoints = [0, 1, -1];
    private static readonly int[] BiasData = [100, -200, 300];
    private static readonly float[] ConstantData = [0.33f, -0.71f, 1.26f];

    /// <summary>
    /// x → QuantizeLinear (uint8, scale and zero point through Identity nodes) → Cast(uint8) → DequantizeLinear → MatMul
    /// with a per-axis int8 weight → Add a per-tensor int32 bias → Mul a float constant that goes through Q → DQ.
    /// </summary>
    internal static Model QdqModel()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(2), Dim.Known(4)])));
        g.Initializers["sx0"] = Tensor.Scalar(0.05f);
        g.Initializers["zx0"] = Tensor.Scalar((byte)128);
        g.Initializers["w"] = Tensor.FromArray(WeightData, [4, 3]);
        g.Initializers["ws"] = Tensor.FromArray(WeightScales, [3]);
        g.Initializers["wz"] = Tensor.FromArray(WeightZeroPoints, [3]);
        g.Initializers["b"] = Tensor.FromArray(BiasData, [3]);
        g.Initializers["bs"] = Tensor.Scalar(0.001f);
        g.Initializers["c"] = Tensor.FromArray(ConstantData, [3]);
        g.Initializers["cs"] = Tensor.Scalar(0.1f);
        g.Initializers["cz"] = Tensor.Scalar((sbyte)0);
        g.Nodes.Add(new Node("Identity", ["sx0"], ["sx"]));
        g.Nodes.Add(new Node("Identity", ["zx0"], ["zx"]));
        g.Nodes.Add(new Node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]));
        g.Nodes.Add(new Node("Cast", ["xq"], ["xq2"]).WithAttribute(NodeAttribute.Of("to", (long)DataType.UInt8)));
        g.Nodes.Add(new Node("DequantizeLinear", ["xq2", "sx", "zx"], ["xf"]));
        g.Nodes.Add(new Node("DequantizeLinear", ["w", "ws", "wz"], ["wf"]).WithAttribute(NodeAttribute.Of("axis", 1L)));
        g.Nodes.Add(new Node("DequantizeLinear", ["b", "bs"], ["bf"]));
        g.Nodes.Add(new Node("QuantizeLinear", ["c", "cs", "cz"], ["cq"]));
        g.Nodes.Add(new Node("DequantizeLinear", ["cq", "cs", "cz"], ["cf"]));
        g.Nodes.Add(new Node("MatMul", ["xf", "wf"], ["m"], name: "matmul"));
        g.Nodes.Add(new Node("Add", ["m", "bf"], ["a"], name: "add"));
        g.Nodes.Add(new Node("Mul", ["a", "cf"], ["y"], name: "mul"));
        g.ValueInfos.Add(new ValueInfo("xq", new TensorTypeInfo(DataType.UInt8, null)));
        g.Outputs.Add(new ValueInfo("y", new TensorTypeInfo(DataType.Float, [Dim.Known(2), Dim.Known(3)])));
        return model;
    }

    private static float DequantizedWeight(int row, int column) =>
        (WeightData[row * 3 + column] - WeightZeroPoints[column]) * WeightScales[column];

    [Fact]
    public void Folds_constant_dequantization_and_removes_activation_pairs()
    {
        var model = QdqModel();
        var result = StripQuantization.Apply(model);

        Assert.Equal(new StripQuantizationResult(FoldedDequantize: 3, FoldedQuantize: 1, RemovedActivationPairs: 1, Remaining: 0), result);
        Assert.Equal(["MatMul", "Add", "Mul"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal("x", model.Graph.Nodes[0].Inputs[0]);
        Assert.All(model.Graph.Initializers.Values, t => Assert.Equal(DataType.Float, t.Type));
        Assert.Equal(["bf", "cf", "wf"], model.Graph.Initializers.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(model.Graph.ValueInfos, v => v.Name == "xq");
        model.Graph.Validate();

        var w = model.Graph.Initializers["wf"];
        Assert.Equal([4, 3], w.Shape);
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(DequantizedWeight(r, c), w.Span<float>()[r * 3 + c]);
        Assert.Equal([0.1f, -0.2f, 0.3f], model.Graph.Initializers["bf"].Span<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-7f);
        // The float constant keeps its quantized value: round(c / 0.1) * 0.1.
        Assert.Equal([0.3f, -0.7f, 1.3f], model.Graph.Initializers["cf"].Span<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void The_stripped_model_computes_the_float_function_on_unquantized_activations()
    {
        var model = QdqModel();
        StripQuantization.Apply(model);
        // 0.0123 is not a multiple of the activation scale 0.05: a remaining Q/DQ pair would round it.
        float[] x = [0.0123f, -1.5f, 2.25f, 0.7f, 3.1f, -0.01f, 0.5f, -2.2f];
        using var session = new InferenceSession(model);
        var y = session.Run(Tensor.FromArray(x, [2, 4]))[0].Span<float>().ToArray();
        float[] bias = [0.1f, -0.2f, 0.3f], scale = [0.3f, -0.7f, 1.3f];
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 3; c++)
            {
                double expected = bias[c];
                for (int k = 0; k < 4; k++) expected += x[r * 4 + k] * DequantizedWeight(k, c);
                expected *= scale[c];
                Assert.Equal(expected, y[r * 3 + c], 4);
            }
    }

    [Fact]
    public void Folds_per_tensor_uint8_with_a_zero_point()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(3)])));
        g.Initializers["q"] = Tensor.FromArray(new byte[] { 0, 10, 255 }, [3]);
        g.Initializers["s"] = Tensor.FromArray(new[] { 0.5f }, [1]);
        g.Initializers["z"] = Tensor.FromArray(new byte[] { 10 }, [1]);
        g.Nodes.Add(new Node("Constant", [], ["s2"]).WithAttribute(NodeAttribute.Of("value", Tensor.Scalar(2f))));
        g.Nodes.Add(new Node("DequantizeLinear", ["q", "s", "z"], ["f"]));
        g.Nodes.Add(new Node("Mul", ["f", "s2"], ["f2"]));
        g.Nodes.Add(new Node("Add", ["x", "f2"], ["y"]));
        g.Outputs.Add(new ValueInfo("y"));

        var result = StripQuantization.Apply(model);

        Assert.Equal(1, result.FoldedDequantize);
        Assert.Equal([-5f, 0f, 122.5f], model.Graph.Initializers["f"].Span<float>().ToArray());
        Assert.Equal(["Mul", "Add"], model.Graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void A_pair_that_produces_a_graph_output_keeps_the_output_name()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(2)])));
        g.Initializers["s"] = Tensor.Scalar(0.5f);
        g.Nodes.Add(new Node("QuantizeLinear", ["x", "s"], ["q"]));
        g.Nodes.Add(new Node("DequantizeLinear", ["q", "s"], ["y"]));
        g.Outputs.Add(new ValueInfo("y"));

        var result = StripQuantization.Apply(model);

        Assert.Equal(1, result.RemovedActivationPairs);
        var node = Assert.Single(model.Graph.Nodes);
        Assert.Equal("Identity", node.OpType);
        Assert.Equal(["x"], node.Inputs);
        Assert.Equal("y", model.Graph.Outputs[0].Name);
        Assert.Empty(model.Graph.Initializers);
        using var session = new InferenceSession(model);
        Assert.Equal([0.3f, 7.1f], session.Run(Tensor.FromArray(new[] { 0.3f, 7.1f }, [2]))[0].Span<float>().ToArray());
    }

    [Fact]
    public void Leaves_quantize_nodes_whose_output_is_not_dequantized()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(2)])));
        g.Initializers["s"] = Tensor.Scalar(0.5f);
        g.Nodes.Add(new Node("QuantizeLinear", ["x", "s"], ["q"]));
        g.Outputs.Add(new ValueInfo("q"));

        var result = StripQuantization.Apply(model);

        Assert.Equal(1, result.Remaining);
        Assert.Equal("QuantizeLinear", Assert.Single(model.Graph.Nodes).OpType);
    }

    [Fact]
    public void The_saved_stripped_model_runs_in_onnx_runtime()
    {
        var model = QdqModel();
        StripQuantization.Apply(model);
        string path = Path.Combine(_temp, "stripped.onnx");
        OnnxModel.Save(model, path);
        var x = Tensor.FromArray(new[] { 0.1f, 0.2f, -0.3f, 0.4f, 1f, 2f, 3f, -4f }, [2, 4]);
        using var session = new InferenceSession(OnnxModel.Load(path));
        var expected = session.Run(x)[0];
        var actual = OrtRunner.Run(path, [("x", x)])[0];
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Span<float>().ToArray(), actual.Span<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [SharedDataFact]
    public void Stripped_mobilenetv2_qdq_is_plain_fp32_and_agrees_with_the_qdq_model_on_top1()
    {
        string source = Repository.Model("mobilenetv2-qdq", "model.onnx");
        var input = OnnxTensorFile.ReadNamed(Repository.Model("mobilenetv2-qdq", "test_data_set_0", "input_0.pb"));
        var reference = OnnxTensorFile.Read(Repository.Model("mobilenetv2-qdq", "test_data_set_0", "output_0.pb"));

        var model = OnnxModel.Load(source);
        var result = StripQuantization.Apply(model);
        Assert.Equal(0, result.Remaining);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType is "QuantizeLinear" or "DequantizeLinear" or "Cast");
        Assert.All(model.Graph.Initializers.Values, t => Assert.True(t.Type is DataType.Float or DataType.Int64, $"{t}"));
        string path = Path.Combine(_temp, "mobilenetv2-fp32.onnx");
        OnnxModel.Save(model, path);

        using var stripped = new InferenceSession(OnnxModel.Load(path));
        var pinhole = stripped.Run(input.Tensor)[0];
        using var qdqSession = new InferenceSession(OnnxModel.Load(source));
        var qdq = qdqSession.Run(input.Tensor)[0];
        var ort = OrtRunner.Run(path, [(stripped.Inputs[0].Name, input.Tensor)])[0];

        int top1 = ArgMax(reference);
        Assert.Equal(top1, ArgMax(qdq));
        Assert.Equal(top1, ArgMax(pinhole));
        Assert.Equal(top1, ArgMax(ort));
        var p = pinhole.Span<float>();
        var o = ort.Span<float>();
        Assert.Equal(p.Length, o.Length);
        for (int i = 0; i < p.Length; i++) Assert.True(Math.Abs(p[i] - o[i]) < 1e-3f, $"score {i}: Pinhole {p[i]}, ORT {o[i]}");
    }

    private static int ArgMax(Tensor t)
    {
        var s = t.Span<float>();
        int best = 0;
        for (int i = 1; i < s.Length; i++) if (s[i] > s[best]) best = i;
        return best;
    }
}

/// <summary>Runs a model file with ONNX Runtime (single thread, no graph rewrites unless asked), exchanging Pinhole tensors.</summary>
internal static class OrtRunner
{
    public static Tensor[] Run(string path, IReadOnlyList<(string Name, Tensor Value)> inputs,
        Ort.GraphOptimizationLevel level = Ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    {
        using var options = new Ort.SessionOptions
        {
            GraphOptimizationLevel = level,
            IntraOpNumThreads = 1,
            LogSeverityLevel = Ort.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new Ort.InferenceSession(path, options);
        var values = inputs.Select(i =>
        {
            var v = Ort.OrtValue.CreateAllocatedTensorValue(Ort.OrtAllocator.DefaultInstance, (Ort.Tensors.TensorElementType)(int)i.Value.Type,
                i.Value.Shape.Select(d => (long)d).ToArray());
            i.Value.Bytes().CopyTo(v.GetTensorMutableRawData());
            return v;
        }).ToArray();
        try
        {
            using var runOptions = new Ort.RunOptions();
            var names = session.OutputNames.ToArray();
            using var results = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, names);
            return results.Select(r =>
            {
                var info = r.GetTensorTypeAndShape();
                var t = Tensor.Zeros((DataType)(int)info.ElementDataType, info.Shape.Select(d => (int)d).ToArray());
                r.GetTensorMutableRawData().CopyTo(t.Bytes());
                return t;
            }).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}

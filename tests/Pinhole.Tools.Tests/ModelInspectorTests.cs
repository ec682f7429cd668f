using Pinhole.IR;
using Pinhole.Onnx;

namespace Pinhole.Tools.Tests;

public class ModelInspectorTests
{
    private static TensorTypeInfo F(params long[] shape) => new(DataType.Float, shape.Select(Dim.Known).ToArray());

    /// <summary>Conv, grouped Conv, Flatten, Gemm, MatMul, ConvTranspose, with every shape declared.</summary>
    private static Model HandBuilt()
    {
        var model = new Model();
        model.OpsetImports[""] = 17;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", F(2, 3, 10, 10)));
        g.Inputs.Add(new ValueInfo("t", F(1, 2, 4, 4)));
        g.Initializers["w1"] = Tensor.Zeros(DataType.Float, [4, 3, 3, 3]);
        g.Initializers["w2"] = Tensor.Zeros(DataType.Float, [8, 2, 3, 3]);
        g.Initializers["fc"] = Tensor.Zeros(DataType.Float, [10, 512]);
        g.Initializers["mm"] = Tensor.Zeros(DataType.Float, [10, 5]);
        g.Initializers["wt"] = Tensor.Zeros(DataType.Float, [2, 3, 3, 3]);
        g.Nodes.Add(new Node("Conv", ["x", "w1"], ["y1"], name: "conv1").WithAttribute(NodeAttribute.Of("pads", [1L, 1, 1, 1])));
        g.Nodes.Add(new Node("Conv", ["y1", "w2"], ["y2"], name: "conv2").WithAttribute(NodeAttribute.Of("group", 2L)));
        g.Nodes.Add(new Node("Flatten", ["y2"], ["f"], name: "flatten"));
        g.Nodes.Add(new Node("Gemm", ["f", "fc"], ["y3"], name: "gemm").WithAttribute(NodeAttribute.Of("transB", 1L)));
        g.Nodes.Add(new Node("MatMul", ["y3", "mm"], ["y4"], name: "matmul"));
        g.Nodes.Add(new Node("ConvTranspose", ["t", "wt"], ["y5"], name: "convT"));
        g.Nodes.Add(new Node("Constant", [], ["c"], name: "const_weights")
            .WithAttribute(NodeAttribute.Of("value", Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f }, [5]))));
        g.Nodes.Add(new Node("Constant", [], ["shape"], name: "const_shape")
            .WithAttribute(NodeAttribute.Of("value", Tensor.Vector(1L, 5L))));
        g.Nodes.Add(new Node("Add", ["y4", "c"], ["z"], name: "add"));
        g.ValueInfos.Add(new ValueInfo("y1", F(2, 4, 10, 10)));
        g.ValueInfos.Add(new ValueInfo("y2", F(2, 8, 8, 8)));
        g.ValueInfos.Add(new ValueInfo("f", F(2, 512)));
        g.ValueInfos.Add(new ValueInfo("y3", F(2, 10)));
        g.ValueInfos.Add(new ValueInfo("y4", F(2, 5)));
        g.Outputs.Add(new ValueInfo("z", F(2, 5)));
        g.Outputs.Add(new ValueInfo("y5", F(1, 3, 6, 6)));
        return model;
    }

    [Fact]
    public void Macs_are_exact_for_conv_gemm_matmul_and_conv_transpose()
    {
        var report = ModelInspector.Inspect(HandBuilt(), new InspectOptions { ShapeInference = null });
        var macs = report.NodeMacs.ToDictionary(m => m.Node, m => m.Macs);
        Assert.Equal(2L * 4 * 10 * 10 * (3 * 3 * 3), macs["conv1"]);    // 21,600
        Assert.Equal(2L * 8 * 8 * 8 * (2 * 3 * 3), macs["conv2"]);      // 18,432: group 2, 4 / 2 input channels each
        Assert.Equal(2L * 10 * 512, macs["gemm"]);                       // 10,240
        Assert.Equal(2L * 5 * 10, macs["matmul"]);                       // 100
        Assert.Equal(1L * 2 * 4 * 4 * (3 * 3 * 3), macs["convT"]);      // 864
        Assert.Equal(5, macs.Count);
        Assert.Equal(21_600 + 18_432 + 10_240 + 100 + 864, report.TotalMacs);
        Assert.Empty(report.Notes);
    }

    [Fact]
    public void Parameters_count_initializers_and_weight_like_constants()
    {
        var report = ModelInspector.Inspect(HandBuilt(), new InspectOptions { ShapeInference = null });
        long initializers = 108 + 144 + 5120 + 50 + 54;
        Assert.Equal(initializers, report.InitializerParameters);
        Assert.Equal(5, report.ConstantParameters); // the int64 shape constant is not a weight
        Assert.Equal(initializers + 5, report.Parameters);
        var weights = Assert.Single(report.Weights);
        Assert.Equal(new WeightBytes("float", initializers + 5, (initializers + 5) * 4), weights);
    }

    [Fact]
    public void Reports_inputs_outputs_ops_and_opsets()
    {
        var report = ModelInspector.Inspect(HandBuilt(), new InspectOptions { ShapeInference = null });
        Assert.Equal(["x", "t"], report.Inputs.Select(i => i.Name));
        Assert.Equal("[2,3,10,10]", report.Inputs[0].ShapeText);
        Assert.Equal("float", report.Inputs[0].Type);
        Assert.Equal(["z", "y5"], report.Outputs.Select(i => i.Name));
        Assert.Equal(new OpCount("Constant", 2), report.Ops[0]);
        Assert.Equal(new OpCount("Conv", 2), report.Ops[1]);
        Assert.Equal(9, report.NodeCount);
        Assert.Equal(17, report.OpsetImports["ai.onnx"]);
    }

    [Fact]
    public void Gemm_with_transposed_a_reads_k_from_the_first_dimension()
    {
        var node = new Node("Gemm", ["a", "b"], ["y"]).WithAttribute(NodeAttribute.Of("transA", 1L));
        var types = new Dictionary<string, TensorTypeInfo> { ["a"] = F(7, 3), ["b"] = F(7, 4), ["y"] = F(3, 4) };
        Assert.Equal((true, (long?)(3 * 4 * 7)), ModelInspector.Macs(node, n => types.GetValueOrDefault(n)));
    }

    [Fact]
    public void Quantized_and_fused_ops_are_counted()
    {
        var types = new Dictionary<string, TensorTypeInfo>
        {
            ["x"] = F(1, 4, 8, 8),
            ["w"] = F(6, 4, 1, 1),
            ["y"] = F(1, 6, 8, 8),
            ["a"] = F(3, 5),
            ["b"] = F(5, 2),
            ["m"] = F(3, 2),
        };
        TensorTypeInfo? TypeOf(string n) => types.GetValueOrDefault(n);
        long conv = 6 * 64 * 4;
        Assert.Equal(conv, ModelInspector.Macs(new Node("QLinearConv", ["x", "s", "z", "w", "s", "z", "s", "z"], ["y"]), TypeOf).Macs);
        Assert.Equal(conv, ModelInspector.Macs(new Node("ConvInteger", ["x", "w"], ["y"]), TypeOf).Macs);
        Assert.Equal(conv, ModelInspector.Macs(new Node("FusedConv", ["x", "w"], ["y"], "com.microsoft"), TypeOf).Macs);
        Assert.Equal(30, ModelInspector.Macs(new Node("QLinearMatMul", ["a", "s", "z", "b", "s", "z", "s", "z"], ["m"]), TypeOf).Macs);
        Assert.Equal(30, ModelInspector.Macs(new Node("MatMulInteger", ["a", "b"], ["m"]), TypeOf).Macs);
        Assert.Equal(30, ModelInspector.Macs(new Node("FusedGemm", ["a", "b"], ["m"], "com.microsoft"), TypeOf).Macs);
        Assert.Equal((false, (long?)0), ModelInspector.Macs(new Node("Relu", ["x"], ["y"]), TypeOf));
        Assert.Equal((false, (long?)0), ModelInspector.Macs(new Node("Conv", ["x", "w"], ["y"], "custom.domain"), TypeOf));
        Assert.Equal((true, (long?)null), ModelInspector.Macs(new Node("Conv", ["x", "unknown"], ["y"]), TypeOf));
    }

    [Fact]
    public void Tiny_cnn_has_the_documented_parameters_and_macs()
    {
        var report = ModelInspector.Inspect(SampleModels.TinyCnn());
        Assert.Equal(1418, report.Parameters);
        Assert.Equal(8L * 28 * 28 * 9 + 16L * 12 * 12 * 72 + 10 * 16, report.TotalMacs); // 222,496
        Assert.Empty(report.Notes);
    }

    [Fact]
    public void Committed_sample_model_is_what_the_generator_builds()
    {
        var saved = OnnxModel.Load(Repository.Sample("tiny-cnn", "model.onnx"));
        var built = SampleModels.TinyCnn();
        Assert.Equal(built.Graph.Nodes.Select(n => n.OpType), saved.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal(built.Graph.Initializers.Keys, saved.Graph.Initializers.Keys);
        foreach (var (name, t) in built.Graph.Initializers)
            Assert.Equal(t.Span<float>().ToArray(), saved.Graph.Initializers[name].Span<float>().ToArray());
        var input = OnnxTensorFile.Read(Repository.Sample("tiny-cnn", "test_data_set_0", "input_0.pb"));
        Assert.Equal(SampleModels.TinyCnnInput().Span<float>().ToArray(), input.Span<float>().ToArray());
    }

    [SharedDataFact]
    public void Mobilenetv2_int8_matches_the_published_size_and_cost()
    {
        var model = OnnxModel.Load(Path.Combine(Repository.Shared!, "models", "mobilenetv2-12-int8", "model.onnx"));
        var report = ModelInspector.Inspect(model);
        // Published: about 3.5 M parameters and about 300 M multiply-accumulates for MobileNetV2 1.0 at 224x224.
        Assert.InRange(report.Parameters, 3_150_000, 3_850_000);
        Assert.InRange(report.TotalMacs, 270_000_000, 330_000_000);
        Assert.Equal(52, report.Ops.Single(o => o.Op == "QLinearConv").Count);
    }
}

using System.Text.Json;
using Pinhole.Cli;
using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Runtime;

namespace Pinhole.Cli.Tests;

public sealed class BenchOptimizeTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("pinhole-cli-bench-").FullName;

    private static readonly string Model = Repository.Sample("tiny-cnn", "model.onnx");
    private static readonly string DataSet = Repository.Sample("tiny-cnn", "test_data_set_0");

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Bench_json_is_one_object_with_consistent_figures()
    {
        var (code, output, err) = Run("bench", Model, "--json", "--threads", "1", "--runs", "6", "--warmup", "1");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var latency = root.GetProperty("latency_ms");
        double min = latency.GetProperty("min").GetDouble(), p50 = latency.GetProperty("p50").GetDouble();
        double p90 = latency.GetProperty("p90").GetDouble(), p99 = latency.GetProperty("p99").GetDouble();
        Assert.True(min > 0, $"min {min}");
        Assert.True(p50 >= min && p90 >= p50 && p99 >= p90, $"min {min} p50 {p50} p90 {p90} p99 {p99}");
        Assert.True(root.GetProperty("load_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("throughput_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("peak_working_set_bytes").GetInt64() > 1 << 20);
        Assert.True(root.GetProperty("arena_bytes").GetInt64() >= root.GetProperty("arena_lower_bound_bytes").GetInt64());
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        Assert.Equal(6, root.GetProperty("runs").GetInt32());
        Assert.True(root.GetProperty("warmup").GetInt32() >= 1);
        Assert.EndsWith("model.onnx", root.GetProperty("model").GetString(), StringComparison.Ordinal);
        Assert.False(root.TryGetProperty("profile", out _));
        Assert.False(string.IsNullOrEmpty(root.GetProperty("optimization_level").GetString()));
    }

    [Fact]
    public void Bench_level_sets_the_session_optimization_level()
    {
        var (code, output, err) = Run("bench", Model, "--json", "--level", "NONE", "--threads", "1", "--runs", "1", "--warmup", "0");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("none", doc.RootElement.GetProperty("optimization_level").GetString());
        Assert.Equal(2, Run("bench", Model, "--level", "fastest").Code);
    }

    [Fact]
    public void Bench_profile_lists_every_node_in_json_and_text()
    {
        var (code, output, err) = Run("bench", Model, "--json", "--profile", "--threads", "1", "--runs", "2", "--warmup", "2",
            "--fixed-warmup", "--input-dir", DataSet);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var profile = doc.RootElement.GetProperty("profile");
        var optimized = OnnxModel.Load(Model); // bench runs the session's default level: the nodes of the optimized graph
        Runtime.Optimization.GraphOptimizer.Optimize(optimized, new SessionOptions().OptimizationLevel);
        Assert.Equal(optimized.Graph.Nodes.Count, profile.GetArrayLength());
        var first = profile[0];
        Assert.Equal(2, first.GetProperty("calls").GetInt32());
        Assert.Equal(2, doc.RootElement.GetProperty("warmup").GetInt32());
        Assert.True(first.GetProperty("total_ms").GetDouble() >= profile[1].GetProperty("total_ms").GetDouble());
        Assert.True(first.TryGetProperty("variant", out _));
        Assert.Contains(doc.RootElement.GetProperty("op_profile").EnumerateArray(), o => o.GetProperty("op").GetString()!.EndsWith("Conv", StringComparison.Ordinal));

        (code, output, err) = Run("bench", Model, "--profile", "--threads", "1", "--runs", "2", "--warmup", "0");
        Assert.True(code == 0, err);
        Assert.Contains("latency     min ", output, StringComparison.Ordinal);
        Assert.Contains("p50 ", output, StringComparison.Ordinal);
        Assert.Contains("node", output, StringComparison.Ordinal);
        Assert.Contains("conv1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_rejects_bad_arguments_with_exit_2()
    {
        Assert.Equal(2, Run("bench", Model, "--runs", "0").Code);
        Assert.Equal(2, Run("bench", Model, "--threads", "0").Code);
        Assert.Equal(2, Run("bench", Model, "--dim", "batch").Code);
        Assert.Equal(2, Run("bench", Path.Combine(_temp, "missing.onnx")).Code);
        Assert.Equal(2, Run("bench", Model, "--input-dir", Path.Combine(_temp, "nowhere")).Code);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("BASIC")]
    public void Optimize_writes_a_model_that_computes_the_same_outputs(string level)
    {
        string output = Path.Combine(_temp, "sub", "optimized.onnx");
        var (code, text, err) = Run("optimize", Model, "-o", output, "--level", level);
        Assert.True(code == 0, err);
        Assert.Contains("nodes", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, "*.tmp"));

        var input = OnnxTensorFile.Read(Path.Combine(DataSet, "input_0.pb"));
        using var original = new InferenceSession(OnnxModel.Load(Model));
        using var optimized = new InferenceSession(OnnxModel.Load(output));
        Assert.Equal(original.Run(input)[0].Span<float>().ToArray(), optimized.Run(input)[0].Span<float>().ToArray());
    }

    [Fact]
    public void Optimize_never_overwrites_its_input()
    {
        string copy = Path.Combine(_temp, "model.onnx");
        File.Copy(Model, copy);
        byte[] before = File.ReadAllBytes(copy);
        var (code, _, err) = Run("optimize", copy, "-o", copy);
        Assert.Equal(2, code);
        Assert.Contains("input model", err, StringComparison.Ordinal);
        // The same file through another spelling of its path.
        (code, _, _) = Run("optimize", copy, "-o", Path.Combine(_temp, ".", "model.onnx"));
        Assert.Equal(2, code);
        // ... and through a symbolic link.
        string link = Path.Combine(_temp, "link.onnx");
        File.CreateSymbolicLink(link, copy);
        (code, _, _) = Run("optimize", copy, "-o", link);
        Assert.Equal(2, code);
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Optimize_rejects_an_unknown_level()
    {
        var (code, _, err) = Run("optimize", Model, "-o", Path.Combine(_temp, "x.onnx"), "--level", "turbo");
        Assert.Equal(2, code);
        Assert.Contains("basic", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_temp, "x.onnx")));
        Assert.Equal(2, Run("optimize", Model, "-o", Path.Combine(_temp, "y.onnx"), "--level", "1").Code);
    }

    [Fact]
    public void Optimize_strips_quantization_from_a_qdq_model()
    {
        string source = Path.Combine(_temp, "qdq.onnx");
        OnnxModel.Save(QdqModel(), source);
        string output = Path.Combine(_temp, "fp32.onnx");
        var (code, text, err) = Run("optimize", source, "-o", output, "--strip-quantization", "--level", "none");
        Assert.True(code == 0, err);
        Assert.Contains("DequantizeLinear -2", text, StringComparison.Ordinal);
        Assert.Contains("QuantizeLinear -1", text, StringComparison.Ordinal);

        var model = OnnxModel.Load(output);
        Assert.Equal(["Conv"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal("x", model.Graph.Nodes[0].Inputs[0]);
        var w = Assert.Single(model.Graph.Initializers).Value;
        Assert.Equal(DataType.Float, w.Type);
        Assert.Equal([-1f, 0.5f, 2f, -4f], w.Span<float>().ToArray());

        var x = Tensor.FromArray(new[] { 0.013f, 1f, 2f, 3f }, [1, 4, 1, 1]);
        using var session = new InferenceSession(model);
        Assert.Equal(-1f * 0.013f + 0.5f * 1 + 2f * 2 - 4f * 3, session.Run(x)[0].Span<float>()[0], 5);
    }

    /// <summary>x → QuantizeLinear → DequantizeLinear → 1x1 Conv with a per-channel int8 weight through DequantizeLinear.</summary>
    private static Model QdqModel()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(1), Dim.Known(4), Dim.Known(1), Dim.Known(1)])));
        g.Initializers["s"] = Tensor.Scalar(0.1f);
        g.Initializers["z"] = Tensor.Scalar((byte)128);
        g.Initializers["w"] = Tensor.FromArray(new sbyte[] { -2, 1, 4, -8 }, [1, 4, 1, 1]);
        g.Initializers["ws"] = Tensor.FromArray(new[] { 0.5f }, [1]);
        g.Nodes.Add(new Node("QuantizeLinear", ["x", "s", "z"], ["xq"]));
        g.Nodes.Add(new Node("DequantizeLinear", ["xq", "s", "z"], ["xf"]));
        g.Nodes.Add(new Node("DequantizeLinear", ["w", "ws"], ["wf"]).WithAttribute(NodeAttribute.Of("axis", 0L)));
        g.Nodes.Add(new Node("Conv", ["xf", "wf"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", new TensorTypeInfo(DataType.Float, null)));
        return model;
    }
}

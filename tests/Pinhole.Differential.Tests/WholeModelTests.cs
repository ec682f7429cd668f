using Pinhole.Onnx;
using Pinhole.Runtime;
using Xunit.Abstractions;

namespace Pinhole.Differential.Tests;

/// <summary>
/// Pinhole against ONNX Runtime (graph optimizations on, one thread) on every model in ../shared/models, on seeded
/// random inputs of each model's expected kind. Every output's type, shape and values are checked with the
/// per-model tolerance below (|pinhole - ort| &lt;= atol + rtol * |ort|).
/// </summary>
public class WholeModelTests(ITestOutputHelper output)
{
    /// <summary>How to feed and judge one model.</summary>
    /// <param name="Low">Low end of float inputs.</param>
    /// <param name="High">High end of float inputs.</param>
    /// <param name="Symbolic">Value given to symbolic dimensions (batch = 1; BERT's sequence length).</param>
    /// <param name="Optimize">ORT_ENABLE_ALL (true) or ORT_DISABLE_ALL (false, with a reason in the table).</param>
    private sealed record Spec(string File, float Low, float High, int Symbolic, bool Optimize, double Atol, double Rtol);

    // Measured (seed 20261124, ORT 1.31.1 on x64): max abs / max rel difference in the comment of each row.
    private static readonly Dictionary<string, Spec> Specs = new()
    {
        // fp32 CNN on caffe-style input (BGR 0-255 minus the ImageNet mean); softmax output. Only the summation
        // order of Conv differs: 1.1e-7 / 4.4e-6.
        ["squeezenet1.0"] = new("squeezenet1.0/model.onnx", -120, 130, 1, true, 1e-6, 1e-4),
        // fp16 throughout: each node rounds to fp16 (10-bit mantissa), and ORT (which runs fp16 Conv in fp32 between
        // inserted Casts, some of which its optimizer removes) rounds at other points; a few fp16 ulps of the
        // largest probability: 7.3e-4 / 3.8e-2 (the rel on probabilities near 0).
        ["squeezenet1.0-fp16"] = new("squeezenet1.0/model-fp16.onnx", -120, 130, 1, true, 2e-3, 2e-2),
        // Raw 0-255 pixels; logits of a few hundred: 4.4e-4 / 3.0e-6.
        ["mnist-8"] = new("mnist-8/model.onnx", 0, 255, 1, true, 1e-3, 1e-4),
        // QDQ on ImageNet-normalized input, compared with ORT_ENABLE_ALL: both runtimes fuse DQ -> op -> Q into
        // integer kernels (Pinhole's default OptimizationLevel.Basic; see docs/optimization.md). Exact on the
        // reference image (test_data_set_0) and on uniform [-2, 2] inputs (QuantizedModelTests), but on these
        // [-2.1, 2.6] inputs 418 of 1000 scores differ by up to 2 output steps (0.306), input-range dependent and
        // not explained yet (suspect: a saturating path of ORT's U8S8 integer kernels). Allowed: 2 output steps.
        ["mobilenetv2-qdq"] = new("mobilenetv2-qdq/model.onnx", -2.1f, 2.6f, 1, true, 0.31, 0),
        // QOperator (integer arithmetic, float only at the ends): exact, 0 / 0.
        ["mobilenetv2-12-int8"] = new("mobilenetv2-12-int8/model.onnx", -2.1f, 2.6f, 1, true, 1e-5, 0),
        // Input (pixel - 127) / 128; scores (softmax) and boxes: 2.4e-7 / 2.5e-3 (rel on box values near 0).
        ["ultraface-rfb-320"] = new("ultraface-rfb-320/model.onnx", -1, 1, 1, true, 1e-5, 1e-4),
        // Y channel in [0, 1]; 672x672 output: 1.4e-6 / 3.6e-2 (rel on values near 0).
        ["super-resolution-10"] = new("super-resolution-10/model.onnx", 0, 1, 1, true, 1e-5, 1e-4),
        // int32 token ids within the vocabulary, token types 0/1, masks 1...1 0...0; batch (symbolic) 2, sequence 7
        // (fixed): 2.0e-8 / 8.5e-7 on start/end logits.
        ["tf-bert-qa-small"] = new("tf-bert-qa-small/model.onnx", 0, 1, 2, true, 1e-6, 1e-4),
        // QOperator; features in [-2, 2], quantized by the first node: exact, 0 / 0.
        ["mlperftiny-kws-int8"] = new("mlperftiny-kws-int8/model.onnx", -2, 2, 1, true, 1e-5, 0),
    };

    public static TheoryData<string> Models => new(Specs.Keys);

    [SharedDataTheory]
    [MemberData(nameof(Models))]
    public void Matches_onnx_runtime(string name)
    {
        var spec = Specs[name];
        var path = Repository.Model(spec.File.Split('/'));
        var model = OnnxModel.Load(path);
        var missing = model.Graph.Nodes.Where(n => !KernelRegistry.IsRegistered(n.Domain, n.OpType))
            .Select(n => $"{n.Domain}:{n.OpType}").Distinct().ToList();
        Assert.True(missing.Count == 0, "no kernel for " + string.Join(", ", missing));

        var inputs = ModelInputs.Create(path, model, seed: 20261124, spec.Low, spec.High, spec.Symbolic);
        foreach (var (n, t) in inputs) output.WriteLine($"input {n}: {t}");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var session = new Runtime.InferenceSession(model);
        var actual = session.Run(inputs.ToDictionary(i => i.Name, i => i.Value));
        output.WriteLine($"Pinhole load+run {watch.Elapsed.TotalMilliseconds:F0} ms");
        watch.Restart();
        var expected = OrtReference.Run(path, inputs, spec.Optimize);
        output.WriteLine($"ORT load+run {watch.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal(expected.Select(e => e.Name), session.Outputs.Select(o => o.Name));
        foreach (var (outName, value) in expected)
            TensorComparison.AssertClose($"{name} '{outName}'", value, actual[outName], spec.Atol, spec.Rtol, output);
    }
}

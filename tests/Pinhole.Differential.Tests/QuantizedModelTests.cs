using Pinhole.Onnx;
using Pinhole.Runtime;
using Xunit.Abstractions;

namespace Pinhole.Differential.Tests;

/// <summary>
/// Pinhole against ONNX Runtime on the shared quantized models, on seeded random inputs.
/// QOperator models (QLinearConv, QLinearAdd, ... in integer arithmetic) must match ORT essentially exactly.
/// The QDQ model is compared both ways: with graph optimizations on in both runtimes (each fuses DQ -> op -> Q into
/// integer kernels, so they must agree essentially exactly; test_data_set_0 of mobilenetv2-qdq was made that way),
/// and with them off in both (the float QDQ semantics that ONNX specifies, where only float rounding differs).
/// </summary>
public class QuantizedModelTests(ITestOutputHelper output)
{
    public static TheoryData<string, bool, float> Models => new()
    {
        // model, compare with ORT's optimized (fused) graph, allowed max abs diff as a fraction of the output range
        { "mobilenetv2-12-int8", true, 1e-4f },
        { "mlperftiny-kws-int8", true, 1e-4f },
        { "mobilenetv2-qdq", true, 1e-4f },
        { "mobilenetv2-qdq", false, 0.02f },
    };

    [SharedDataTheory]
    [MemberData(nameof(Models))]
    public void MatchesOnnxRuntime(string name, bool optimized, float tolerance)
    {
        var path = Repository.Model(name, "model.onnx");
        var model = OnnxModel.Load(path);
        var missing = model.Graph.Nodes.Where(n => !KernelRegistry.IsRegistered(n.Domain, n.OpType))
            .Select(n => $"{n.Domain}:{n.OpType}").Distinct().ToList();
        Assert.True(missing.Count == 0, "no kernel for " + string.Join(", ", missing));
        var rng = new Random(1234);
        var inputs = OrtReference.Inputs(path).Select(i => (i.Name, Shape: i.Shape.Select(d => d < 0 ? 1 : d).ToArray())).Select(i =>
        {
            var data = new float[i.Shape.Aggregate(1, (a, b) => a * b)];
            for (int k = 0; k < data.Length; k++) data[k] = (float)(rng.NextDouble() * 4 - 2);
            return (i.Name, data, i.Shape);
        }).ToList();

        var options = new SessionOptions { OptimizationLevel = optimized ? OptimizationLevel.Basic : OptimizationLevel.None };
        using var session = new Runtime.InferenceSession(model, options);
        var feed = inputs.Select(i => Tensor.FromArray(i.data, i.Shape)).ToArray();
        var actual = session.Run(feed);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        session.Run(feed);
        output.WriteLine($"{name}: Pinhole run {watch.Elapsed.TotalMilliseconds:F1} ms (second run)");
        var expected = OrtReference.Run(path, inputs, optimize: optimized);
        Assert.Equal(expected.Length, actual.Length);
        for (int o = 0; o < expected.Length; o++)
        {
            var a = actual[o].ReadOnlySpan<float>().ToArray();
            var (e, shape) = expected[o];
            Assert.Equal(shape, actual[o].Shape);
            Assert.All(a, v => Assert.True(float.IsFinite(v)));
            float range = e.Max() - e.Min();
            float maxDiff = 0;
            for (int k = 0; k < e.Length; k++) maxDiff = Math.Max(maxDiff, Math.Abs(e[k] - a[k]));
            output.WriteLine($"{name} output {o}: range {range:G4}, max abs diff {maxDiff:G4}, top-1 {ArgMax(a)} vs {ArgMax(e)}");
            Assert.True(maxDiff <= tolerance * range + 1e-5f, $"max abs diff {maxDiff} exceeds {tolerance} of the output range {range}");
            Assert.Equal(ArgMax(e), ArgMax(a));
        }
    }

    private static int ArgMax(float[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}

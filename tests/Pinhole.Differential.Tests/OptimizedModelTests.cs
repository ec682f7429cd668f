using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Runtime.Optimization;
using Xunit.Abstractions;

namespace Pinhole.Differential.Tests;

/// <summary>
/// The models Pinhole's optimizer writes (GraphOptimizer.Optimize at All, what `pinhole optimize` saves) must stay
/// ONNX models that ONNX Runtime runs with the same results: each shared and light model is optimized, saved, and run
/// by ORT (optimizations off) against ORT on the original; Pinhole at All is compared with ORT as well.
/// </summary>
public class OptimizedModelTests(ITestOutputHelper output)
{
    private sealed record Spec(string[] Path, float Low, float High, double Atol, double Rtol);

    private static readonly Dictionary<string, Spec> Specs = new()
    {
        ["squeezenet1.0"] = new(["models", "squeezenet1.0", "model.onnx"], -120, 130, 1e-5, 1e-3),
        ["mnist-8"] = new(["models", "mnist-8", "model.onnx"], 0, 255, 1e-3, 1e-4),
        ["mobilenetv2-12-int8"] = new(["models", "mobilenetv2-12-int8", "model.onnx"], -2.1f, 2.6f, 1e-5, 0),
        ["ultraface-rfb-320"] = new(["models", "ultraface-rfb-320", "model.onnx"], -1, 1, 1e-5, 1e-3),
        ["super-resolution-10"] = new(["models", "super-resolution-10", "model.onnx"], 0, 1, 1e-5, 1e-3),
        ["tf-bert-qa-small"] = new(["models", "tf-bert-qa-small", "model.onnx"], 0, 1, 1e-5, 1e-3),
        ["mlperftiny-kws-int8"] = new(["models", "mlperftiny-kws-int8", "model.onnx"], -2, 2, 1e-5, 0),
        ["light_resnet50"] = new(["onnx", "backend-test-data", "light", "light_resnet50.onnx"], -1, 1, 1e-4, 1e-3),
        ["light_inception_v1"] = new(["onnx", "backend-test-data", "light", "light_inception_v1.onnx"], -1, 1, 1e-4, 1e-3),
        ["light_densenet121"] = new(["onnx", "backend-test-data", "light", "light_densenet121.onnx"], -1, 1, 1e-4, 1e-3),
        ["light_shufflenet"] = new(["onnx", "backend-test-data", "light", "light_shufflenet.onnx"], -1, 1, 1e-4, 1e-3),
        ["light_squeezenet"] = new(["onnx", "backend-test-data", "light", "light_squeezenet.onnx"], -1, 1, 1e-4, 1e-3),
        ["light_inception_v2"] = new(["onnx", "backend-test-data", "light", "light_inception_v2.onnx"], -1, 1, 1e-4, 1e-3),
    };

    public static TheoryData<string> Models => new(Specs.Keys);

    [SharedDataTheory]
    [MemberData(nameof(Models))]
    public void Optimized_model_runs_in_onnx_runtime_with_the_same_results(string name)
    {
        var spec = Specs[name];
        var path = Repository.SharedPath(spec.Path);
        var model = OnnxModel.Load(path);
        var optimized = OnnxModel.Load(path);
        GraphOptimizer.Optimize(optimized, OptimizationLevel.All);
        optimized.Graph.Validate();
        output.WriteLine($"{name}: {Count(model.Graph)} -> {Count(optimized.Graph)} nodes");
        foreach (var g in optimized.Graph.Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()))
            output.WriteLine($"  {g.Key} {g.Count()}");
        var saved = Path.Combine(Path.GetTempPath(), $"pinhole-opt-{name}-{Environment.ProcessId}.onnx");
        try
        {
            OnnxModel.Save(optimized, saved);
            var inputs = ModelInputs.Create(path, model, seed: 20261124, spec.Low, spec.High, 2);
            var expected = OrtReference.Run(path, inputs, optimize: false);
            var fromOptimized = OrtReference.Run(saved, inputs, optimize: false);
            using var session = new InferenceSession(model, new Runtime.SessionOptions { OptimizationLevel = OptimizationLevel.All });
            var pinhole = session.Run(inputs.ToDictionary(i => i.Name, i => i.Value));
            for (int k = 0; k < expected.Length; k++)
            {
                TensorComparison.AssertClose($"{name} ORT(optimized) '{expected[k].Name}'", expected[k].Value, fromOptimized[k].Value, spec.Atol, spec.Rtol, output);
                TensorComparison.AssertClose($"{name} Pinhole(All) '{expected[k].Name}'", expected[k].Value, pinhole[expected[k].Name], spec.Atol, spec.Rtol, output);
            }
        }
        finally
        {
            File.Delete(saved);
        }
    }

    private static int Count(Graph g) => g.Nodes.Sum(n => 1 + n.Subgraphs().Sum(Count));
}

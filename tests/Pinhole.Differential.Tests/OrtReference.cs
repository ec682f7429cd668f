using Microsoft.ML.OnnxRuntime;

namespace Pinhole.Differential.Tests;

/// <summary>Runs a model with ONNX Runtime (the reference) on float32 inputs and returns float32 outputs.</summary>
internal static class OrtReference
{
    public static (float[] Data, int[] Shape)[] Run(string modelPath, IReadOnlyList<(string Name, float[] Data, int[] Shape)> inputs, bool optimize)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
        };
        using var session = new InferenceSession(modelPath, options);
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Data, i.Shape.Select(d => (long)d).ToArray())).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, session.OutputNames);
            return results.Select(r => (r.GetTensorDataAsSpan<float>().ToArray(),
                r.GetTensorTypeAndShape().Shape.Select(d => (int)d).ToArray())).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>The declared input names and shapes, with symbolic dimensions set to 1.</summary>
    public static (string Name, int[] Shape)[] Inputs(string modelPath)
    {
        using var session = new InferenceSession(modelPath);
        return session.InputMetadata.Select(kv => (kv.Key, kv.Value.Dimensions.Select(d => d <= 0 ? 1 : d).ToArray())).ToArray();
    }
}

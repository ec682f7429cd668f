using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Pinhole.Differential.Tests;

/// <summary>Runs a model with ONNX Runtime (the reference), exchanging values as Pinhole tensors.</summary>
internal static class OrtReference
{
    /// <summary>Runs <paramref name="modelPath"/> on single-threaded ORT; returns every graph output in declaration order.</summary>
    public static (string Name, Tensor Value)[] Run(string modelPath, IReadOnlyList<(string Name, Tensor Value)> inputs, bool optimize)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(modelPath, options);
        var values = inputs.Select(i => ToOrt(i.Value)).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            var names = session.OutputNames.ToArray();
            using var results = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, names);
            return names.Select((n, k) => (n, FromOrt(results[k]))).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Float inputs and outputs only: the form the quantized-model tests use.</summary>
    public static (float[] Data, int[] Shape)[] Run(string modelPath, IReadOnlyList<(string Name, float[] Data, int[] Shape)> inputs, bool optimize) =>
        Run(modelPath, inputs.Select(i => (i.Name, Tensor.FromArray(i.Data, i.Shape))).ToList(), optimize)
            .Select(o => (o.Value.ReadOnlySpan<float>().ToArray(), o.Value.Shape)).ToArray();

    /// <summary>The declared inputs: name, element type and shape (symbolic or unknown dimensions are -1).</summary>
    public static (string Name, DataType Type, int[] Shape)[] Inputs(string modelPath)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(modelPath, options);
        return session.InputMetadata.Select(kv => (kv.Key, (DataType)(int)kv.Value.ElementDataType,
            kv.Value.Dimensions.Select(d => d <= 0 ? -1 : d).ToArray())).ToArray();
    }

    private static OrtValue ToOrt(Tensor tensor)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)tensor.Type,
            tensor.Shape.Select(d => (long)d).ToArray());
        tensor.Bytes().CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private static Tensor FromOrt(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var tensor = Tensor.Zeros((DataType)(int)info.ElementDataType, info.Shape.Select(d => (int)d).ToArray());
        value.GetTensorMutableRawData().CopyTo(tensor.Bytes());
        return tensor;
    }
}

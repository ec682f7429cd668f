using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace Pinhole.Onnx.Tests;

/// <summary>
/// ONNX Runtime as an oracle: a model loaded by Pinhole and saved again must compute exactly what the original does.
/// </summary>
public class OrtRoundTripTests
{
    [SharedDataTheory]
    [InlineData("squeezenet1.0")]
    [InlineData("mnist-8")]
    [InlineData("mobilenetv2-qdq")]
    public void ReexportedModelGivesIdenticalOutputs(string folder)
    {
        string original = Repository.SharedPath("models", folder, "model.onnx");
        using var dir = new TempDirectory();
        string reexported = Path.Combine(dir.Path, "model.onnx");
        OnnxModel.Save(OnnxModel.Load(original), reexported);

        var input = OnnxTensorFile.Read(Repository.SharedPath("models", folder, "test_data_set_0", "input_0.pb"));
        float[] expected = Run(original, input);
        float[] actual = Run(reexported, input);
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan().SequenceEqual(actual), "outputs of the re-exported model differ from the original's");

        // Sanity check against the reference output: same top class (squeezenet's weights went through fp16,
        // the QDQ model's reference came from another runtime, so values differ slightly).
        var reference = OnnxTensorFile.Read(Repository.SharedPath("models", folder, "test_data_set_0", "output_0.pb")).ReadOnlySpan<float>().ToArray();
        Assert.Equal(reference.Length, actual.Length);
        Assert.Equal(Array.IndexOf(reference, reference.Max()), Array.IndexOf(actual, actual.Max()));
    }

    private static float[] Run(string modelPath, Tensor input)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(modelPath, options);
        // The .pb's own name is not always the graph input's (squeezenet's says 'data'); these models have one input.
        string name = session.InputMetadata.Keys.Single();
        long[] shape = input.Shape.Select(d => (long)d).ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(input.ReadOnlySpan<float>().ToArray(), shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [name], [value], [session.OutputMetadata.Keys.First()]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}

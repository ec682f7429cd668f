using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Testing;
using Pinhole.Tools.Quantization;

namespace Pinhole.Tools.Tests.Quantization;

public sealed class QuantizeSharedModelTests
{
    [SharedDataFact]
    public void Mnist_quantizes_to_qdq_that_runs_and_agrees_with_float()
    {
        string path = Repository.Model("mnist-8", "model.onnx");
        var input = OnnxTensorFile.Read(Repository.Model("mnist-8", "test_data_set_0", "input_0.pb"));
        var calibration = ListSampleSource.Random("Input3", [1, 1, 28, 28], 16, seed: 1, low: 0, high: 255);
        var model = OnnxModel.Load(path);
        var report = ModelQuantizer.Quantize(model, calibration, new QuantizationOptions());
        Assert.Equal(8, report.OpsetFrom);
        Assert.Equal(13, report.OpsetTo);
        Assert.True(report.QuantizedNodes.GetValueOrDefault("Conv") == 2, string.Join(", ", report.QuantizedNodes) + " | " + string.Join(", ", report.FloatNodes));

        var bytes = OnnxModel.ToBytes(model);
        using var quantized = new InferenceSession(OnnxModel.Load(bytes, null));
        using var reference = new InferenceSession(OnnxModel.Load(path));
        var q = quantized.Run(input)[0].ReadOnlySpan<float>().ToArray();
        var f = reference.Run(input)[0].ReadOnlySpan<float>().ToArray();
        Assert.Equal(Array.IndexOf(f, f.Max()), Array.IndexOf(q, q.Max()));
    }
}

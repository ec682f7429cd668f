using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Testing;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Quantization;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Pinhole.Tools.Tests.Quantization;

public sealed class QuantizeSharedModelTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("pinhole-quantize-shared-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [SharedDataFact]
    public void Mnist_quantizes_to_qdq_that_onnx_runtime_runs_within_one_output_step_of_pinhole()
    {
        string path = Repository.Model("mnist-8", "model.onnx");
        string images = Repository.SharedPath("datasets", "mnist", "t10k-images-idx3-ubyte.gz");
        var model = OnnxModel.Load(path);
        var calibration = SampleSources.Open(images, model.Graph.RuntimeInputs().ToList(), new SampleOptions { Preset = "raw", Limit = 50 });
        var report = ModelQuantizer.Quantize(model, calibration, new QuantizationOptions());
        Assert.Equal(8, report.OpsetFrom);
        Assert.Equal(13, report.OpsetTo);
        Assert.Equal(2, report.QuantizedNodes["Conv"]);
        Assert.Equal(1, report.QuantizedNodes["Gemm"]);

        string quantized = Path.Combine(_temp, "mnist-int8.onnx");
        OnnxModel.Save(model, quantized);
        var outputDq = model.Graph.Nodes.Single(n => n.OpType == "DequantizeLinear" && n.Outputs[0] == "Plus214_Output_0");
        float step = model.Graph.Initializers[outputDq.Inputs[1]].ReadOnlySpan<float>()[0];
        using var session = new InferenceSession(OnnxModel.Load(quantized));
        var test = SampleSources.Open(images, session.Inputs, new SampleOptions { Preset = "raw", Skip = 1000, Limit = 20 });
        foreach (var sample in test.Read())
        {
            var x = sample.Inputs["Input3"];
            var pinhole = session.Run(x)[0].ReadOnlySpan<float>().ToArray();
            var ort = OrtRunner.Run(quantized, [("Input3", x)], Ort.GraphOptimizationLevel.ORT_ENABLE_ALL)[0].ReadOnlySpan<float>().ToArray();
            for (int i = 0; i < ort.Length; i++)
                Assert.True(Math.Abs(ort[i] - pinhole[i]) <= step * 1.001, $"sample {sample.Id}, class {i}: ONNX Runtime {ort[i]}, Pinhole {pinhole[i]}, step {step}");
        }
    }
}

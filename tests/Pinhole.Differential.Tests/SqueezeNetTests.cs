using Pinhole.Cli;
using Pinhole.Onnx;
using Xunit.Abstractions;

namespace Pinhole.Differential.Tests;

/// <summary>
/// SqueezeNet 1.0 on its reference data set: `pinhole run` (in process) against ORT and against output_0.pb, and the
/// model exported by Pinhole after a load/save round trip against the original, both in ORT.
/// </summary>
public sealed class SqueezeNetTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("pinhole-diff-").FullName;

    private static string ModelPath => Repository.Model("squeezenet1.0", "model.onnx");
    private static string DataSet => Repository.Model("squeezenet1.0", "test_data_set_0");

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static List<(string Name, Tensor Value)> Inputs()
    {
        // input_0.pb names its tensor 'data'; the model's input is 'data_0' (pinhole run feeds files in order).
        var tensor = OnnxTensorFile.Read(Path.Combine(DataSet, "input_0.pb"));
        return [(OrtReference.Inputs(ModelPath).Single().Name, tensor)];
    }

    [SharedDataFact]
    public void Pinhole_run_matches_onnx_runtime_and_the_reference_output()
    {
        string outDir = Path.Combine(_temp, "out");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["run", ModelPath, "--input-dir", DataSet, "--output-dir", outDir], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        var actual = OnnxTensorFile.Read(Path.Combine(outDir, "output_0.pb"));

        var ort = OrtReference.Run(ModelPath, Inputs(), optimize: true);
        Assert.Single(ort);
        // Same float32 weights: only the summation order differs.
        TensorComparison.AssertClose("pinhole run vs ORT", ort[0].Value, actual, 1e-7, 1e-4, output);
        // output_0.pb was made with the original fp32 weights; this model's weights went through fp16 (SOURCES.md:
        // up to 0.4% relative difference on the probabilities that matter; tiny ones get the absolute term).
        var reference = OnnxTensorFile.Read(Path.Combine(DataSet, "output_0.pb"));
        TensorComparison.AssertClose("pinhole run vs output_0.pb", reference, actual, 1e-5, 1e-2, output);
    }

    [SharedDataFact]
    public void Round_tripped_model_runs_in_onnx_runtime_like_the_original()
    {
        string exported = Path.Combine(_temp, "roundtrip.onnx");
        OnnxModel.Save(OnnxModel.Load(ModelPath), exported);
        var inputs = Inputs();
        var original = OrtReference.Run(ModelPath, inputs, optimize: true);
        var roundTripped = OrtReference.Run(exported, inputs, optimize: true);
        Assert.Equal(original.Select(o => o.Name), roundTripped.Select(o => o.Name));
        for (int k = 0; k < original.Length; k++)
            TensorComparison.AssertClose($"round trip '{original[k].Name}'", original[k].Value, roundTripped[k].Value, 0, 0, output);
    }
}

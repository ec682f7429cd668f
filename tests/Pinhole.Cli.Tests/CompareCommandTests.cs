using System.Text.Json;
using Pinhole.Onnx;

namespace Pinhole.Cli.Tests;

public sealed class CompareCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pinhole-compare-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SharedDataFact]
    public void Compare_names_the_layer_with_a_deliberately_bad_scale_first()
    {
        string images = Path.Combine(Repository.SharedPath(), "datasets", "mnist", "t10k-images-idx3-ubyte.gz");
        string model = Repository.Model("mnist-8", "model.onnx");
        string quantized = Path.Combine(_dir, "q.onnx"), broken = Path.Combine(_dir, "broken.onnx");
        var (code, _, err) = CliRunner.Run("quantize", model, "-c", images, "--preset", "raw", "--limit", "100", "-o", quantized);
        Assert.True(code == 0, err);

        // The second convolution block's output (Relu absorbed into the Conv) with a scale 40 times too small: most values saturate.
        var m = OnnxModel.Load(quantized);
        const string tensor = "ReLU114_Output_0";
        float scale = m.Graph.Initializers[tensor + "_scale"].ReadOnlySpan<float>()[0];
        m.Graph.Initializers[tensor + "_scale"] = Tensor.Scalar(scale / 40);
        OnnxModel.Save(m, broken);

        var (c, output, e) = CliRunner.Run("compare", model, broken, "--data", images, "--preset", "raw", "--skip", "100", "--limit", "20", "--json");
        Assert.True(c == 0, e);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(20, root.GetProperty("samples").GetInt32());
        Assert.Equal(tensor, root.GetProperty("mostLossy")[0].GetString());
        var layer = root.GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("tensor").GetString() == tensor);
        Assert.Equal("ReLU114", layer.GetProperty("node").GetString()); // named as in the float model

        // The unbroken model lists the same layers, none of them far off.
        var (c2, text, e2) = CliRunner.Run("compare", model, quantized, "--data", images, "--preset", "raw", "--limit", "8", "--all");
        Assert.True(c2 == 0, e2);
        Assert.Contains("most lossy layers", text, StringComparison.Ordinal);
        Assert.Contains("all layers, in graph order", text, StringComparison.Ordinal);
        Assert.Contains(tensor, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_of_a_missing_model_fails_with_one_line()
    {
        string model = Repository.Sample("tiny-cnn", "model.onnx");
        var (code, _, err) = CliRunner.Run("compare", model, Path.Combine(_dir, "none.onnx"), "--data", _dir);
        Assert.Equal(2, code);
        Assert.StartsWith("error:", err, StringComparison.Ordinal);
        Assert.Contains("none.onnx", err, StringComparison.Ordinal);
    }
}

using System.Buffers.Binary;
using System.Text.Json;
using Pinhole.Onnx;
using Pinhole.Runtime;

namespace Pinhole.Cli.Tests;

public sealed class QuantizeCommandTests : IDisposable
{
    private static readonly string Model = Repository.Sample("tiny-cnn", "model.onnx"); // [1,1,28,28] -> 10 classes

    private readonly string _dir = Directory.CreateTempSubdirectory("pinhole-quantize-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Eight 28x28 IDX images.</summary>
    private string Images()
    {
        string path = Path.Combine(_dir, "images-idx3-ubyte");
        var bytes = new byte[16 + 8 * 784];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x0803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 8);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 28);
        for (int i = 16; i < bytes.Length; i++) bytes[i] = (byte)(i * 37 % 251);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Quantize_writes_a_qdq_model_that_runs_and_reports_json()
    {
        string output = Path.Combine(_dir, "out", "q.onnx");
        var (code, stdout, err) = CliRunner.Run("quantize", Model, "-c", Images(), "--preset", "unit", "--limit", "5",
            "--method", "percentile", "--activation-type", "int8", "--threads", "1", "-o", output, "--json");
        Assert.True(code == 0, err);
        Assert.Equal("", err);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("percentile", root.GetProperty("method").GetString());
        Assert.Equal("int8", root.GetProperty("activationType").GetString());
        Assert.Equal(5, root.GetProperty("report").GetProperty("samples").GetInt32());
        Assert.True(root.GetProperty("report").GetProperty("quantizedNodes").GetProperty("Conv").GetInt32() > 0);
        Assert.Equal(new FileInfo(output).Length, root.GetProperty("bytesAfter").GetInt64());

        var model = OnnxModel.Load(output);
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "QuantizeLinear");
        using var session = new InferenceSession(model);
        var y = session.Run(Tensor.Zeros(DataType.Float, [1, 1, 28, 28]))[0];
        Assert.Equal([1, 10], y.Shape);
    }

    [Fact]
    public void Quantize_prints_a_summary_and_a_progress_bar()
    {
        string output = Path.Combine(_dir, "q.onnx");
        var (code, stdout, err) = CliRunner.Run("quantize", Model, "-c", Images(), "--preset", "raw", "-o", output);
        Assert.True(code == 0, err);
        Assert.Contains("calibrating [########################] 8/8", err, StringComparison.Ordinal);
        Assert.Contains("quantized    ", stdout, StringComparison.Ordinal);
        Assert.Contains("minmax", stdout, StringComparison.Ordinal);
        Assert.Contains("wrote        " + output, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Dynamic_quantization_needs_no_calibration_data()
    {
        string output = Path.Combine(_dir, "dynamic.onnx");
        var (code, stdout, err) = CliRunner.Run("quantize", Model, "--dynamic", "-o", output, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("report").GetProperty("quantizedGemms").GetInt32());
        var model = OnnxModel.Load(output);
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "MatMulInteger");
        using var session = new InferenceSession(model);
        Assert.Equal([1, 10], session.Run(Tensor.Zeros(DataType.Float, [1, 1, 28, 28]))[0].Shape);

        var (bad, _, badErr) = CliRunner.Run("quantize", Model, "--dynamic", "-c", Images(), "-o", output);
        Assert.Equal(2, bad);
        Assert.Contains("--dynamic takes no --calibration", badErr, StringComparison.Ordinal);
        var (missing, _, missingErr) = CliRunner.Run("quantize", Model, "-o", output);
        Assert.Equal(2, missing);
        Assert.Contains("--calibration DATA is required", missingErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--method", "kl", "--method 'kl'")]
    [InlineData("--activation-type", "int16", "--activation-type 'int16'")]
    [InlineData("--exclude", "nope", "no node named 'nope'")]
    [InlineData("--percentile", "0", "--percentile must be in (0, 100]")]
    [InlineData("--accuracy-budget", "1", "--accuracy-budget needs --labels")]
    [InlineData("--accuracy-budget", "-1", "--accuracy-budget must be a non-negative number")]
    [InlineData("--labels", "labels.csv", "--labels is for --accuracy-budget")]
    public void Bad_arguments_fail_with_one_line_and_write_nothing(string option, string value, string expected)
    {
        string output = Path.Combine(_dir, "q.onnx");
        var (code, _, err) = CliRunner.Run("quantize", Model, "-c", Images(), option, value, "-o", output);
        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Quantize_refuses_to_overwrite_its_input()
    {
        string copy = Path.Combine(_dir, "model.onnx");
        File.Copy(Model, copy);
        var before = File.ReadAllBytes(copy);
        var (code, _, err) = CliRunner.Run("quantize", copy, "-c", Images(), "-o", copy);
        Assert.Equal(2, code);
        Assert.Contains("is the input model", err, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [SharedDataFact]
    public void Mnist_quantized_on_500_images_stays_within_a_third_of_a_point_on_the_next_2000()
    {
        string shared = Repository.SharedPath();
        string images = Path.Combine(shared, "datasets", "mnist", "t10k-images-idx3-ubyte.gz");
        string labels = Path.Combine(shared, "datasets", "mnist", "t10k-labels-idx1-ubyte.gz");
        string model = Repository.Model("mnist-8", "model.onnx");
        string output = Path.Combine(_dir, "mnist-int8.onnx");
        var (code, _, err) = CliRunner.Run("quantize", model, "-c", images, "--preset", "raw", "--limit", "500", "-o", output, "--json");
        Assert.True(code == 0, err);
        double Top1(string m)
        {
            var (c, o, e) = CliRunner.Run("eval", m, "--data", images, "--labels", labels, "--preset", "raw", "--skip", "500", "--limit", "2000", "--json");
            Assert.True(c == 0, e);
            using var doc = JsonDocument.Parse(o);
            return doc.RootElement.GetProperty("result").GetProperty("top1Percent").GetDouble();
        }
        double f = Top1(model), q = Top1(output);
        Assert.True(Math.Abs(f - q) <= 0.3, $"float {f}%, int8 {q}%");
        Assert.True(new FileInfo(output).Length < new FileInfo(model).Length / 2);
    }
}

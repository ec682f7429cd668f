using System.Buffers.Binary;
using System.Text.Json;

namespace Pinhole.Cli.Tests;

public sealed class EvalCommandTests : IDisposable
{
    private static readonly string Model = Repository.Sample("tiny-cnn", "model.onnx"); // [1,1,28,28] -> 10 classes

    private readonly string _dir = Directory.CreateTempSubdirectory("pinhole-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Six 28x28 IDX images and their labels (all class 3).</summary>
    private (string Images, string Labels) Mnistlike()
    {
        string images = Path.Combine(_dir, "images-idx3-ubyte"), labels = Path.Combine(_dir, "labels-idx1-ubyte");
        File.WriteAllBytes(images, Idx([6, 28, 28], Enumerable.Range(0, 6 * 784).Select(i => (byte)(i * 7 % 256)).ToArray()));
        File.WriteAllBytes(labels, Idx([6], [3, 3, 3, 3, 3, 3]));
        return (images, labels);
    }

    private static byte[] Idx(int[] shape, byte[] data)
    {
        var bytes = new byte[4 + 4 * shape.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), shape[i]);
        data.CopyTo(bytes, 4 + 4 * shape.Length);
        return bytes;
    }

    [Fact]
    public void Eval_json_reports_counts_and_accuracy_without_progress()
    {
        var (images, labels) = Mnistlike();
        var (code, output, err) = CliRunner.Run("eval", Model, "--data", images, "--labels", labels, "--preset", "unit", "--skip", "1", "--limit", "4", "--threads", "1", "--json");
        Assert.True(code == 0, err);
        Assert.Equal("", err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("unit", root.GetProperty("preset").GetString());
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        Assert.Contains("samples 2-5 of 6", root.GetProperty("data").GetString(), StringComparison.Ordinal);
        var result = root.GetProperty("result");
        Assert.Equal(4, result.GetProperty("count").GetInt32());
        Assert.Equal(10, result.GetProperty("classes").GetInt32());
        int top1 = result.GetProperty("top1").GetInt32(), top5 = result.GetProperty("top5").GetInt32();
        Assert.InRange(top1, 0, top5);
        Assert.Equal(100.0 * top5 / 4, result.GetProperty("top5Percent").GetDouble());
        Assert.True(result.GetProperty("meanLatencyMs").GetDouble() > 0);
    }

    [Fact]
    public void Eval_prints_accuracy_and_shows_progress_on_stderr()
    {
        var (images, labels) = Mnistlike();
        var (code, output, err) = CliRunner.Run("eval", Model, "--data", images, "--labels", labels, "--preset", "raw");
        Assert.True(code == 0, err);
        Assert.Contains("samples   6, output 'probabilities' with 10 classes", output, StringComparison.Ordinal);
        Assert.Matches(@"top-1\s+\d+\.\d\d% \(\d/6\)", output);
        Assert.Matches(@"top-5\s+\d+\.\d\d% \(\d/6\)", output);
        Assert.EndsWith("eval [########################] 6/6" + Environment.NewLine, err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--preset", "vgg", "unknown preset 'vgg'")]
    [InlineData("--layout", "chw", "--layout 'chw': use nchw or nhwc")]
    [InlineData("--limit", "0", "--limit must be at least 1")]
    [InlineData("--skip", "-1", "--skip must not be negative")]
    [InlineData("--threads", "0", "--threads must be at least 1")]
    public void Bad_options_exit_2_with_one_error_line(string option, string value, string expected)
    {
        var (images, labels) = Mnistlike();
        var (code, _, err) = CliRunner.Run("eval", Model, "--data", images, "--labels", labels, option, value);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Bad_data_or_labels_exit_2_naming_the_file()
    {
        var (images, _) = Mnistlike();
        string shortLabels = Path.Combine(_dir, "short-idx1-ubyte");
        File.WriteAllBytes(shortLabels, Idx([2], [1, 2]));
        var (code, _, err) = CliRunner.Run("eval", Model, "--data", images, "--labels", shortLabels, "--json");
        Assert.Equal(2, code);
        Assert.Contains("short-idx1-ubyte' has 2 labels: none for sample 2", err, StringComparison.Ordinal);

        (code, _, err) = CliRunner.Run("eval", Model, "--data", Path.Combine(_dir, "missing"), "--labels", shortLabels);
        Assert.Equal(2, code);
        Assert.Contains("missing' does not exist", err, StringComparison.Ordinal);

        (code, _, err) = CliRunner.Run("eval", Model, "--data", images);
        Assert.Equal(2, code);
        Assert.Contains("--labels", err, StringComparison.Ordinal);
    }

    [SharedDataFact]
    public void Mnist8_scores_above_95_percent_on_the_first_500_test_digits()
    {
        var (code, output, err) = CliRunner.Run("eval", Repository.Model("mnist-8", "model.onnx"),
            "--data", Repository.SharedPath("datasets", "mnist", "t10k-images-idx3-ubyte.gz"),
            "--labels", Repository.SharedPath("datasets", "mnist", "t10k-labels-idx1-ubyte.gz"),
            "--preset", "raw", "--limit", "500", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal(500, result.GetProperty("count").GetInt32());
        Assert.True(result.GetProperty("top1Percent").GetDouble() > 95, output);
    }
}
